"""Service health probing: a local HTTP server that goes down and comes back; the rules; samples,
events and /api/services."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from neo4j import AsyncDriver
from tests_support import api_client, free_ports

from app.config import Settings
from app.events.models import EventQuery
from app.events.service import EventService
from app.health.services_health import ServiceRegistration, classify, probe_services, register_service
from app.main import create_app


class Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


class Switchable:
    def __init__(self) -> None:
        self.port = free_ports(1)[0]
        self.server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Ok)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None


@pytest.fixture
def target() -> Iterator[Switchable]:
    server = Switchable()
    server.up()
    yield server
    if server.server is not None:
        server.down()


def test_rules() -> None:
    fast, slow, bad = (
        {"ok": True, "latencyMs": 5},
        {"ok": True, "latencyMs": 5000},
        {"ok": False, "latencyMs": 1},
    )
    assert classify([], down_after=3, slow_ms=1000) == "unknown"
    assert classify([fast, fast, fast], down_after=3, slow_ms=1000) == "up"
    assert classify([slow, fast, fast], down_after=3, slow_ms=1000) == "degraded"
    assert classify([fast, bad, fast], down_after=3, slow_ms=1000) == "degraded"
    assert classify([bad, bad, fast], down_after=3, slow_ms=1000) == "degraded"
    assert classify([bad, bad, bad], down_after=3, slow_ms=1000) == "down"
    assert classify([bad], down_after=3, slow_ms=1000) == "degraded"


async def test_probe_down_and_back(
    settings: Settings, async_driver: AsyncDriver, target: Switchable, admin_token: str
) -> None:
    events = EventService(settings, service="health-test")
    await events.connect()
    name = "svc-" + uuid.uuid4().hex[:8]
    service_id = await register_service(
        async_driver,
        registration=ServiceRegistration(name=name, healthUrl=f"http://127.0.0.1:{target.port}/health"),
        database=settings.neo4j_database,
    )
    seen: list[str] = []

    async def round_() -> str:
        results = await probe_services(async_driver, settings=settings, events=events, only_due=False)
        (mine,) = [s for s in results if s.id == service_id]
        seen.append(mine.health)
        return mine.health

    assert await round_() == "up"
    target.down()
    assert [await round_() for _ in range(3)] == ["degraded", "degraded", "down"]
    target.up()
    assert [await round_() for _ in range(3)] == ["degraded", "degraded", "up"]

    records, _, _ = await async_driver.execute_query(
        "MATCH (:Service {id: $id})-[:HAS_SAMPLE]->(h:HealthSample) "
        "RETURN count(h) AS n, sum(toInteger(h.ok)) AS ok",
        id=service_id,
    )
    assert records[0]["n"] == 7 and records[0]["ok"] == 4
    page = await events.query(EventQuery(subject=f"hub.local.health.{name}", limit=100))
    assert [e.data["health"] for e in page.events] == seen
    summary = await events.query(EventQuery(subject="hub.global.health", limit=10_000))
    assert summary.events and "services" in summary.events[-1].data

    with api_client(create_app(settings), admin_token) as client:
        listed = {s["name"]: s for s in client.get("/api/services").json()}
        assert listed[name]["health"] == "up" and listed[name]["latencyMs"] is not None
        bad = client.post("/api/services", json={"name": "x", "healthUrl": "ftp://nope"})
        assert bad.status_code == 422
    await events.close()


async def test_tcp_probe_and_retention(
    settings: Settings, async_driver: AsyncDriver, target: Switchable
) -> None:
    name = "tcp-" + uuid.uuid4().hex[:8]
    service_id = await register_service(
        async_driver,
        registration=ServiceRegistration(name=name, healthUrl=f"tcp://127.0.0.1:{target.port}", kind="tcp"),
        database=settings.neo4j_database,
    )
    few = settings.model_copy(update={"health_sample_retention": 2})
    for _ in range(4):
        results = await probe_services(async_driver, settings=few, events=None, only_due=False)
    assert {s.id: s.health for s in results}[service_id] == "up"
    records, _, _ = await async_driver.execute_query(
        "MATCH (:Service {id: $id})-[:HAS_SAMPLE]->(h:HealthSample) RETURN count(h) AS n", id=service_id
    )
    assert records[0]["n"] == 2
