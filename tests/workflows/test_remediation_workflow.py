"""A remediation action of type run_workflow runs a real workflow on the real engine (JetStream,
a `hub workflow worker` process, the counter agent): it ends executed with the execution linked
when the run succeeds, and failed (the execution still linked) when the run fails.

The predictions are written through the intelligence service about File nodes of this test's
own, under a project id of its own, so no other remediation test sees these actions.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from neo4j import AsyncDriver, Driver

from app.config import Settings
from app.intelligence import service as intelligence
from app.intelligence.models import ModelType
from app.remediation import flows as remediation
from app.remediation import service as actions
from app.remediation.models import ActionType, RemediationStatus
from app.workflows.flows import WorkflowRuntime, apply_workflow, wait_for
from app.workflows.models import ExecutionStatus

from .test_engine import counts, eventually


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


def _linked(driver: Driver, action_id: str, execution_id: str, status: str) -> bool:
    """The action PRODUCED the execution, and the projector has written the run's outcome on it."""
    records, _, _ = driver.execute_query(
        "MATCH (:RemediationAction {id: $a})-[:PRODUCED]->(e:WorkflowExecution {id: $e}) "
        "RETURN e.status AS status",
        a=action_id,
        e=execution_id,
    )
    return [r["status"] for r in records] == [status]


async def test_run_workflow_action_executes_through_the_engine_and_a_failing_run_fails(
    runtime: WorkflowRuntime,
    start_worker,
    tmp_path: Path,
    settings: Settings,
    async_driver: AsyncDriver,
    driver: Driver,
) -> None:
    start_worker()
    runs = tmp_path / "runs"
    suffix = uuid.uuid4().hex[:8]
    ok, bad = f"remediate-ok-{suffix}", f"remediate-bad-{suffix}"
    await apply_workflow(
        runtime, {"name": ok, "steps": [{"id": "fix", "agent": "counter", "with": {"file": str(runs)}}]}
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

    # Confident enough for run_workflow's threshold (0.95): it executes at once.
    project = f"remed-wf-{suffix}"
    target = await _predicted_file(async_driver, driver, project, confidence=0.99)
    run = await remediation.propose_for_project(
        driver=async_driver, settings=running, events=None, project_id=project
    )
    assert (run.proposed, run.executed, run.pending) == (1, 1, 0)
    (done,) = await actions.list_actions(driver=async_driver, settings=running, project_id=project)
    assert done.action is ActionType.RUN_WORKFLOW and done.prediction.target_id == target
    assert done.status is RemediationStatus.EXECUTED, done.error
    assert done.result_id
    view = await wait_for(runtime, done.result_id, timeout_s=5)
    assert view.execution.status is ExecutionStatus.SUCCEEDED
    assert view.execution.correlation_id == done.correlation_id
    assert counts(runs) == {"fix": 1}
    await eventually(lambda: _linked(driver, done.id, done.result_id, "succeeded"))

    # Below the threshold it waits; a person approves; the workflow's run fails: the action fails.
    failing = running.model_copy(update={"remediation_workflow": bad})
    other = f"remed-wf-bad-{suffix}"
    await _predicted_file(async_driver, driver, other, confidence=0.6)
    run = await remediation.propose_for_project(
        driver=async_driver, settings=failing, events=None, project_id=other
    )
    assert (run.proposed, run.executed, run.pending) == (1, 0, 1)
    (waiting,) = await actions.list_actions(driver=async_driver, settings=failing, project_id=other)
    assert waiting.status is RemediationStatus.PENDING_APPROVAL
    failed = await remediation.approve(
        driver=async_driver, settings=failing, events=None, action_id=waiting.id, decided_by="tester"
    )
    assert failed.status is RemediationStatus.FAILED
    assert failed.result_id and failed.result_id != done.result_id
    assert "ended failed" in (failed.error or "") and "broken" in (failed.error or "")
    view = await wait_for(runtime, failed.result_id, timeout_s=5)
    assert view.execution.status is ExecutionStatus.FAILED
    assert counts(runs)["broken"] >= 1
    await eventually(lambda: _linked(driver, failed.id, failed.result_id, "failed"))
