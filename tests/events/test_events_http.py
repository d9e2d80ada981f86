"""The HTTP, WebSocket, SSE and JSON-RPC front doors of the events domain, on a real server."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
import websockets
from tests_support import LiveServer

from app.config import Settings


@pytest.fixture(scope="module")
def live(settings: Settings, admin_token: str) -> Iterator[LiveServer]:
    with LiveServer(settings, admin_token) as server:
        yield server


def domain() -> str:
    return "h" + uuid.uuid4().hex[:10]


def test_publish_echoes_correlation_and_carries_it_into_the_event(live: LiveServer) -> None:
    d = domain()
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with httpx.Client(base_url=live.url, headers=live.headers) as client:
        response = client.post(
            "/api/events/publish",
            json={"subject": f"hub.local.{d}.created", "data": {"name": "veria"}},
            headers={"X-Correlation-ID": "req-123", "traceparent": parent},
        )
        assert response.status_code == 201, response.text
        assert response.headers["x-correlation-id"] == "req-123"
        ack = response.json()
        assert ack["correlationid"] == "req-123" and ack["seq"] > 0

        made = client.get("/healthz")
        assert len(made.headers["x-correlation-id"]) == 32  # made when none is given

        found = client.get("/api/events", params={"correlation_id": "req-123", "subject": f"hub.*.{d}.>"})
        assert found.status_code == 200, found.text
        (event,) = found.json()["events"]
        assert event["id"] == ack["id"] and event["data"] == {"name": "veria"}
        assert event["origin"]["hub_id"] == "local" and event["type"] == f"hub.{d}.created"
        trace = event["traceparent"].split("-")
        assert trace[1] == "4bf92f3577b34da6a3ce929d0e0e4736" and trace[2] != "00f067aa0ba902b7"
        assert event["specversion"] == "1.0" and event["datacontenttype"] == "application/json"


def test_retried_publish_with_the_same_id_is_stored_once(live: LiveServer) -> None:
    d = domain()
    body = {"subject": f"hub.local.{d}.created", "id": f"fixed-{d}", "data": {}}
    with httpx.Client(base_url=live.url, headers=live.headers) as client:
        first = client.post("/api/events/publish", json=body).json()
        second = client.post("/api/events/publish", json=body).json()
        assert second["duplicate"] and second["seq"] == first["seq"]
        events = client.get("/api/events", params={"subject": f"hub.local.{d}.>"}).json()["events"]
        assert [e["id"] for e in events] == [f"fixed-{d}"]


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"subject": "hub.local.*.created"}, 400, "wildcards"),
        ({"subject": "hub.local.x.>"}, 400, "wildcards"),
        ({"subject": "nothub.a.b.c"}, 400, "start with"),
        ({"subject": "hub.other.project.created"}, 400, "may not publish"),
        ({"subject": "hub.local.x.created", "data": "a" * 300_000}, 413, "limit"),
        ({"subject": "hub.local.x.created", "bogus": 1}, 422, "Extra inputs"),
        ({"data": {}}, 422, "Field required"),
        ({"subject": "hub.local.x.created", "correlationid": "has space"}, 422, "pattern"),
    ],
)
def test_bad_publishes_get_4xx_with_reason(live: LiveServer, body: dict, status: int, reason: str) -> None:
    response = httpx.post(f"{live.url}/api/events/publish", json=body, headers=live.headers)
    assert response.status_code == status, response.text
    assert reason in response.text


def test_malformed_json_and_bad_query_patterns(live: LiveServer) -> None:
    json_headers = {"content-type": "application/json", **live.headers}
    response = httpx.post(f"{live.url}/api/events/publish", content=b"{not json", headers=json_headers)
    assert response.status_code == 422
    bad = httpx.get(f"{live.url}/api/events", params={"subject": "hub.>.x"}, headers=live.headers)
    assert bad.status_code == 400 and "last" in bad.text
    assert httpx.get(f"{live.url}/api/events", params={"limit": 0}, headers=live.headers).status_code == 422


async def test_websocket_streams_live_events(live: LiveServer) -> None:
    d = domain()
    ws_url = live.url.replace("http", "ws") + f"/api/events/stream?subject=hub.local.{d}.*"
    async with (
        websockets.connect(ws_url, additional_headers=live.headers) as ws,
        httpx.AsyncClient(base_url=live.url, headers=live.headers) as client,
    ):
        sent = []
        for i in range(5):
            response = await client.post(
                "/api/events/publish", json={"subject": f"hub.local.{d}.tick", "data": i}
            )
            sent.append(response.json()["id"])
        await client.post("/api/events/publish", json={"subject": f"hub.local.{d}x.tick", "data": "other"})
        received = [json.loads(await asyncio.wait_for(ws.recv(), 5))["id"] for _ in sent]
        assert received == sent


async def test_websocket_with_a_bad_pattern_is_closed_with_the_reason(live: LiveServer) -> None:
    ws_url = live.url.replace("http", "ws") + "/api/events/stream?subject=hub.>.bad"
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(ws_url, additional_headers=live.headers) as ws:
            await ws.recv()


async def test_sse_streams_live_events(live: LiveServer) -> None:
    d = domain()
    async with (
        httpx.AsyncClient(base_url=live.url, timeout=10, headers=live.headers) as client,
        client.stream("GET", "/api/events/stream", params={"subject": f"hub.local.{d}.>"}) as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith(": connected")
        ack = (await client.post("/api/events/publish", json={"subject": f"hub.local.{d}.made"})).json()
        got: dict[str, str] = {}
        while "data" not in got:
            line = await asyncio.wait_for(anext(lines), 5)
            if ":" in line:
                key, _, value = line.partition(": ")
                got[key] = value
        assert got["id"] == ack["id"] and json.loads(got["data"])["subject"] == f"hub.local.{d}.made"
