"""A content-addressed cache of parse results under ``HUB_HOME/cache/parse``.

The key is (parser version, path, content hash): the path is part of it because qualified names
come from the path. The cache is only an optimisation: a missing or unreadable entry is parsed
again, so deleting the folder never changes a result.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from ingest.model import ParsedFile

# 2: pickled as constructor calls; 3: call evidence, scoped imports; 4: TS this.#x;
# 5: attribute chains, properties, module variables, await, signatures without comments
PARSER_VERSION = "5"


class ParseCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def _entry(self, path: str, sha256: str) -> Path | None:
        if self.folder is None:
            return None
        key = hashlib.blake2b(f"{PARSER_VERSION}\0{path}\0{sha256}".encode(), digest_size=16).hexdigest()
        return self.folder / key[:2] / f"{key}.pkl"

    def get(self, path: str, sha256: str) -> ParsedFile | None:
        entry = self._entry(path, sha256)
        if entry is None:
            return None
        try:
            with entry.open("rb") as handle:
                parsed = pickle.load(handle)  # noqa: S301 - our own files, written below
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            return None
        return parsed if isinstance(parsed, ParsedFile) and parsed.path == path else None

    def put(self, path: str, sha256: str, parsed: ParsedFile) -> None:
        if self.folder is not None:
            self.put_pickled(path, sha256, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))

    def put_pickled(self, path: str, sha256: str, blob: bytes) -> None:
        """``blob``: the pickled ``ParsedFile`` of ``path`` (as a parser worker sent it)."""
        entry = self._entry(path, sha256)
        if entry is None:
            return
        entry.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename: a crash never leaves a half-written entry behind.
        fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, entry)
