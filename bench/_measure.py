"""Timing a command with the peak resident memory of its whole process tree.

``/usr/bin/time -v`` reports the largest single process; a parser pool is several processes at
once, so this samples /proc and sums the tree.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measurement:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the task may have exited meanwhile
            found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _tree_rss_kb(root: int) -> int:
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        stack.extend(_children(pid))
    return total


def run(argv: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None) -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env or dict(os.environ), cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return Measurement(seconds, peak / 1024, process.returncode, stdout, stderr)
