"""NATS down: the API starts without waiting, /healthz says so, graph reads keep serving,
publishing answers 503; when NATS is back the backbone connects by itself. And `hub events`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests_support import api_client

from app.cli.events_cmd import parse_time
from app.config import Settings
from app.main import create_app
from app.runtime.services import LocalNats

HUB = str(Path(sys.executable).with_name("hub"))


def test_api_serves_reads_while_nats_is_down_and_recovers(settings: Settings, admin_token: str) -> None:
    nats_server = LocalNats(settings, settings.nats_port)
    assert nats_server.stop()
    try:
        started = time.monotonic()
        with api_client(create_app(settings), admin_token) as client:
            assert time.monotonic() - started < 10, "start-up waited for NATS"
            health = client.get("/healthz")
            assert health.status_code == 503
            assert {d["name"]: d["up"] for d in health.json()["dependencies"]}["nats"] is False
            assert client.get("/api/federation/hubs").status_code == 200  # a graph read
            assert client.get("/api/services").status_code == 200
            refused = client.post("/api/events/publish", json={"subject": "hub.local.x.created"})
            assert refused.status_code == 503 and "NATS" in refused.text

            nats_server.start()
            nats_server.wait_ready(time.monotonic() + 30)
            deadline = time.monotonic() + 30
            while not client.app.state.events.connected:
                assert time.monotonic() < deadline, "the backbone did not connect once NATS was back"
                time.sleep(0.1)
            ok = client.post("/api/events/publish", json={"subject": "hub.local.x.created"})
            assert ok.status_code == 201, ok.text
    finally:
        if not nats_server.is_running():
            nats_server.start()
            nats_server.wait_ready(time.monotonic() + 30)


def test_hub_events_cli_publish_query_and_json(settings: Settings) -> None:
    d = "c" + uuid.uuid4().hex[:8]
    published = subprocess.run(
        [HUB, "events", "publish", f"hub.local.{d}.created", "--data", '{"a": 1}', "--correlation-id", d],
        capture_output=True,
        text=True,
        check=False,
    )
    assert published.returncode == 0, published.stderr
    ack = json.loads(published.stdout)
    listed = subprocess.run(
        [
            HUB,
            "events",
            "--since",
            "5m ago",
            "--subject",
            f"hub.*.{d}.*",
            "--correlation-id",
            d,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.strip().splitlines()
    assert json.loads(line)["id"] == ack["id"]
    table = subprocess.run(
        [HUB, "events", "--since", "1h", "--subject", f"hub.local.{d}.>"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert table.returncode == 0 and f"hub.local.{d}.created" in table.stdout
    bad = subprocess.run([HUB, "events", "--subject", "hub.>.x"], capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "last" in bad.stderr
    wild = subprocess.run(
        [HUB, "events", "publish", "hub.local.*.x"], capture_output=True, text=True, check=False
    )
    assert wild.returncode == 1 and "wildcards" in wild.stderr


def test_parse_time_forms() -> None:
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    assert parse_time("1h ago", now=now) == now - timedelta(hours=1)
    assert parse_time("30m", now=now) == now - timedelta(minutes=30)
    assert parse_time("2 days ago", now=now) == now - timedelta(days=2)
    assert parse_time("now", now=now) == now
    assert parse_time("2026-01-01T00:00:00") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_time("2026-01-01T00:00:00Z") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_time(None) is None
