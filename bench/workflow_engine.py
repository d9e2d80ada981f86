"""Workflow engine benchmark (issue 14), on a runtime of its own.

Starts an isolated runtime (HUB_HOME=bench/out/workflow-home, ports 38787/38574/38322/38479),
applies a 3-step chain (a -> b -> c) on the built-in `echo` agent (no work, no sleep), starts
`--workers` `hub workflow worker` processes, then `--executions` executions at once, and waits for
all of them. Engine overhead of a step = the time from the moment it could start (the execution's
start, or its dependency's result) to its own result being recorded, minus the time inside the
agent: fetching the task, reading the state, the condition, recording the result, the Neo4j
projection, the log event and queueing the next step.

    .venv/bin/python bench/workflow_engine.py [--executions 100] [--workers 2] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ENV = {"HUB_HOME": str(OUT / "workflow-home"), "HUB_NEO4J_BOLT_PORT": "38787", "HUB_NEO4J_HTTP_PORT": "38574",
       "HUB_NATS_PORT": "38322", "HUB_REDIS_PORT": "38479", "HUB_NEO4J_HEAP": "1g",
       "HUB_NEO4J_PAGECACHE": "256m", "HUB_STARTUP_TIMEOUT_S": "300"}  # fmt: skip
os.environ.update(ENV)
for key in ("HUB_NEO4J_URI", "HUB_NATS_URL", "HUB_REDIS_URL", "HUB_NEO4J_PASSWORD"):
    os.environ.pop(key, None)
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.core.db import create_async_driver  # noqa: E402
from app.core.migrations import migrate  # noqa: E402
from app.runtime import manager  # noqa: E402
from app.workflows.flows import WorkflowRuntime, apply_workflow, run_workflow, wait_for  # noqa: E402
from app.workflows.models import ExecutionStatus  # noqa: E402

CHAIN = {
    "name": "bench-chain",
    "steps": [
        {"id": "a", "agent": "echo", "with": {"n": 1}},
        {"id": "b", "agent": "echo", "needs": ["a"], "with": {"n": 2}},
        {"id": "c", "agent": "echo", "needs": ["b"], "with": {"n": 3}},
    ],
}


def ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def bench(settings: Settings, executions: int, workers: int) -> dict[str, float]:
    driver = create_async_driver(settings)
    await migrate(driver, database=settings.neo4j_database)
    runtime = WorkflowRuntime(settings, driver, name="bench")
    hub = str(Path(sys.executable).with_name("hub"))
    procs = [subprocess.Popen([hub, "workflow", "worker"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]  # fmt: skip
    try:
        await apply_workflow(runtime, CHAIN)
        warm = await run_workflow(runtime, "bench-chain")  # the workers are up once this settles
        assert (await wait_for(runtime, warm.id, timeout_s=120)).execution.status == ExecutionStatus.SUCCEEDED
        began = time.perf_counter()
        started = await asyncio.gather(*(run_workflow(runtime, "bench-chain") for _ in range(executions)))
        store = (await runtime.connect()).store
        pending = {e.id for e in started}
        deadline = time.monotonic() + 900
        while pending and time.monotonic() < deadline:  # one light read per open execution a round
            await asyncio.sleep(0.5)
            for execution_id in list(pending):
                if (await store.get_execution(execution_id)).status != ExecutionStatus.RUNNING:
                    pending.discard(execution_id)
        wall = time.perf_counter() - began
        views = [await store.view(e.id) for e in started]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        await runtime.close()
        await driver.close()
    done = [v for v in views if v.execution.status == ExecutionStatus.SUCCEEDED]
    overhead_ms: list[float] = []
    agent_ms: list[float] = []
    for view in done:
        ready = ts(view.execution.started_at)
        for step in view.steps:  # a -> b -> c: each can start when the previous one is recorded
            overhead_ms.append((ts(step.ended_at) - ready) * 1000 - step.agent_ms)
            agent_ms.append(step.agent_ms)
            ready = ts(step.ended_at)
    return {
        "executions": executions,
        "succeeded": len(done),
        "wall_s": wall,
        "steps_per_s": 3 * len(done) / wall,
        "overhead_p50_ms": statistics.median(overhead_ms),
        "overhead_p95_ms": pct(overhead_ms, 0.95),
        "agent_p50_ms": statistics.median(agent_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="leave the runtime running")
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    manager.up(settings)
    try:
        result = asyncio.run(bench(settings, args.executions, args.workers))
    finally:
        if not args.keep:
            manager.down(settings)
    print(f"load: {os.getloadavg()}")
    for key, value in result.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
