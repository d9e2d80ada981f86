"""GraphQL mutations: tasks, spec items, links, services and audits (requests read from JetStream)."""

from __future__ import annotations

import asyncio
import time
import uuid

from fastapi.testclient import TestClient
from graph_factory import CodeGraph
from tests_support import api_client, free_ports

from app.config import Settings
from app.events.models import EventQuery
from app.events.service import EventService
from app.main import create_app

CREATE_TASK = """mutation($input: CreateTaskInput!) { createTask(input: $input) {
  id entityId title status assignee labels specItems { edges { node { entityId } } } } }"""
UPDATE_TASK = (
    """mutation($input: UpdateTaskInput!) { updateTask(input: $input) { entityId status assignee labels } }"""
)
LINK = (
    """mutation($a: ID!, $b: ID!, $t: LinkType!) { link(fromId: $a, toId: $b, type: $t) { type created } }"""
)
AUDIT = """mutation($id: ID!, $kind: AuditKind!) { triggerAudit(targetId: $id, kind: $kind) {
  published subject audit { entityId kind status target { entityId } } } }"""


def test_create_and_update_task(gql, code_graph: CodeGraph) -> None:
    spec = gql(
        'mutation($p: ID!) { createSpecItem(input: {title: "Checkout v2", projectId: $p}) '
        "{ entityId projectId } }",
        {"p": code_graph.project_id},
    )["data"]["createSpecItem"]
    assert spec["projectId"] == code_graph.project_id and len(spec["entityId"]) == 32

    created = gql(
        CREATE_TASK,
        {
            "input": {
                "title": "Split cart",
                "labels": ["b", "a", "a"],
                "specItemId": spec["entityId"],
                "assignee": "alice",
            }
        },
    )
    task = created["data"]["createTask"]
    assert task["status"] == "todo" and task["labels"] == ["a", "b"] and task["assignee"] == "alice"
    assert task["specItems"]["edges"][0]["node"]["entityId"] == spec["entityId"]

    updated = gql(UPDATE_TASK, {"input": {"id": task["id"], "status": "DONE", "labels": ["shipped"]}})
    assert updated["data"]["updateTask"] == {
        "entityId": task["entityId"],
        "status": "done",
        "assignee": "alice",
        "labels": ["shipped"],
    }
    unassigned = gql(UPDATE_TASK, {"input": {"id": task["entityId"], "assignee": ""}})
    assert unassigned["data"]["updateTask"]["assignee"] is None

    assert gql(UPDATE_TASK, {"input": {"id": "4" * 32, "status": "DONE"}})["errors"][0]["extensions"][
        "code"
    ] == ("NOT_FOUND")
    no_title = gql(CREATE_TASK, {"input": {"title": "  "}})
    assert no_title["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    bad_spec = gql(CREATE_TASK, {"input": {"title": "x", "specItemId": "5" * 32}})
    assert bad_spec["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bad_status = gql(UPDATE_TASK, {"input": {"id": task["entityId"], "status": "DELETED"}})
    assert "errors" in bad_status and bad_status.get("data") is None


def test_link_is_idempotent_and_checks_both_ends(gql, code_graph: CodeGraph, driver) -> None:
    args = {"a": code_graph.task_id, "b": code_graph.symbols["parseConfig"], "t": "IMPLEMENTS"}
    assert gql(LINK, args)["data"]["link"] == {"type": "IMPLEMENTS", "created": True}
    assert gql(LINK, args)["data"]["link"] == {"type": "IMPLEMENTS", "created": False}
    count = driver.execute_query(
        "MATCH (:Task {id: $t})-[r:IMPLEMENTS]->(:Symbol {id: $s}) RETURN count(r) AS n",
        t=code_graph.task_id,
        s=code_graph.symbols["parseConfig"],
    ).records[0]["n"]
    assert count == 1
    docs = gql(LINK, {"a": code_graph.spec_item_id, "b": code_graph.files["src/app.ts"], "t": "DOCUMENTS"})
    assert docs["data"]["link"]["created"]
    assert gql(LINK, {**args, "b": "6" * 32})["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert gql(LINK, {**args, "t": "DELETE"}).get("data") is None  # not in the enum
    assert gql(LINK, {**args, "b": args["a"]})["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_register_service_is_keyed_by_name(gql, code_graph: CodeGraph) -> None:
    query = """mutation($input: RegisterServiceInput!) { registerService(input: $input) {
      entityId name type endpoint healthUrl } }"""
    name = f"search-api-{code_graph.token}"
    first = gql(
        query,
        {
            "input": {
                "name": name,
                "type": "http",
                "endpoint": "http://search.local:9200",
                "healthUrl": "http://search.local:9200/health",
            }
        },
    )["data"]["registerService"]
    again = gql(query, {"input": {"name": name, "type": "grpc"}})["data"]["registerService"]
    assert first["entityId"] == again["entityId"] and again["type"] == "grpc"
    assert again["endpoint"] is None  # a re-registration states the whole service
    bad = gql(query, {"input": {"name": "x", "healthUrl": "javascript:alert(1)"}})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_trigger_audit_stores_a_correlated_request_in_jetstream(
    api: TestClient, gql, code_graph: CodeGraph, settings: Settings, driver
) -> None:
    deadline = time.monotonic() + 30
    while not api.app.state.events.connected:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    correlation = "audit-" + uuid.uuid4().hex[:12]
    response = api.post(
        "/graphql",
        json={"query": AUDIT, "variables": {"id": code_graph.files["src/app.ts"], "kind": "SECURITY_SCAN"}},
        headers={"X-Correlation-ID": correlation},
    )
    result = response.json()["data"]["triggerAudit"]
    assert result["published"] and result["subject"] == f"hub.{settings.hub_id}.audit.requested"
    audit = result["audit"]
    assert audit["kind"] == "security-scan" and audit["status"] == "pending"
    assert audit["target"]["entityId"] == code_graph.files["src/app.ts"]

    async def stored() -> list:  # type: ignore[type-arg]
        events = EventService(settings, service="audit-test")
        await events.connect()
        try:
            page = await events.query(EventQuery(subject="hub.*.audit.requested", correlation_id=correlation))
        finally:
            await events.close()
        return page.events

    (request,) = asyncio.run(stored())  # stored in the log of record, under the caller's correlation
    assert request.id == f"audit-{audit['entityId']}" and request.type == "hub.audit.requested"
    message = request.data
    assert message["auditId"] == audit["entityId"] and message["targetEntity"] == "File"
    assert message["targetId"] == code_graph.files["src/app.ts"] and message["hubId"] == settings.hub_id
    about = driver.execute_query(
        "MATCH (a:Audit {id: $a})-[:ABOUT]->(f:File) RETURN f.id AS f", a=audit["entityId"]
    ).records
    assert about[0]["f"] == code_graph.files["src/app.ts"]
    assert (
        gql(AUDIT, {"id": "7" * 32, "kind": "CODE_REVIEW"})["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    )


def test_trigger_audit_without_nats_still_records_the_audit(
    settings: Settings, code_graph: CodeGraph, admin_token: str
) -> None:
    (closed_port,) = free_ports(1)
    offline = settings.model_copy(update={"nats_url": f"nats://127.0.0.1:{closed_port}"})
    with api_client(create_app(offline), admin_token) as client:
        response = client.post(
            "/graphql",
            json={
                "query": AUDIT,
                "variables": {"id": next(iter(code_graph.people.values())), "kind": "CODE_REVIEW"},
            },
        )
    result = response.json()["data"]["triggerAudit"]
    assert result["published"] is False
    assert result["audit"]["status"] == "pending" and result["audit"]["target"]["entityId"] == next(
        iter(code_graph.people.values())
    )
