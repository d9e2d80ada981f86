"""The durable engine on real NATS JetStream, Neo4j and worker processes: runs, parallelism,
retries, conditions, cancellation, and SIGKILL of a worker mid-step and mid-recording."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

from app.workflows.flows import WorkflowRuntime, apply_workflow, run_workflow, wait_for
from app.workflows.models import ExecutionStatus, StepStatus


def counts(path: Path) -> dict[str, int]:
    lines = path.read_text().split() if path.exists() else []
    return {step: lines.count(step) for step in set(lines)}


def chain(name: str, file: Path, *, sleep_b: float = 0.0, **b: Any) -> dict[str, Any]:
    """a -> b -> c on the counter agent."""
    return {
        "name": name,
        "steps": [
            {"id": "a", "agent": "counter", "with": {"file": str(file)}},
            {
                "id": "b",
                "agent": "counter",
                "needs": ["a"],
                "with": {"file": str(file), "sleep": sleep_b},
                **b,
            },
            {"id": "c", "agent": "counter", "needs": ["b"], "with": {"file": str(file)}},
        ],
    }


async def eventually(predicate: Any, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_chain_runs_each_step_once_and_projects_the_graph(
    runtime: WorkflowRuntime, start_worker, tmp_path, driver
):
    start_worker()
    file = tmp_path / "runs"
    await apply_workflow(runtime, chain("chain-ok", file))
    execution = await run_workflow(runtime, "chain-ok")
    view = await wait_for(runtime, execution.id, timeout_s=240)
    assert view.execution.status == ExecutionStatus.SUCCEEDED, [
        (s.step_id, s.status, s.error) for s in view.steps
    ]
    assert [s.status for s in view.steps] == [StepStatus.PASSED] * 3
    assert counts(file) == {"a": 1, "b": 1, "c": 1}
    # steps ran in dependency order
    assert (
        view.steps[0].ended_at
        <= view.steps[1].started_at
        <= view.steps[1].ended_at
        <= view.steps[2].started_at
    )
    # The graph is a projection of the KV state, written by the worker's projector shortly after.
    expected = [
        ("succeeded", "a", "passed", 1),
        ("succeeded", "b", "passed", 1),
        ("succeeded", "c", "passed", 1),
    ]
    deadline = time.monotonic() + 30
    while True:
        records, _, _ = driver.execute_query(
            "MATCH (e:WorkflowExecution {id: $id})-[:OF]->(w:Workflow {name: 'chain-ok'}) "
            "MATCH (e)-[r:RAN]->(s:WorkflowStep)<-[:HAS_STEP]-(w) "
            "RETURN e.status AS status, s.stepId AS step, r.status AS ran, r.attempts AS attempts "
            "ORDER BY step",
            id=execution.id,
        )
        projected = [(r["status"], r["step"], r["ran"], r["attempts"]) for r in records]
        if projected == expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert projected == expected


async def test_worker_killed_mid_step_resumes_without_rerunning_completed_steps(
    runtime: WorkflowRuntime, start_worker, tmp_path
):
    file = tmp_path / "runs"
    await apply_workflow(runtime, chain("chain-kill-step", file, sleep_b=3))
    worker = start_worker()
    execution = await run_workflow(runtime, "chain-kill-step")
    await eventually(lambda: counts(file).get("b") == 1, timeout_s=180)  # b is running (sleeping 3 s)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert (await runtime.engine.store.get_result(execution.id, "b")) is None
    start_worker()
    view = await wait_for(runtime, execution.id, timeout_s=240)
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    # a completed before the kill: never re-run; b was interrupted: run again (at least once)
    assert counts(file) == {"a": 1, "b": 2, "c": 1}
    assert view.steps[1].attempts == 2


async def test_worker_killed_after_recording_resumes_and_never_reruns_the_step(
    runtime: WorkflowRuntime, start_worker, tmp_path
):
    file = tmp_path / "runs"
    await apply_workflow(runtime, chain("chain-kill-record", file))
    worker = start_worker(fault="after_record:b")  # SIGKILL itself right after b's result is stored
    execution = await run_workflow(runtime, "chain-kill-record")
    assert worker.wait(180) == -signal.SIGKILL
    assert (await runtime.engine.store.get_result(execution.id, "b")) is not None
    assert "c" not in counts(file)  # c was never queued: the kill came before it
    start_worker()
    view = await wait_for(runtime, execution.id, timeout_s=240)
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    assert counts(file) == {"a": 1, "b": 1, "c": 1}


async def test_worker_killed_before_recording_reruns_only_that_step(
    runtime: WorkflowRuntime, start_worker, tmp_path
):
    file = tmp_path / "runs"
    await apply_workflow(runtime, chain("chain-kill-before", file))
    worker = start_worker(fault="before_record:b")
    execution = await run_workflow(runtime, "chain-kill-before")
    assert worker.wait(180) == -signal.SIGKILL
    assert (await runtime.engine.store.get_result(execution.id, "b")) is None
    start_worker()
    view = await wait_for(runtime, execution.id, timeout_s=240)
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    assert counts(file) == {"a": 1, "b": 2, "c": 1}


async def test_independent_steps_run_in_parallel_on_several_workers(
    runtime: WorkflowRuntime, start_worker, tmp_path
):
    start_worker()
    start_worker()
    file = tmp_path / "runs"
    steps = [{"id": f"p{i}", "agent": "counter", "with": {"file": str(file), "sleep": 1.5}} for i in range(4)]
    steps.append(
        {"id": "join", "agent": "counter", "needs": [f"p{i}" for i in range(4)], "with": {"file": str(file)}}
    )
    await apply_workflow(runtime, {"name": "fan-out", "steps": steps})
    execution = await run_workflow(runtime, "fan-out")
    view = await wait_for(runtime, execution.id, timeout_s=240)
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    fan = [s for s in view.steps if s.step_id != "join"]
    # all four were running at the same time: each started before any of them ended
    assert max(s.started_at for s in fan) < min(s.ended_at for s in fan)
    assert view.steps[-1].started_at >= max(s.ended_at for s in fan)
    assert counts(file) == {"p0": 1, "p1": 1, "p2": 1, "p3": 1, "join": 1}


async def test_retries_with_backoff_then_passes(runtime: WorkflowRuntime, start_worker, tmp_path):
    start_worker()
    file = tmp_path / "runs"
    workflow = {
        "name": "retrying",
        "steps": [
            {
                "id": "flaky",
                "agent": "counter",
                "retry": {"limit": 3, "backoff": 0.3},
                "with": {"file": str(file), "fail_until": 3},
            }
        ],
    }
    await apply_workflow(runtime, workflow)
    began = time.monotonic()
    execution = await run_workflow(runtime, "retrying")
    view = await wait_for(runtime, execution.id, timeout_s=240)
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    assert view.steps[0].attempts == 3 and counts(file) == {"flaky": 3}
    assert time.monotonic() - began >= 0.3 + 0.6  # backoff 0.3 s, then doubled


async def test_exhausted_retries_fail_and_block_dependents_but_warn_does_not(runtime, start_worker, tmp_path):
    start_worker()
    file = tmp_path / "runs"
    workflow = {
        "name": "failing",
        "steps": [
            {
                "id": "bad",
                "agent": "counter",
                "retry": {"limit": 1, "backoff": 0},
                "with": {"file": str(file), "fail_until": 99},
            },
            {
                "id": "soft",
                "agent": "counter",
                "on_fail": "warn",
                "with": {"file": str(file), "fail_until": 99},
            },
            {"id": "after-soft", "agent": "counter", "needs": ["soft"], "with": {"file": str(file)}},
            {"id": "after-bad", "agent": "counter", "needs": ["bad"], "with": {"file": str(file)}},
        ],
    }
    await apply_workflow(runtime, workflow)
    execution = await run_workflow(runtime, "failing")
    view = await wait_for(runtime, execution.id, timeout_s=240)
    status = {s.step_id: s.status for s in view.steps}
    assert view.execution.status == ExecutionStatus.FAILED
    assert status == {
        "bad": StepStatus.FAILED,
        "soft": StepStatus.FAILED,
        "after-soft": StepStatus.PASSED,
        "after-bad": StepStatus.SKIPPED,
    }
    assert counts(file)["bad"] == 2 and "after-bad" not in counts(file)
    assert any("soft" in warning for warning in view.execution.warnings)


async def test_conditions_read_the_event_and_earlier_results(
    runtime: WorkflowRuntime, start_worker, tmp_path
):
    start_worker()
    file = tmp_path / "runs"
    workflow = {
        "name": "conditional",
        "steps": [
            {"id": "first", "agent": "counter", "with": {"file": str(file)}},
            {
                "id": "on-main",
                "agent": "counter",
                "needs": ["first"],
                "with": {"file": str(file)},
                "condition": 'event.data.ref == "refs/heads/main" && steps.first.status == "passed"',
            },
            {
                "id": "on-other",
                "agent": "counter",
                "needs": ["first"],
                "with": {"file": str(file)},
                "condition": 'event.data.ref != "refs/heads/main"',
            },
        ],
    }
    await apply_workflow(runtime, workflow)
    execution = await run_workflow(runtime, "conditional", event={"data": {"ref": "refs/heads/main"}})
    view = await wait_for(runtime, execution.id, timeout_s=240)
    status = {s.step_id: s.status for s in view.steps}
    assert status == {
        "first": StepStatus.PASSED,
        "on-main": StepStatus.PASSED,
        "on-other": StepStatus.SKIPPED,
    }
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    assert counts(file) == {"first": 1, "on-main": 1}


async def test_cancel_stops_a_running_step_and_starts_no_more(
    runtime: WorkflowRuntime, start_worker, tmp_path
):
    start_worker()
    file = tmp_path / "runs"
    await apply_workflow(runtime, chain("cancellable", file, sleep_b=30))
    execution = await run_workflow(runtime, "cancellable")
    await eventually(lambda: counts(file).get("b") == 1, timeout_s=180)
    began = time.monotonic()
    cancelled = await runtime.engine.cancel(execution.id)
    assert cancelled.status == ExecutionStatus.CANCELLED
    while (await runtime.engine.store.get_result(execution.id, "b")) is None:
        assert time.monotonic() - began < 10, "the running step was not stopped"
        await asyncio.sleep(0.1)
    view = await wait_for(runtime, execution.id, timeout_s=10)
    assert {s.step_id: s.status for s in view.steps}["b"] == StepStatus.CANCELLED
    await asyncio.sleep(1.0)
    assert "c" not in counts(file)
