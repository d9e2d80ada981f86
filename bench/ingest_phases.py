"""Where a cold ingest's time goes: wall and CPU seconds per pipeline phase, for this process (and
its parser workers) and for the Neo4j JVM, in-process, so a shared machine's noise shows as the gap
between wall and CPU time rather than hiding in one wall-clock figure (issue 13).

    .venv/bin/python bench/ingest_phases.py PATH [--runs 3] [--project phases]

Runs against the hub configured by the environment (HUB_HOME, HUB_NEO4J_BOLT_PORT, ...), which
must be up; each run deletes the project's subgraph first (wall time of the delete not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from app.config import get_settings
from app.core.db import create_driver
from ingest import ids, pipeline

TICKS = os.sysconf("SC_CLK_TCK")


def jvm_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def own_cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--project", default="phases")
    parser.add_argument("--history", type=int, default=None)
    args = parser.parse_args()
    settings = get_settings()
    jvm_pid = int((settings.home / "run" / "neo4j.pid").read_text().strip())
    driver = create_driver(settings)
    cpu: dict[str, tuple[float, float]] = {}
    marks = {"cpu": own_cpu(), "jvm": jvm_cpu(jvm_pid)}
    original_lap = pipeline.IngestSummary.lap

    def lap(self: pipeline.IngestSummary, phase: str, since: float) -> float:
        now_own, now_jvm = own_cpu(), jvm_cpu(jvm_pid)
        py, jvm = cpu.get(phase, (0.0, 0.0))
        cpu[phase] = (py + now_own - marks["cpu"], jvm + now_jvm - marks["jvm"])
        marks.update(cpu=now_own, jvm=now_jvm)
        return original_lap(self, phase, since)

    pipeline.IngestSummary.lap = lap  # type: ignore[method-assign]
    repo_id = ids.repo_id(args.project, str(args.path.resolve()))
    for run in range(args.runs):
        with driver.session() as session:  # CALL IN TRANSACTIONS needs an implicit transaction
            session.run(
                "MATCH (n) WHERE n.repoId = $repoId OR n.id = $repoId "
                "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
                repoId=repo_id,
            ).consume()
        cpu.clear()
        load = os.getloadavg()[0]
        started, py0, jvm0 = time.perf_counter(), own_cpu(), jvm_cpu(jvm_pid)
        marks.update(cpu=py0, jvm=jvm0)
        summary = pipeline.ingest_repository(driver, path=args.path, project=args.project,
                                             history=args.history, workers=None)  # fmt: skip
        wall = time.perf_counter() - started
        print(json.dumps({
            "run": run, "load": round(load, 2), "wall": round(wall, 2),
            "cpu_hub": round(own_cpu() - py0, 2), "cpu_jvm": round(jvm_cpu(jvm_pid) - jvm0, 2),
            "phases": {p: [summary.timings.get(p, 0), round(c[0], 2), round(c[1], 2)] for p, c in cpu.items()},
            "symbols": summary.symbols_written, "edges": summary.edges_written,
        }))  # fmt: skip
    driver.close()


if __name__ == "__main__":
    main()
