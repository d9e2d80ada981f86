"""What VISLZR's workflow view reads from the API, on the real app, runtime and a worker: each log
line says the state of its step (``stepStatus``: running, then the settled status), and an
execution lists the findings its steps' Audits hold, each with its File and project."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from tests_support import api_client

from app.config import Settings
from app.main import create_app
from ingest.pipeline import ingest_repository

PROJECT = "workflow-view-api"
WORKFLOW = """
name: view-api
steps:
  - {id: lint, agent: linter, on_fail: warn}
  - {id: after, agent: echo, needs: [lint]}
"""


@pytest.fixture(scope="module")
def project_id(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> str:
    root: Path = tmp_path_factory.mktemp("view-api") / "repo"
    root.mkdir()
    (root / "clean.py").write_text("def clean() -> int:\n    return 1\n")
    (root / "lintme.py").write_text("import os\n\n\ndef lintme() -> int:\n    return 2\n")
    return ingest_repository(driver, path=root, project=PROJECT, history=0).project_id


@pytest.fixture
def api(settings: Settings, admin_token: str) -> Iterator[TestClient]:
    with api_client(create_app(settings), admin_token) as client:
        yield client


def gql(api: TestClient, query: str, variables: dict | None = None) -> dict:
    body = api.post("/graphql", json={"query": query, "variables": variables or {}}).json()
    assert not body.get("errors"), body
    return body["data"]


def follow_logs(api: TestClient, token: str, execution_id: str) -> list[dict]:
    """Every line of the workflowLogs subscription until the server completes it."""
    lines = []
    # the TestClient's websocket_connect ignores base_url: a hub name the Host check accepts
    with api.websocket_connect(
        "ws://127.0.0.1:8000/graphql", subprotocols=["graphql-transport-ws"]
    ) as socket:
        socket.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert json.loads(socket.receive_text())["type"] == "connection_ack"
        socket.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": "subscription L($id: ID!) { workflowLogs(executionId: $id) "
                    "{ stepId status stepStatus message } }",
                    "variables": {"id": execution_id},
                },
            }
        )
        while True:
            message = json.loads(socket.receive_text())
            if message["type"] == "complete":
                return lines
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message
            lines.append(message["payload"]["data"]["workflowLogs"])


def test_log_lines_carry_step_status_and_the_execution_lists_its_findings_with_files(
    api: TestClient, admin_token: str, project_id: str, driver: Driver, start_worker
):
    start_worker()
    gql(api, "mutation($d: String!) { applyWorkflow(document: $d) { name } }", {"d": WORKFLOW})
    started = gql(
        api,
        'mutation($e: JSON) { runWorkflow(name: "view-api", event: $e) { id status } }',
        {"e": {"data": {"project": project_id}}},
    )["runWorkflow"]
    lines = follow_logs(api, admin_token, started["id"])

    by_step: dict[str | None, list[str | None]] = {}
    for line in lines:
        by_step.setdefault(line["stepId"], []).append(line["stepStatus"])
    # A step's lines say it runs, then how it ended (lint finds the unused import: failed).
    assert by_step["lint"][0] == "running" and by_step["lint"][-1] == "failed", lines
    assert by_step["after"][0] == "running" and by_step["after"][-1] == "passed", lines
    assert set(by_step[None]) == {None}, lines  # execution lines report no step
    assert [line["status"] for line in lines if line["stepId"] is None][-1] == "succeeded"

    view = gql(
        api,
        """query($id: ID!) { workflowExecution(id: $id) { status steps { stepId status auditId }
            findings { stepId auditId rule path line fileId projectId } } }""",
        {"id": started["id"]},
    )["workflowExecution"]
    lint = next(s for s in view["steps"] if s["stepId"] == "lint")
    assert lint["status"] == "failed" and lint["auditId"]
    file_id = driver.execute_query(
        "MATCH (:Project {id: $p})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File {path: 'lintme.py'}) "
        "RETURN f.id AS id",
        p=project_id,
    ).records[0]["id"]
    assert view["findings"] == [
        {
            "stepId": "lint",
            "auditId": lint["auditId"],
            "rule": "ruff:F401",
            "path": "lintme.py",
            "line": 1,
            "fileId": file_id,
            "projectId": project_id,
        }
    ]


def test_an_execution_whose_steps_made_no_audit_lists_no_findings(api: TestClient, start_worker):
    start_worker()
    doc = "name: view-api-echo\nsteps:\n  - {id: only, agent: echo}\n"
    gql(api, "mutation($d: String!) { applyWorkflow(document: $d) { name } }", {"d": doc})
    response = api.post("/api/workflows/view-api-echo/run?wait=true&timeout=60", json={"event": {}})
    assert response.status_code == 201, response.text
    execution_id = response.json()["execution"]["id"]
    view = gql(
        api,
        "query($id: ID!) { workflowExecution(id: $id) { status findings { rule } } }",
        {"id": execution_id},
    )["workflowExecution"]
    assert view == {"status": "succeeded", "findings": []}
