"""The ``hub`` command line."""

import sys

# The neo4j driver imports numpy, pandas and pyarrow at import time when they are installed
# (graphdatascience brings them), ~0.25 s, only for Result.to_df(). `hub graph ingest` never uses
# them and is latency-bound (the incremental ingest target is 2 s for the whole command).
if sys.argv[1:3] == ["graph", "ingest"]:
    for _unused in ("numpy", "pandas", "pyarrow"):
        sys.modules.setdefault(_unused, None)  # type: ignore[arg-type]
