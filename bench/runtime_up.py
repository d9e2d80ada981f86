"""Runtime start-up benchmark (issue 2): `hub up` with artifacts cached and services stopped,
until Neo4j (with GDS + APOC), NATS and Redis all answer and the schema is applied.

    .venv/bin/python bench/runtime_up.py [--runs 5]

Uses its own HUB_HOME (bench/out/up-home) and ports, so nothing else is disturbed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUB = str(ROOT / ".venv" / "bin" / "hub")
ENV = {**os.environ, "HUB_HOME": str(ROOT / "bench" / "out" / "up-home"), "HUB_NEO4J_BOLT_PORT": "47687",
       "HUB_NEO4J_HTTP_PORT": "47474", "HUB_NATS_PORT": "44222", "HUB_REDIS_PORT": "46379"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run([HUB, "up"], env=ENV, check=True, capture_output=True)  # first start: creates the store
    subprocess.run([HUB, "down"], env=ENV, check=True, capture_output=True)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([HUB, "up"], env=ENV, check=True, capture_output=True)
        status = subprocess.run([HUB, "status", "--json"], env=ENV, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        assert status.returncode == 0, status.stdout
        subprocess.run([HUB, "down"], env=ENV, check=True, capture_output=True)
    print("## Runtime start-up (issue 2)\n")
    print("- command: `.venv/bin/python bench/runtime_up.py --runs", args.runs, "`")
    print(
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.node()}, {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f} (other work was running)"
    )
    print(
        f"- `hub up` to all healthy (artifacts cached, services stopped; includes `hub status`): median "
        f"**{statistics.median(times):.1f} s** (target ≤ 30 s); runs: {', '.join(f'{t:.1f}' for t in times)} s\n"
    )


if __name__ == "__main__":
    main()
