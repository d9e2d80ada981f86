"""Watch mode (issue 13): saving one file of Django's package → the graph updated and announced.

    .venv/bin/python bench/watch_bench.py [--saves 30]

Starts its own runtime (HUB_HOME=bench/out/watch-home, ports 38687/38474/35222/37379), runs
``hub graph watch DJANGO --project django-watch --json`` as a user would, then saves one file at a
time (a new function appended to a different module each time: five busy ones, then modules spread
evenly over the package, 0.5 s apart) and times each save until
the watcher prints the batch's JSON line, which it does after the graph is written and
graph.updated is published. Also reports the watcher's own apply time per batch and a burst (a
``git checkout`` of a branch that changes 40 files). Prints a Markdown section for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
HUB = str(ROOT / ".venv" / "bin" / "hub")
ENV = {**os.environ, "HUB_HOME": str(OUT / "watch-home"), "HUB_NEO4J_BOLT_PORT": "38687",
       "HUB_NEO4J_HTTP_PORT": "38474", "HUB_NATS_PORT": "35222", "HUB_REDIS_PORT": "37379",
       "HUB_API_PORT": "38000", "HUB_STARTUP_TIMEOUT_S": "400"}  # fmt: skip
for key in ("HUB_NEO4J_URI", "HUB_NATS_URL", "HUB_REDIS_URL", "HUB_NEO4J_PASSWORD"):
    ENV.pop(key, None)
EDITED = ("django/utils/text.py", "django/db/models/query.py", "django/http/response.py",
          "django/core/handlers/base.py", "django/template/base.py")  # fmt: skip


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=b@x", "-c", "user.name=bench", *args],
                   check=True, capture_output=True)  # fmt: skip


def corpus() -> Path:
    """Django 5.2's package (the wheel's ``django/``) as a git repository, downloaded once."""
    target = OUT / "corpora" / "django-wheel"
    if (target / ".git").exists():
        return target
    download = OUT / "corpora" / "download-wheel"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                    "django>=5.2,<5.3", "-d", str(download)], check=True)  # fmt: skip
    wheel = (
        next(download.glob("django-*.whl"))
        if any(download.glob("django-*.whl"))
        else next(download.glob("Django-*.whl"))
    )
    target.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target, [n for n in archive.namelist() if n.startswith("django/")])
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "import")
    return target


class Watcher:
    """``hub graph watch --json`` as a subprocess; each batch it applies is one line on stdout."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([HUB, "graph", "watch", str(path), "--project", "django-watch", "--json"],
                                     env=ENV, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.proc.stdout is not None
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)

    def line(self, timeout: float) -> dict:
        if not self.selector.select(timeout):
            raise TimeoutError(f"no line from the watcher within {timeout} s")
        assert self.proc.stdout is not None
        return json.loads(self.proc.stdout.readline())

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=30)
    args = parser.parse_args()
    path = corpus()
    every = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.py") if ".git" not in p.parts)
    files = len(every)
    spread = [rel for rel in every if rel not in EDITED and not rel.endswith("__init__.py")]
    step = max(1, len(spread) // max(1, args.saves - len(EDITED)))
    edited = [*EDITED, *spread[::step]][: args.saves]
    subprocess.run([HUB, "up"], env=ENV, check=True, capture_output=True)
    originals = {rel: (path / rel).read_text() for rel in edited}
    load_before = os.getloadavg()
    started = time.perf_counter()
    watcher = Watcher(path)
    try:
        first = watcher.line(timeout=600)
        ready_s = time.perf_counter() - started
        time.sleep(2.0)  # the OS watch is set up after the first line
        latencies, applies, phases, resolved = [], [], [], []
        for i in range(args.saves):
            rel = edited[i % len(edited)]
            text = originals[rel] + f"\n\ndef watch_edit_{i}(value):\n    return str(value)\n"
            t0 = time.perf_counter()
            (path / rel).write_text(text)
            batch = watcher.line(timeout=60)
            latencies.append(time.perf_counter() - t0)
            applies.append(float(batch["seconds"]))
            phases.append(batch["timings"])
            resolved.append(batch["files_resolved"])
            assert batch["changed_paths"] == [rel], batch["changed_paths"]
            time.sleep(0.5)
        for rel, text in originals.items():
            (path / rel).write_text(text)
        restored_started = time.perf_counter()
        restores = [watcher.line(timeout=120)]
        while True:  # every batch of the restore, so that none is counted as the burst's
            try:
                restores.append(watcher.line(timeout=3.0))
            except TimeoutError:
                break
        restored_s = time.perf_counter() - restored_started - 3.0
        time.sleep(1.0)
        git(path, "checkout", "-q", "-b", "bench-burst")
        for rel in sorted(
            p.relative_to(path).as_posix() for p in (path / "django" / "contrib").rglob("*.py")
        )[:40]:
            (path / rel).write_text((path / rel).read_text() + "\n# burst\n")
        git(path, "commit", "-qam", "burst")
        git(path, "checkout", "-q", "main")
        time.sleep(1.0)
        burst_started = time.perf_counter()
        git(path, "checkout", "-q", "bench-burst")
        burst_batches = [watcher.line(timeout=120)]
        burst_s = time.perf_counter() - burst_started
        while True:
            try:
                burst_batches.append(watcher.line(timeout=2.0))
            except TimeoutError:
                break
        git(path, "checkout", "-q", "main")
        git(path, "branch", "-qD", "bench-burst")
    finally:
        watcher.stop()
        subprocess.run([HUB, "down"], env=ENV, check=False, capture_output=True)
    load_after = os.getloadavg()
    print(f"### Watch mode (issue 13) ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; the machine is shared and busy)\n")  # fmt: skip
    print(f"`.venv/bin/python bench/watch_bench.py --saves {args.saves}`: Django 5.2's package ({files} .py "
          f"files), `hub graph watch --json`; initial sync (incremental ingest + load into memory) "
          f"{ready_s:.1f} s ({first['initial']['files_parsed']} files parsed).\n")  # fmt: skip
    print("| measurement | p50 | p95 | max |\n| --- | --- | --- | --- |")
    print(f"| save one file → graph updated + graph.updated published (s) | {quantile(latencies, 0.5):.3f} | "
          f"{quantile(latencies, 0.95):.3f} | {max(latencies):.3f} |")  # fmt: skip
    print(f"| of which the watcher's apply (read, parse, re-resolve affected files, write delta) (s) | "
          f"{quantile(applies, 0.5):.3f} | {quantile(applies, 0.95):.3f} | {max(applies):.3f} |")  # fmt: skip
    for phase in ("discover", "parse", "resolve", "write"):
        values = [float(t.get(phase, 0.0)) for t in phases]
        print(
            f"| — {phase} (s) | {quantile(values, 0.5):.3f} | {quantile(values, 0.95):.3f} | {max(values):.3f} |"
        )
    print(f"| files whose calls were re-resolved (of {files}) | {quantile(resolved, 0.5)} | "
          f"{quantile(resolved, 0.95)} | {max(resolved)} |")  # fmt: skip
    print(f"\nRestoring the {len(edited)} files saved at once: "
          f"{len(restores)} batch(es) ({', '.join(str(len(b['changed_paths'])) for b in restores)} files), "
          f"the last announced {restored_s:.2f} s after the writes. A `git checkout` "
          f"changing 40 files: {len(burst_batches)} batch(es) "
          f"({', '.join(str(len(b['changed_paths'])) for b in burst_batches)} files), first announced "
          f"{burst_s:.2f} s after the checkout started.")  # fmt: skip
    shutil.rmtree(OUT / "watch-home" / "cache", ignore_errors=True)


if __name__ == "__main__":
    main()
