"""Agents outside the hub, on real processes and a real NATS: an HTTP agent gets its stored
credential (which the API never returns), a step goes to the least-loaded of several NATS micro
instances, and the health-checker probes registered services (one up, one down)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from fastapi.testclient import TestClient
from tests_support import api_client

from app.agents import service as agents
from app.agents.models import AgentRegistration, AgentRequest, AgentResult, Outcome
from app.agents.sdk import instance_subject, serve_agent
from app.config import Settings
from app.core.db import create_async_driver
from app.main import create_app

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SECRET = "tok-" + uuid.uuid4().hex


@pytest.fixture
def http_agent() -> Iterator[str]:
    process = subprocess.Popen([sys.executable, str(HERE / "http_agent.py"), SECRET], stdout=subprocess.PIPE)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    yield f"http://127.0.0.1:{port}/run"
    process.terminate()
    process.wait(10)


@pytest.fixture
def api(settings: Settings, admin_token: str) -> Iterator[TestClient]:
    with api_client(create_app(settings), admin_token) as client:
        yield client


def test_an_http_agent_gets_its_stored_credential_which_the_api_never_returns(
    api: TestClient, http_agent: str
):
    name = f"http-{uuid.uuid4().hex[:8]}"
    registered = api.post(
        "/api/agents",
        json={
            "name": name,
            "endpoint": http_agent,
            "capabilities": ["review"],
            "credentials": {"token": SECRET},
        },
    )
    assert registered.status_code == 201, registered.text
    assert SECRET not in registered.text and registered.json()["has_credentials"] is True
    answer = api.post(f"/api/agents/{name}/invoke", json={"with": {"files": ["a.py"]}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "passed"  # the stand-in saw the right token
    assert answer.json()["output"] == {"authorized": True, "params": {"files": ["a.py"]}}
    assert SECRET not in answer.text and SECRET not in api.get("/api/agents").text
    # without the credential the same agent says so: the token really travelled
    plain = f"{name}-plain"
    assert api.post("/api/agents", json={"name": plain, "endpoint": http_agent}).status_code == 201
    assert api.post(f"/api/agents/{plain}/invoke", json={"with": {}}).json()["output"]["authorized"] is False


async def test_a_step_goes_to_the_least_loaded_instance(settings: Settings):
    name = f"busy-{uuid.uuid4().hex[:6]}"
    handled: list[str] = []
    release = asyncio.Event()
    connections = [await nats.connect(settings.nats_server_url) for _ in range(3)]

    def instance(label: str):  # type: ignore[no-untyped-def]
        async def handle(request: AgentRequest) -> AgentResult:
            handled.append(label)
            if request.params.get("hold"):
                await release.wait()
            return AgentResult(status=Outcome.PASSED, summary=label)

        return handle

    busy = await serve_agent(connections[0], name=name, handler=instance("busy"))
    idle = await serve_agent(connections[1], name=name, handler=instance("idle"))
    driver = create_async_driver(settings)
    try:
        await agents.register_agent(
            driver=driver,
            settings=settings,
            registration=AgentRegistration(name=name, endpoint=f"nats:{name}"),
        )
        # two requests held open on the "busy" instance: it reports load 2 in $SRV.STATS
        client = connections[2]
        hold = b'{"agent": "x", "params": {"hold": 1}}'
        held = [
            asyncio.create_task(client.request(instance_subject(name, busy.id), hold, timeout=30))
            for _ in range(2)
        ]
        while handled.count("busy") < 2:
            await asyncio.sleep(0.01)
        stats = await agents.discover_instances(client, name, window_s=0.5)
        assert sorted(agents.load_of(s) for s in stats) == [0, 2]
        for _ in range(5):
            result = await agents.invoke(
                driver=driver, settings=settings, nc=client, request=AgentRequest(agent=name), timeout_s=10
            )
            assert result.summary == "idle"
        assert handled.count("busy") == 2 and handled.count("idle") == 5
        release.set()
        await asyncio.gather(*held)
        assert idle.id != busy.id
    finally:
        release.set()
        await driver.close()
        for nc in connections:
            await nc.drain()


async def test_the_health_checker_probes_registered_services(settings: Settings):
    up_port, down_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(up_port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=HERE,
    )  # fmt: skip
    up, down = f"up-{uuid.uuid4().hex[:6]}", f"down-{uuid.uuid4().hex[:6]}"
    driver = create_async_driver(settings)
    try:
        for _ in range(100):  # the server answers
            try:
                await asyncio.open_connection("127.0.0.1", up_port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        from app.health.services_health import ServiceRegistration, register_service

        for name, port in ((up, up_port), (down, down_port)):
            await register_service(
                driver,
                registration=ServiceRegistration(name=name, healthUrl=f"http://127.0.0.1:{port}/"),
                database=settings.neo4j_database,
            )
        request = AgentRequest(agent="health-checker", params={"services": [up, down]})
        for _ in range(settings.health_down_after):  # down after that many failed probes in a row
            result = await agents.invoke(
                driver=driver, settings=settings, nc=None, request=request, timeout_s=60
            )
        assert result.output["services"] == {up: "up", down: "down"}
        assert result.status == Outcome.FAILED
        assert [(f.rule, f.message) for f in result.findings] == [("health:down", f"{down} is down")]
    finally:
        server.terminate()
        server.wait(10)
        await driver.close()
