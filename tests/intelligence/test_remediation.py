"""Remediation with a human in the loop, against the real Neo4j and JetStream: thresholds decide
between executing and waiting, shadow mode executes nothing, re-runs create nothing twice,
approvals and rejections go through GraphQL, REST and the CLI, waiting ones escalate, and every
step is an event on the prediction's correlation id.

Predictions are written through the intelligence service (the production write path) about files
of the ingested risk project, with the probabilities and confidences each test needs; each test
uses its own project id for them and its own files, so tests do not see each other's actions.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import AsyncDriver, Driver
from remediation_factory import count as _count
from remediation_factory import predict as _predict
from remediation_factory import unused_files as _files
from tests_support import api_client, create_token
from typer.testing import CliRunner

from app.cli.main import app as cli
from app.config import Settings
from app.core.errors import InvalidInput
from app.events.models import EventQuery
from app.events.service import EventService
from app.main import create_app
from app.remediation import flows, service
from app.remediation.jobs import escalate_remediations_job
from app.remediation.models import ActionType, RemediationStatus


@pytest.fixture
async def events(settings: Settings) -> AsyncIterator[EventService]:
    service_ = EventService(settings, service="remediation-test")
    await service_.connect()
    yield service_
    await service_.close()


def _by_target(actions: list[Any]) -> dict[str, Any]:
    return {a.prediction.target_id: a for a in actions}


async def test_threshold_executes_or_waits_and_reruns_create_nothing(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, risk_project: str, events: EventService
) -> None:
    sure, unsure, calm = _files(driver, risk_project, 3)
    project = f"remed-{uuid.uuid4().hex[:8]}"
    await _predict(async_driver, project, [(sure, 0.9, 0.95), (unsure, 0.85, 0.6), (calm, 0.2, 0.99)])

    run = await flows.propose_for_project(
        driver=async_driver, settings=settings, events=events, project_id=project
    )
    assert (run.considered, run.proposed, run.executed, run.pending, run.shadowed) == (2, 2, 1, 1, 0)
    actions = _by_target(
        await service.list_actions(driver=async_driver, settings=settings, project_id=project)
    )
    assert calm not in actions  # below remediation_min_probability: no action
    done, waiting = actions[sure], actions[unsure]
    assert done.action is ActionType.CREATE_TASK and done.status is RemediationStatus.EXECUTED
    assert waiting.status is RemediationStatus.PENDING_APPROVAL and not waiting.would_execute
    # the Task exists, made by app/work, linked from the action
    assert (
        _count(
            driver,
            "MATCH (a:RemediationAction {id: $a})-[:PRODUCED]->(t:Task {id: $t}) "
            "WHERE 'remediation' IN t.labels RETURN count(t) AS n",
            a=done.id,
            t=done.result_id,
        )
        == 1
    )

    again = await flows.propose_for_project(
        driver=async_driver, settings=settings, events=events, project_id=project
    )
    assert (again.considered, again.proposed, again.executed) == (2, 0, 0)
    assert len(await service.list_actions(driver=async_driver, settings=settings, project_id=project)) == 2
    assert (
        _count(driver, "MATCH (t:Task) WHERE t.description CONTAINS $a RETURN count(t) AS n", a=done.id) == 1
    )

    # the executed action's chain is on the prediction's correlation id
    page = await events.query(EventQuery(correlation_id=done.correlation_id), driver=async_driver)
    steps = [e.subject.rsplit(".", 1)[1] for e in page.events if (e.data or {}).get("actionId") == done.id]
    assert steps == ["proposed", "approved", "executed"]


async def test_shadow_mode_records_and_executes_nothing(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, risk_project: str, events: EventService
) -> None:
    shadowed_file, audited_file = _files(driver, risk_project, 2)
    tasks_before = _count(driver, "MATCH (t:Task) RETURN count(t) AS n")
    audits_before = _count(driver, "MATCH (a:Audit) RETURN count(a) AS n")

    shadow_project = f"remed-{uuid.uuid4().hex[:8]}"
    await _predict(async_driver, shadow_project, [(shadowed_file, 0.95, 0.99)])
    in_shadow = settings.model_copy(update={"remediation_shadow": ["shadowed:create_task"]})
    run = await flows.propose_for_project(
        driver=async_driver,
        settings=in_shadow,
        events=events,
        project_id=shadow_project,
        project_name="shadowed",
    )
    assert (run.proposed, run.shadowed, run.executed) == (1, 1, 0)
    (action,) = await service.list_actions(driver=async_driver, settings=settings, project_id=shadow_project)
    assert action.shadow and action.would_execute and action.status is RemediationStatus.PROPOSED
    assert action.result_id is None
    assert _count(driver, "MATCH (t:Task) RETURN count(t) AS n") == tasks_before
    with pytest.raises(InvalidInput, match="shadow mode"):
        await flows.approve(
            driver=async_driver, settings=settings, events=events, action_id=action.id, decided_by="t"
        )
    page = await events.query(EventQuery(correlation_id=action.correlation_id), driver=async_driver)
    assert [
        e.subject.rsplit(".", 1)[1] for e in page.events if (e.data or {}).get("actionId") == action.id
    ] == [
        "proposed",
        "shadowed",
    ]

    # shadow mode is per action type: trigger_audit in the same project is not shadowed, and runs
    live_project = f"remed-{uuid.uuid4().hex[:8]}"
    await _predict(async_driver, live_project, [(audited_file, 0.95, 0.99)])
    auditing = in_shadow.model_copy(
        update={"remediation_default_actions": {"file_defect_risk": "trigger_audit"}}
    )
    run = await flows.propose_for_project(
        driver=async_driver,
        settings=auditing,
        events=events,
        project_id=live_project,
        project_name="shadowed",
    )
    assert (run.executed, run.shadowed) == (1, 0)
    (audit_action,) = await service.list_actions(
        driver=async_driver, settings=settings, project_id=live_project
    )
    assert (
        audit_action.action is ActionType.TRIGGER_AUDIT and audit_action.status is RemediationStatus.EXECUTED
    )
    assert _count(driver, "MATCH (a:Audit) RETURN count(a) AS n") == audits_before + 1
    assert (
        _count(
            driver,
            "MATCH (:RemediationAction {id: $a})-[:PRODUCED]->(au:Audit)-[:ABOUT]->(f:File {id: $f}) "
            "RETURN count(au) AS n",
            a=audit_action.id,
            f=audited_file,
        )
        == 1
    )
    assert _count(driver, "MATCH (t:Task) RETURN count(t) AS n") == tasks_before


@pytest.fixture(scope="module")
def api(settings: Settings, admin_token: str) -> Iterator[TestClient]:
    with api_client(create_app(settings), admin_token) as client:
        yield client


async def test_approve_and_reject_through_graphql_rest_and_cli(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, risk_project: str, api: TestClient
) -> None:
    files = _files(driver, risk_project, 4)
    project = f"remed-{uuid.uuid4().hex[:8]}"
    await _predict(async_driver, project, [(f, 0.9 - i * 0.01, 0.5) for i, f in enumerate(files)])
    run = await flows.propose_for_project(
        driver=async_driver, settings=settings, events=None, project_id=project
    )
    assert run.pending == 4

    queue = api.post(
        "/graphql",
        json={
            "query": "query($p: ID!) { remediationActions(projectId: $p, status: [PENDING_APPROVAL]) "
            "{ id action status shadow reason createdAt updatedAt "
            "prediction { id modelType probability confidence topFactors createdAt targetId targetPath } } }",
            "variables": {"p": project},
        },
    ).json()
    rows = queue["data"]["remediationActions"]
    assert len(rows) == 4 and {r["status"] for r in rows} == {"PENDING_APPROVAL"}
    assert rows[0]["action"] == "CREATE_TASK" and rows[0]["prediction"]["targetPath"].startswith("pkg/")
    assert rows[0]["prediction"]["topFactors"][0]["text"] == "3 past bug-fix commits"
    first, second, third, fourth = (r["id"] for r in rows)

    reader = {"Authorization": f"Bearer {create_token(settings, ['read'])}"}
    denied = api.post(
        "/graphql",
        headers=reader,
        json={"query": f'mutation {{ approveRemediation(id: "{first}") {{ status }} }}'},
    ).json()
    assert denied["errors"] and denied.get("data") is None

    approved = api.post(
        "/graphql", json={"query": f'mutation {{ approveRemediation(id: "{first}") {{ status action }} }}'}
    ).json()
    assert approved["data"]["approveRemediation"] == {"status": "EXECUTED", "action": "CREATE_TASK"}
    twice = api.post(
        "/graphql", json={"query": f'mutation {{ approveRemediation(id: "{first}") {{ status }} }}'}
    )
    assert "only pending_approval or failed" in twice.json()["errors"][0]["message"]

    rejected = api.post(f"/api/remediation/actions/{second}/reject", json={"reason": "a false alarm"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert "a false alarm" in rejected.json()["reason"]
    assert api.post(f"/api/remediation/actions/{second}/approve").status_code == 400
    assert api.post("/api/remediation/actions/nope/approve").status_code == 404
    assert (
        api.post(f"/api/remediation/actions/{third}/reject", json={"reason": "x" * 3000}).status_code == 422
    )
    assert api.get(f"/api/remediation/projects/{project}/actions", headers=reader).status_code == 200
    assert api.post(f"/api/remediation/actions/{third}/reject", headers=reader).status_code == 403

    runner = CliRunner()
    listed = await asyncio.to_thread(
        runner.invoke,
        cli,
        ["remediation", "list", "--project-id", project, "--status", "pending_approval", "--json"],
    )
    assert listed.exit_code == 0, listed.output
    assert {a["id"] for a in json.loads(listed.stdout)} == {third, fourth}
    done = await asyncio.to_thread(runner.invoke, cli, ["remediation", "approve", third, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["status"] == "executed"
    no = await asyncio.to_thread(
        runner.invoke, cli, ["remediation", "reject", fourth, "--reason", "not now", "--json"]
    )
    assert no.exit_code == 0 and json.loads(no.stdout)["status"] == "rejected"
    bad = await asyncio.to_thread(runner.invoke, cli, ["remediation", "approve", fourth])
    assert bad.exit_code == 1 and "is rejected" in bad.output

    # the timeline: predictions then the steps, oldest first
    timeline = api.post(
        "/graphql",
        json={
            "query": "query($p: ID!) { predictionTimeline(projectId: $p) { at kind event actionId status } }",
            "variables": {"p": project},
        },
    ).json()["data"]["predictionTimeline"]
    assert [e["kind"] for e in timeline].count("prediction") == 4
    assert {e["event"] for e in timeline if e["kind"] == "remediation"} == {"executed", "rejected"}
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)
    risks = api.post(
        "/graphql",
        json={
            "query": "query($p: ID!) { fileRisks(projectId: $p) { path lines probability } }",
            "variables": {"p": project},
        },
    ).json()["data"]["fileRisks"]
    assert len(risks) == 4 and all(r["lines"] > 0 for r in risks)
    assert [r["probability"] for r in risks] == sorted((r["probability"] for r in risks), reverse=True)


async def test_unanswered_approvals_escalate_once(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, risk_project: str, events: EventService
) -> None:
    (waiting_file,) = _files(driver, risk_project, 1)
    project = f"remed-{uuid.uuid4().hex[:8]}"
    await _predict(async_driver, project, [(waiting_file, 0.9, 0.4)])
    quick = settings.model_copy(update={"remediation_escalate_after_s": 1.0})
    await flows.propose_for_project(driver=async_driver, settings=quick, events=events, project_id=project)
    (action,) = await service.list_actions(driver=async_driver, settings=settings, project_id=project)
    assert action.status is RemediationStatus.PENDING_APPROVAL and action.escalated_at is None
    await flows.escalate_waiting(driver=async_driver, settings=settings, events=events)  # 24 h: not yet
    waited = await service.get_action(driver=async_driver, settings=settings, action_id=action.id)
    assert waited.escalated_at is None
    await asyncio.sleep(1.5)
    worker = {"driver": async_driver, "settings": quick, "events": events}  # the worker's cron job
    assert await escalate_remediations_job(worker) >= 1
    assert await escalate_remediations_job(worker) == 0
    after = await service.get_action(driver=async_driver, settings=settings, action_id=action.id)
    assert after.escalated_at is not None and after.status is RemediationStatus.PENDING_APPROVAL
    page = await events.query(EventQuery(correlation_id=action.correlation_id), driver=async_driver)
    assert [
        e.subject.rsplit(".", 1)[1] for e in page.events if (e.data or {}).get("actionId") == action.id
    ] == [
        "proposed",
        "pending_approval",
        "escalated",
    ]


async def test_a_settled_run_closes_only_the_approval_that_started_it(
    async_driver: AsyncDriver, driver: Driver, settings: Settings
) -> None:
    """The compare-and-set the workflow settling uses: an action re-approved meanwhile, whose new
    run is linked, is not closed by its earlier run's outcome."""
    action_id = f"cas-{uuid.uuid4().hex}"
    driver.execute_query(
        "CREATE (:RemediationAction {id: $id, status: 'approved', resultId: 'run-2'})", id=action_id
    )

    async def close(expect: str) -> bool:
        return await service.set_status(
            driver=async_driver,
            settings=settings,
            action_id=action_id,
            to=RemediationStatus.EXECUTED,
            allowed_from=(RemediationStatus.APPROVED,),
            result_id=expect,
            expect_result_id=expect,
        )

    assert not await close("run-1")  # the earlier run: the action has moved on to run-2
    assert (
        _count(
            driver,
            "MATCH (a:RemediationAction {id: $id, status: 'approved'}) RETURN count(a) AS n",
            id=action_id,
        )
        == 1
    )
    assert await close("run-2")
    assert not await close("run-2")  # settled once
    assert (
        _count(
            driver,
            "MATCH (a:RemediationAction {id: $id, status: 'executed'}) RETURN count(a) AS n",
            id=action_id,
        )
        == 1
    )
