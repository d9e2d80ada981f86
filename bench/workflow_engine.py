"""Workflow engine benchmark (issue 14), on a runtime of its own.

Starts an isolated runtime (HUB_HOME=bench/out/workflow-home, ports 38787/38574/38322/38479),
applies a 3-step chain (a -> b -> c) on the built-in `echo` agent (no work, no sleep), starts
`--workers` `hub workflow worker` processes, then `--executions` executions at once, and waits for
all of them. Engine overhead of a step = the time from the moment it could start (the execution's
start, or its dependency's result) to its own result being recorded, minus the time inside the
agent: fetching the task, reading the state, the condition, recording the result, the Neo4j
projection, the log event and queueing the next step.

    .venv/bin/python bench/workflow_engine.py [--executions 100] [--workers 2] [--sequential 20] [--keep]

It reports the overhead of a step two ways. ``sequential``: executions one at a time, so nothing
queues before a step: the engine's own latency (the target p50 <= 10 ms, p95 <= 50 ms). And
``concurrent``: ``--executions`` started at once, where a step also waits behind the others'
steps, so the figure grows with the number started together divided by the throughput (Little's
law) -- the ``queue`` and ``handling`` parts and the workers' CPU per step tell the two apart.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
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


def chain(agent_sleep_s: float) -> dict:  # type: ignore[type-arg]
    """a -> b -> c on the echo agent; each step holds its agent ``agent_sleep_s`` (0: returns at once)."""
    with_ = {"sleep": agent_sleep_s} if agent_sleep_s else {}
    return {
        "name": "bench-chain",
        "steps": [
            {"id": "a", "agent": "echo", "with": {"n": 1, **with_}},
            {"id": "b", "agent": "echo", "needs": ["a"], "with": {"n": 2, **with_}},
            {"id": "c", "agent": "echo", "needs": ["b"], "with": {"n": 3, **with_}},
        ],
    }


def ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


async def settle_all(store, ids: set[str], timeout_s: float = 900) -> None:  # type: ignore[no-untyped-def]
    """Waits for every execution to leave RUNNING. Polls slowly (every 0.5 s) so that the bench's
    own reads do not compete with the workers for the two cores; the figures come from the
    recorded timestamps, not from when this loop noticed."""
    pending = set(ids)
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:  # one light read per open execution a round
        await asyncio.sleep(0.5)
        for execution_id in list(pending):
            if (await store.get_execution(execution_id)).status != ExecutionStatus.RUNNING:
                pending.discard(execution_id)


def split(views: list) -> dict[str, list[float]]:  # type: ignore[type-arg]
    """Per step: overhead = ready -> recorded minus agent time; queue = ready -> a worker got the
    task; handling = got the task -> recorded, minus agent time (the engine's own work)."""
    parts: dict[str, list[float]] = {"overhead": [], "queue": [], "handling": [], "agent": []}
    for view in views:
        ready = ts(view.execution.started_at)
        for step in view.steps:  # a -> b -> c: each can start when the previous one is recorded
            ended = ts(step.ended_at)
            parts["overhead"].append((ended - ready) * 1000 - step.agent_ms)
            parts["agent"].append(step.agent_ms)
            if step.received_at:
                received = ts(step.received_at)
                parts["queue"].append((received - ready) * 1000)
                parts["handling"].append((ended - received) * 1000 - step.agent_ms)
            ready = ended
    return parts


def in_flight_max(views: list) -> int:  # type: ignore[type-arg]
    """The most executions running at the same instant (started, last step not yet recorded)."""
    edges = []
    for view in views:
        edges.append((ts(view.execution.started_at), 1))
        edges.append((max(ts(step.ended_at) for step in view.steps), -1))
    running = peak = 0
    for _, change in sorted(edges):
        running += change
        peak = max(peak, running)
    return peak


def summary(label: str, views: list) -> dict[str, float]:  # type: ignore[type-arg]
    done = [v for v in views if v.execution.status == ExecutionStatus.SUCCEEDED]
    out: dict[str, float] = {f"{label}_succeeded": len(done), f"{label}_executions": len(views)}
    for part, values in split(done).items():
        if values:
            out[f"{label}_{part}_p50_ms"] = statistics.median(values)
            out[f"{label}_{part}_p95_ms"] = pct(values, 0.95)
    return out


async def bench(
    settings: Settings, executions: int, workers: int, sequential: int, agent_sleep_s: float, spread_s: float
) -> dict[str, float]:
    driver = create_async_driver(settings)
    await migrate(driver, database=settings.neo4j_database)
    runtime = WorkflowRuntime(settings, driver, name="bench")
    hub = str(Path(sys.executable).with_name("hub"))
    procs = [subprocess.Popen([hub, "workflow", "worker"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]  # fmt: skip
    result: dict[str, float] = {}
    try:
        await apply_workflow(runtime, chain(agent_sleep_s))
        warm = await run_workflow(runtime, "bench-chain")  # the workers are up once this settles
        assert (await wait_for(runtime, warm.id, timeout_s=120)).execution.status == ExecutionStatus.SUCCEEDED
        store = (await runtime.connect()).store
        # 1. One execution at a time: the engine's latency per step with nothing queued before it.
        alone = []
        for _ in range(sequential):
            execution = await run_workflow(runtime, "bench-chain")
            alone.append(await wait_for(runtime, execution.id, timeout_s=60, poll_s=0.01))
        result.update(summary("sequential", alone))
        # 2. `executions` started at once (or evenly over `spread_s`): with a zero-time agent the
        # overhead includes waiting behind the others; with a sleeping agent they are all in flight.
        cpu_before = cpu_s([p.pid for p in procs])
        began = time.time()

        async def start(index: int):  # type: ignore[no-untyped-def]
            await asyncio.sleep(spread_s * index / executions)
            return await run_workflow(runtime, "bench-chain")

        started = await asyncio.gather(*(start(i) for i in range(executions)))
        await settle_all(store, {e.id for e in started})
        cpu = cpu_s([p.pid for p in procs]) - cpu_before
        views = [await store.view(e.id) for e in started]
        result.update(summary("concurrent", views))
        wall = max(ts(step.ended_at) for view in views for step in view.steps) - began
        result["concurrent_in_flight_max"] = in_flight_max(views)
        result["concurrent_wall_s"] = wall
        result["concurrent_steps_per_s"] = 3 * executions / wall
        result["worker_cpu_ms_per_step"] = cpu * 1000 / (3 * executions)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        await runtime.close()
        await driver.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sequential", type=int, default=20, help="executions run one at a time first")
    parser.add_argument(
        "--agent-sleep", type=float, default=0.0, help="seconds each step holds the echo agent"
    )
    parser.add_argument(
        "--spread", type=float, default=0.0, help="start the executions evenly over this many s"
    )
    parser.add_argument("--keep", action="store_true", help="leave the runtime running")
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    manager.up(settings)
    try:
        load_before = os.getloadavg()
        result = asyncio.run(
            bench(settings, args.executions, args.workers, args.sequential, args.agent_sleep, args.spread)
        )
    finally:
        if not args.keep:
            manager.down(settings)
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"command: .venv/bin/python bench/workflow_engine.py --executions {args.executions} "
        f"--workers {args.workers} --sequential {args.sequential} --agent-sleep {args.agent_sleep} "
        f"--spread {args.spread}"
    )
    print(f"load before: {load_before}, after: {os.getloadavg()}")
    for key, value in result.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
