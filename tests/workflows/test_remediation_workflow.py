"""A remediation action of type run_workflow runs a real workflow on the real engine (JetStream,
a `hub workflow worker` process that also projects the runs into Neo4j, the counter agent).
Executing it only starts the run: the action comes back approved with the execution linked, and
settling (the worker's cron job, called directly here) closes it once the projection shows the
run settled: executed with its experience when the run succeeded, failed (with the failing
step's error) when it failed, failed when it did not settle within the timeout. Settling again
changes nothing.

The predictions are written through the intelligence service about File nodes of this test's
own, under a project id of its own, so no other remediation test sees these actions.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from neo4j import AsyncDriver, Driver
from typer.testing import CliRunner

from app.cli.main import app as cli
from app.config import Settings
from app.events.models import EventQuery
from app.events.service import EventService
from app.intelligence import service as intelligence
from app.intelligence.models import ModelType
from app.remediation import flows as remediation
from app.remediation import service as actions
from app.remediation.jobs import settle_remediations_job
from app.remediation.models import ActionType, RemediationAction, RemediationStatus
from app.worker import worker_settings
from app.workflows.flows import WorkflowRuntime, apply_workflow, wait_for
from app.workflows.models import ExecutionStatus

from .test_engine import counts, eventually


@pytest.fixture
async def events(settings: Settings) -> AsyncIterator[EventService]:
    service_ = EventService(settings, service="remediation-workflow-test")
    await service_.connect()
    yield service_
    await service_.close()


async def _predicted_file(async_driver: AsyncDriver, driver: Driver, project: str, confidence: float) -> str:
    """A File and a high defect-risk prediction about it (the production write path)."""
    file_id = f"remediation-wf-{uuid.uuid4().hex}"
    driver.execute_query("CREATE (:File {id: $id, path: $path})", id=file_id, path=f"pkg/{file_id}.py")
    await intelligence.write_predictions(
        async_driver,
        project_id=project,
        model_type=ModelType.FILE_DEFECT_RISK,
        version=1,
        horizon_days=90,
        rows=[
            {
                "targetId": file_id,
                "probability": 0.9,
                "confidence": confidence,
                "features": {"fixes": 4.0},
                "topFactors": [{"feature": "fixes", "value": 4.0, "contribution": 0.2, "text": "4 fixes"}],
            }
        ],
    )
    return file_id


def _projected(driver: Driver, action_id: str, execution_id: str) -> str | None:
    """The status the projector wrote on the execution the action PRODUCED (None: not linked)."""
    records, _, _ = driver.execute_query(
        "MATCH (:RemediationAction {id: $a})-[:PRODUCED]->(e:WorkflowExecution {id: $e}) "
        "RETURN coalesce(e.status, 'unprojected') AS status",
        a=action_id,
        e=execution_id,
    )
    return records[0]["status"] if records else None


def _experiences(driver: Driver, action_id: str) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (e:Experience)-[:FROM]->(:RemediationAction {id: $a}) RETURN count(e) AS n", a=action_id
    )
    return records[0]["n"]


async def _steps(events: EventService, async_driver: AsyncDriver, action: RemediationAction) -> list[str]:
    page = await events.query(EventQuery(correlation_id=action.correlation_id), driver=async_driver)
    return [e.subject.rsplit(".", 1)[1] for e in page.events if (e.data or {}).get("actionId") == action.id]


async def _settled(
    async_driver: AsyncDriver, settings: Settings, events: EventService, action_id: str
) -> RemediationAction:
    """Settle (the cron job's body) until the action leaves approved: the projection may trail."""
    context = {"driver": async_driver, "settings": settings, "events": events}
    deadline = time.monotonic() + 30
    while True:
        await settle_remediations_job(context)
        action = await actions.get_action(driver=async_driver, settings=settings, action_id=action_id)
        if action.status is not RemediationStatus.APPROVED:
            return action
        assert time.monotonic() < deadline, "the action was not settled in time"
        await asyncio.sleep(0.1)


def test_the_worker_settles_remediations_on_a_short_cron(settings: Settings) -> None:
    (job,) = [j for j in worker_settings(settings).cron_jobs if j.coroutine is settle_remediations_job]
    assert job.second is not None and len(job.second) >= 6  # at least every 10 s


async def test_run_workflow_action_starts_without_waiting_and_settles_executed_or_failed(
    runtime: WorkflowRuntime,
    start_worker,
    tmp_path: Path,
    settings: Settings,
    async_driver: AsyncDriver,
    driver: Driver,
    events: EventService,
) -> None:
    start_worker()
    runs = tmp_path / "runs"
    suffix = uuid.uuid4().hex[:8]
    ok, bad = f"remediate-ok-{suffix}", f"remediate-bad-{suffix}"
    await apply_workflow(
        runtime,
        {"name": ok, "steps": [{"id": "fix", "agent": "counter", "with": {"file": str(runs), "sleep": 4}}]},
    )
    await apply_workflow(
        runtime,
        {
            "name": bad,
            "steps": [{"id": "broken", "agent": "counter", "with": {"file": str(runs), "fail_until": 99}}],
        },
    )
    running = settings.model_copy(
        update={
            "remediation_workflow": ok,
            "remediation_default_actions": {"file_defect_risk": "run_workflow"},
            "remediation_shadow": [],
        }
    )

    # Confident enough for run_workflow's threshold (0.95): approved at once, and its run started
    # but not waited for (the step takes 4 s): approved, with the execution linked already.
    project = f"remed-wf-{suffix}"
    target = await _predicted_file(async_driver, driver, project, confidence=0.99)
    run = await remediation.propose_for_project(
        driver=async_driver, settings=running, events=events, project_id=project
    )
    assert (run.proposed, run.started, run.executed, run.pending, run.failed) == (1, 1, 0, 0, 0)
    (started,) = await actions.list_actions(driver=async_driver, settings=running, project_id=project)
    assert started.action is ActionType.RUN_WORKFLOW and started.prediction.target_id == target
    assert started.status is RemediationStatus.APPROVED, started.error
    assert started.result_id and started.error is None
    assert _projected(driver, started.id, started.result_id) is not None  # linked, not left to the projector
    view = await wait_for(runtime, started.result_id, timeout_s=0.01)
    assert view.execution.status is ExecutionStatus.RUNNING
    assert view.execution.correlation_id == started.correlation_id

    # While the run is running, settling leaves the action approved.
    await remediation.settle_workflow_actions(driver=async_driver, settings=running, events=events)
    still = await actions.get_action(driver=async_driver, settings=running, action_id=started.id)
    assert still.status is RemediationStatus.APPROVED and _experiences(driver, started.id) == 0

    view = await wait_for(runtime, started.result_id, timeout_s=60)
    assert view.execution.status is ExecutionStatus.SUCCEEDED
    assert counts(runs) == {"fix": 1}
    done = await _settled(async_driver, running, events, started.id)
    assert done.status is RemediationStatus.EXECUTED, done.error
    assert done.result_id == started.result_id and done.error is None
    assert _projected(driver, done.id, done.result_id) == "succeeded"
    assert _experiences(driver, done.id) == 1
    assert await _steps(events, async_driver, done) == ["proposed", "approved", "started", "executed"]

    # Settling again (here through `hub remediation settle`) changes nothing: no second
    # transition, experience or event.
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["remediation", "settle", "--json"])
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.output)["settled"], int)
    again = await actions.get_action(driver=async_driver, settings=running, action_id=done.id)
    assert (again.status, again.updated_at, again.result_id) == (done.status, done.updated_at, done.result_id)
    assert _experiences(driver, done.id) == 1
    assert await _steps(events, async_driver, done) == ["proposed", "approved", "started", "executed"]

    # Below the threshold it waits; a person approves: approved, with its own execution linked;
    # the run fails: settling makes the action failed with the failing step's error.
    failing = running.model_copy(update={"remediation_workflow": bad})
    other = f"remed-wf-bad-{suffix}"
    await _predicted_file(async_driver, driver, other, confidence=0.6)
    run = await remediation.propose_for_project(
        driver=async_driver, settings=failing, events=events, project_id=other
    )
    assert (run.proposed, run.started, run.executed, run.pending) == (1, 0, 0, 1)
    (waiting,) = await actions.list_actions(driver=async_driver, settings=failing, project_id=other)
    assert waiting.status is RemediationStatus.PENDING_APPROVAL
    approved = await remediation.approve(
        driver=async_driver, settings=failing, events=events, action_id=waiting.id, decided_by="tester"
    )
    assert approved.status is RemediationStatus.APPROVED
    assert approved.result_id and approved.result_id != done.result_id
    view = await wait_for(runtime, approved.result_id, timeout_s=60)
    assert view.execution.status is ExecutionStatus.FAILED
    assert counts(runs)["broken"] >= 1
    failed = await _settled(async_driver, failing, events, approved.id)
    assert failed.status is RemediationStatus.FAILED
    assert failed.result_id == approved.result_id
    error = failed.error or ""
    assert f"execution {approved.result_id} ended failed" in error, error
    assert "broken: " in error and "failing on purpose" in error, error
    assert _experiences(driver, failed.id) == 0  # a failed run says nothing of the action's worth
    await eventually(lambda: _projected(driver, failed.id, failed.result_id) == "failed")
    assert await _steps(events, async_driver, failed) == [
        "proposed",
        "pending_approval",
        "approved",
        "started",
        "failed",
    ]


async def test_run_workflow_action_not_settled_in_time_fails_and_stays_failed(
    runtime: WorkflowRuntime,
    start_worker,
    tmp_path: Path,
    settings: Settings,
    async_driver: AsyncDriver,
    driver: Driver,
    events: EventService,
) -> None:
    start_worker()
    runs = tmp_path / "runs"
    slow = f"remediate-slow-{uuid.uuid4().hex[:8]}"
    await apply_workflow(
        runtime,
        {
            "name": slow,
            "steps": [{"id": "crawl", "agent": "counter", "with": {"file": str(runs), "sleep": 6}}],
        },
    )
    impatient = settings.model_copy(
        update={
            "remediation_workflow": slow,
            "remediation_workflow_timeout_s": 2.0,
            "remediation_default_actions": {"file_defect_risk": "run_workflow"},
            "remediation_shadow": [],
        }
    )
    project = f"remed-wf-slow-{uuid.uuid4().hex[:8]}"
    await _predicted_file(async_driver, driver, project, confidence=0.99)
    run = await remediation.propose_for_project(
        driver=async_driver, settings=impatient, events=events, project_id=project
    )
    assert run.started == 1
    (started,) = await actions.list_actions(driver=async_driver, settings=impatient, project_id=project)
    assert started.status is RemediationStatus.APPROVED and started.result_id

    # Within the timeout the running action stays approved; past it, it fails.
    await remediation.settle_workflow_actions(driver=async_driver, settings=impatient, events=events)
    within = await actions.get_action(driver=async_driver, settings=impatient, action_id=started.id)
    assert within.status is RemediationStatus.APPROVED
    await asyncio.sleep(2.5)
    closed = await remediation.settle_workflow_actions(driver=async_driver, settings=impatient, events=events)
    assert closed >= 1
    late = await actions.get_action(driver=async_driver, settings=impatient, action_id=started.id)
    assert late.status is RemediationStatus.FAILED
    assert late.result_id == started.result_id
    assert late.error == f"workflow {slow!r} execution {started.result_id} did not settle within 2 s"
    view = await wait_for(runtime, started.result_id, timeout_s=0.01)
    assert view.execution.status is ExecutionStatus.RUNNING

    # The run then succeeds; settling again leaves the failed action as it is.
    view = await wait_for(runtime, started.result_id, timeout_s=60)
    assert view.execution.status is ExecutionStatus.SUCCEEDED
    await eventually(lambda: _projected(driver, started.id, started.result_id) == "succeeded")
    await remediation.settle_workflow_actions(driver=async_driver, settings=impatient, events=events)
    after = await actions.get_action(driver=async_driver, settings=impatient, action_id=started.id)
    assert (after.status, after.error, after.updated_at) == (late.status, late.error, late.updated_at)
    assert _experiences(driver, started.id) == 0
    assert await _steps(events, async_driver, after) == ["proposed", "approved", "started", "failed"]

    # Approved again, but the process died before the run started: the earlier (succeeded)
    # execution is not this approval's, so settling does not make the action executed; past the
    # timeout it fails for want of a run.
    await actions.decide(
        driver=async_driver,
        settings=impatient,
        action_id=started.id,
        to=RemediationStatus.APPROVED,
        reason=None,
        decided_by="tester",
    )
    await remediation.settle_workflow_actions(driver=async_driver, settings=impatient, events=events)
    pending = await actions.get_action(driver=async_driver, settings=impatient, action_id=started.id)
    assert pending.status is RemediationStatus.APPROVED
    await asyncio.sleep(2.5)
    await remediation.settle_workflow_actions(driver=async_driver, settings=impatient, events=events)
    orphan = await actions.get_action(driver=async_driver, settings=impatient, action_id=started.id)
    assert orphan.status is RemediationStatus.FAILED
    assert (
        orphan.error
        == f"workflow {slow!r} did not settle within 2 s (no execution was linked to the approval)"
    )
    assert _experiences(driver, started.id) == 0
