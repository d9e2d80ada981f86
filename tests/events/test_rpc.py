"""JSON-RPC 2.0 at /rpc: methods, batches, notifications and the standard error codes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests_support import api_client

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def client(settings: Settings, admin_token: str) -> Iterator[TestClient]:
    with api_client(create_app(settings), admin_token) as test_client:
        import time

        deadline = time.monotonic() + 30
        while not test_client.app.state.events.connected:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield test_client


def call(client: TestClient, method: str, params: object = None, id_: object = 1) -> dict:
    body: dict = {"jsonrpc": "2.0", "method": method, "id": id_}
    if params is not None:
        body["params"] = params
    response = client.post("/rpc", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_publish_then_query_over_rpc_with_correlation(client: TestClient) -> None:
    d = "r" + uuid.uuid4().hex[:8]
    response = client.post(
        "/rpc",
        json={
            "jsonrpc": "2.0",
            "method": "bus.publish",
            "params": {"subject": f"hub.local.{d}.created"},
            "id": 7,
        },
        headers={"X-Correlation-ID": f"rpc-{d}"},
    )
    result = response.json()
    assert result["id"] == 7 and result["result"]["correlationid"] == f"rpc-{d}"
    found = call(client, "events.query", {"correlation_id": f"rpc-{d}"})
    assert [e["subject"] for e in found["result"]["events"]] == [f"hub.local.{d}.created"]


def test_graph_query_runs_only_listed_read_queries_with_checked_params(client: TestClient) -> None:
    ok = call(
        client,
        "graph.query",
        {"name": "federation/list_hubs", "params": {"includeOffline": True, "limit": 5}},
    )
    assert isinstance(ok["result"]["rows"], list)
    # A named query that exists but is not on the list: a GDS projection never dropped, a write.
    for name, params in [
        ("views/project_graph_project", {"projectId": "p", "graphName": "g"}),
        ("events/delete_batch", {"batch": 1}),
        ("nope/missing", {}),
    ]:
        refused = call(client, "graph.query", {"name": name, "params": params})
        assert refused["error"]["code"] == -32602, refused
        assert f"does not run {name!r}" in refused["error"]["message"]
        assert "federation/list_hubs" in refused["error"]["data"]["allowed"]
    # Listed, with bad parameters: out of range, wrong type, unknown name.
    for params in [{"limit": 10**9}, {"limit": "5"}, {"includeOffline": True, "cypher": "x"}]:
        bad = call(client, "graph.query", {"name": "federation/list_hubs", "params": params})
        assert bad["error"]["code"] == -32602 and bad["error"]["message"] == "Invalid params", bad
        assert bad["error"]["data"][0]["loc"], bad


def test_error_codes(client: TestClient) -> None:
    parse = client.post("/rpc", content=b"{oops", headers={"content-type": "application/json"}).json()
    assert parse["error"]["code"] == -32700 and parse["id"] is None
    assert call(client, "no.such", {})["error"]["code"] == -32601
    assert call(client, "bus.publish", {"subject": "hub.local.*.x"})["error"]["code"] == -32602
    assert call(client, "bus.publish", {"nope": 1})["error"]["code"] == -32602
    assert call(client, "bus.publish", ["positional"])["error"]["code"] == -32602
    assert client.post("/rpc", json={"method": "bus.publish", "id": 1}).json()["error"]["code"] == -32600
    assert client.post("/rpc", json=[]).json()["error"]["code"] == -32600
    assert client.post("/rpc", json=5).json()["error"]["code"] == -32600


def test_batch_and_notifications(client: TestClient) -> None:
    d = "b" + uuid.uuid4().hex[:8]
    batch = [
        {"jsonrpc": "2.0", "method": "bus.publish", "params": {"subject": f"hub.local.{d}.a"}, "id": "a"},
        {
            "jsonrpc": "2.0",
            "method": "bus.publish",
            "params": {"subject": f"hub.local.{d}.b"},
        },  # notification
        {"jsonrpc": "2.0", "method": "missing", "id": "c"},
        1,
    ]
    responses = client.post("/rpc", json=batch).json()
    by_id = {r["id"]: r for r in responses}
    assert len(responses) == 3
    assert by_id["a"]["result"]["subject"] == f"hub.local.{d}.a"
    assert by_id["c"]["error"]["code"] == -32601
    assert by_id[None]["error"]["code"] == -32600
    only_notes = client.post(
        "/rpc", json=[{"jsonrpc": "2.0", "method": "bus.publish", "params": {"subject": f"hub.local.{d}.c"}}]
    )
    assert only_notes.status_code == 204
    found = call(client, "events.query", {"subject": f"hub.local.{d}.*"})["result"]["events"]
    assert sorted(e["subject"].rsplit(".", 1)[1] for e in found) == ["a", "b", "c"]
