"""`hub run`: the API and the worker started and stopped together; background work once per hub
however many API processes serve."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests_support import free_ports

from app.config import Settings
from app.events.models import EventQuery
from app.events.service import EventService

HUB = [sys.executable, "-m", "app.cli"]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class HubRun:
    def __init__(self, port: int, log: Path, env: dict[str, str]) -> None:
        self.port, self.log = port, log
        self.process = subprocess.Popen(
            [*HUB, "run", "--keep-runtime", "--port", str(port), "--workers", "2"],
            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.api = self.worker = 0

    def wait_serving(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            found = re.search(r"api: pid (\d+); worker: pid (\d+)", self.log.read_text())
            if found:
                self.api, self.worker = int(found[1]), int(found[2])
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/healthz", timeout=5
                    ) as response:
                        if response.status == 200 and len(children(self.api)) >= 2:
                            return
                except OSError:
                    pass
            time.sleep(0.3)
        raise AssertionError(self.log.read_text())


@pytest.fixture
def hub_run(settings: Settings, tmp_path: Path) -> Iterator[HubRun]:
    (port,) = free_ports(1)
    env = {**os.environ, "HUB_PRESENCE_INTERVAL_S": "1"}
    running = HubRun(port, tmp_path / "hub-run.log", env)
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.terminate()
            running.process.wait(timeout=60)


async def own_presences(settings: Settings, since: datetime, until: datetime) -> int:
    events = EventService(settings, service="presence-count")
    await events.connect()
    try:
        page = await events.query(
            EventQuery(subject="hub.global.presence", since=since, until=until, limit=10_000)
        )
    finally:
        await events.close()
    return len([e for e in page.events if e.origin.hub_id == settings.hub_id])


def test_hub_run_serves_with_its_worker_and_sigterm_stops_both(hub_run: HubRun, settings: Settings) -> None:
    hub_run.wait_serving()
    api_processes = children(hub_run.api)
    assert alive(hub_run.worker) and len(api_processes) >= 2
    assert "VISLZR: http://127.0.0.1:" in hub_run.log.read_text()

    # Two API processes, one heartbeat a second: presence comes from the worker alone.
    time.sleep(3)  # the worker's cron is ticking by now
    start = datetime.now(UTC)
    time.sleep(10)
    count = asyncio.run(own_presences(settings, start, start + timedelta(seconds=10)))
    assert 8 <= count <= 12, f"{count} presence events in 10 s at 1/s (2 API processes + 1 worker)"

    hub_run.process.send_signal(signal.SIGTERM)
    assert hub_run.process.wait(timeout=60) == 0, hub_run.log.read_text()
    for pid in (hub_run.api, hub_run.worker, *api_processes):
        assert not alive(pid), (pid, hub_run.log.read_text())


def test_hub_run_stops_the_api_when_the_worker_dies(hub_run: HubRun) -> None:
    hub_run.wait_serving()
    os.kill(hub_run.worker, signal.SIGKILL)
    assert hub_run.process.wait(timeout=60) == 1
    assert not alive(hub_run.api)
    assert "worker exited" in hub_run.log.read_text()
