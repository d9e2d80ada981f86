"""REST and GraphQL front doors of agents and workflows on the real app, runtime and a worker;
triggerAudit completes its Audit through the worker."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from tests_support import api_client

from app.config import Settings
from app.main import create_app
from ingest.pipeline import ingest_repository

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vulnerable_py"


@pytest.fixture
def api(settings: Settings, admin_token: str) -> Iterator[TestClient]:
    with api_client(create_app(settings), admin_token) as client:
        yield client


def gql(api: TestClient, query: str, variables: dict | None = None) -> dict:
    response = api.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code in (200, 400), response.text
    return response.json()


def test_invalid_workflow_is_a_422_naming_the_problems_and_nothing_is_stored(api: TestClient):
    bad = "name: rest-bad\nsteps:\n  - {id: a, agent: ghost}\n  - {id: b, agent: echo, needs: [b]}\n"
    response = api.post("/api/workflows", content=bad, headers={"content-type": "application/yaml"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "WORKFLOW_INVALID"
    assert "unknown agent 'ghost'" in error["message"] and "step b: needs itself" in error["message"]
    assert "rest-bad" not in {w["name"] for w in api.get("/api/workflows").json()}
    response = api.post(
        "/api/workflows", content="name: [unclosed", headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 422 and "not valid YAML" in response.json()["error"]["message"]
    body = gql(api, "mutation($d: String!) { applyWorkflow(document: $d) { name } }", {"d": bad})
    assert body["errors"][0]["extensions"]["code"] == "WORKFLOW_INVALID"


def test_apply_run_and_read_an_execution_over_rest_and_graphql(api: TestClient, start_worker):
    start_worker()
    doc = (
        "name: rest-ok\nsteps:\n  - {id: one, agent: echo, with: {x: 1}}\n"
        "  - {id: two, agent: echo, needs: [one]}\n"
    )
    assert (
        api.post("/api/workflows", content=doc, headers={"content-type": "application/yaml"}).status_code
        == 201
    )
    response = api.post(
        "/api/workflows/rest-ok/run?wait=true&timeout=60", json={"event": {"data": {"k": "v"}}}
    )
    assert response.status_code == 201, response.text
    view = response.json()
    assert view["execution"]["status"] == "succeeded"
    assert [s["step_id"] for s in view["steps"]] == ["one", "two"]
    execution_id = view["execution"]["id"]
    assert api.get(f"/api/workflows/executions/{execution_id}").json()["steps"][0]["output"]["x"] == 1
    deadline = time.monotonic() + 10  # the settled line is stored just after the state settles
    while True:
        messages = [e["message"] for e in api.get(f"/api/workflows/executions/{execution_id}/logs").json()]
        if "execution succeeded" in messages or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert messages[0] == "execution of rest-ok started" and messages[-1] == "execution succeeded"
    assert "step one passed" in messages and "step two passed" in messages
    body = gql(
        api,
        "query($id: ID!) { workflowExecution(id: $id) { status workflow { name steps { id needs } } "
        "steps { stepId status attempts } } workflows { name } }",
        {"id": execution_id},
    )
    data = body["data"]
    assert data["workflowExecution"]["status"] == "succeeded"
    assert data["workflowExecution"]["workflow"]["steps"][1] == {"id": "two", "needs": ["one"]}
    assert "rest-ok" in {w["name"] for w in data["workflows"]}
    assert api.get("/api/workflows/executions/not-an-id!").status_code == 400
    assert api.get(f"/api/workflows/executions/{'0' * 32}").status_code == 404
    assert api.post("/api/workflows/no-such-workflow/run").status_code == 404


def test_agent_registration_keeps_credentials_secret(api: TestClient, driver: Driver, settings: Settings):
    payload = {
        "name": "remote-scanner",
        "type": "api_tool",
        "endpoint": "https://scanner.invalid/run",
        "capabilities": ["scan"],
        "credentials": {"token": "s3cr3t-token-value"},
    }
    response = api.post("/api/agents", json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["has_credentials"] is True and "credentials" not in response.json()
    listed = api.get("/api/agents").text
    assert "s3cr3t" not in listed and "remote-scanner" in listed and '"linter"' in listed
    body = gql(api, "{ agents { name hasCredentials builtin } }")
    assert {"name": "remote-scanner", "hasCredentials": True, "builtin": False} in body["data"]["agents"]
    stored = driver.execute_query(
        "MATCH (a:Agent {name: 'remote-scanner'}) RETURN properties(a) AS p"
    ).records[0]["p"]
    assert "s3cr3t" not in str(stored) and stored["credentialsEnc"].startswith("gAAAA")  # a Fernet token
    key = settings.home / "secrets" / "agents.key"
    assert key.stat().st_mode & 0o777 == 0o600
    bad = api.post("/api/agents", json={**payload, "name": "x", "endpoint": "file:///etc/passwd"})
    assert bad.status_code == 400 and "neither nats" in bad.json()["error"]["message"]
    assert api.post("/api/agents", json={**payload, "name": "linter"}).status_code == 400


def test_trigger_audit_is_completed_by_the_matching_agent(
    api: TestClient, driver: Driver, tmp_path, start_worker
):
    repo = tmp_path / "vulnerable"
    shutil.copytree(FIXTURE, repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ingest_repository(driver, path=repo, project="vuln-api", history=0)
    file_id = driver.execute_query(
        "MATCH (:Project {name: 'vuln-api'})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File {path: 'service.py'}) "
        "RETURN f.id AS id"
    ).records[0]["id"]
    start_worker()
    time.sleep(3)  # the worker subscribes to audit requests once started
    body = gql(
        api,
        "mutation($t: ID!) { triggerAudit(targetId: $t, kind: SECURITY_SCAN) "
        "{ published audit { entityId status } } }",
        {"t": file_id},
    )
    audit = body["data"]["triggerAudit"]["audit"]
    assert audit["status"] == "pending"
    deadline = time.monotonic() + 300  # a loaded 2-core machine: the worker and bandit start slowly
    while True:
        record = driver.execute_query(
            "MATCH (a:Audit {id: $id}) RETURN a.status AS status, a.summary AS summary, "
            "COUNT { (a)-[:HAS_FINDING]->(:Finding)-[:IN]->(:File {id: $file}) } AS findings",
            id=audit["entityId"],
            file=file_id,
        ).records[0]
        if record["status"] != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert record["status"] == "failed", record
    assert record["findings"] >= 3 and "in service.py" in record["summary"]
