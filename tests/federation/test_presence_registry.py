"""Two hubs with different ids (each an API process and its worker, which sends the heartbeat and
keeps the registry) find each other by presence within 10 s; a stopped one is pruned from the
active registry within 35 s (the default 5 s / 30 s timings)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests_support import free_ports

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def hub_env(settings: Settings, hub_id: str, redis_db: int) -> dict[str, str]:
    # One Redis database per hub: arq queues and cron ticks are per Redis database.
    redis = settings.redis_server_url.rsplit("/", 1)[0] + f"/{redis_db}"  # with the hub's credentials
    return {**os.environ, "HUB_HUB_ID": hub_id, "HUB_HUB_NAME": f"Hub {hub_id}", "HUB_REDIS_URL": redis}


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    hub = str(Path(sys.executable).with_name("hub"))
    return subprocess.Popen(
        [hub, "worker"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def start_hub(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def two_hubs(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str, list[subprocess.Popen[bytes]]]]:
    east_port, west_port = free_ports(2)
    east_env, west_env = hub_env(settings, "east", 1), hub_env(settings, "west", 2)
    east = start_hub(east_env, east_port, tmp_path / "east.log")
    west = start_hub(west_env, west_port, tmp_path / "west.log")
    east_worker = start_worker(east_env, tmp_path / "east-worker.log")
    west_worker = start_worker(west_env, tmp_path / "west-worker.log")
    try:
        yield f"http://127.0.0.1:{east_port}", f"http://127.0.0.1:{west_port}", [west, west_worker]
    finally:
        for process in (east, west, east_worker, west_worker):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)


def online(url: str, headers: dict[str, str]) -> set[str]:
    try:
        response = httpx.get(f"{url}/api/federation/hubs", timeout=3, headers=headers)
    except httpx.HTTPError:
        return set()
    return {hub["id"] for hub in response.json()["hubs"]} if response.status_code == 200 else set()


def serving(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=3).status_code in (200, 503)
    except httpx.HTTPError:
        return False


def wait_until(predicate, seconds: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds}s")


def test_hubs_discover_each_other_and_a_stopped_one_is_pruned(two_hubs, auth_headers) -> None:  # type: ignore[no-untyped-def]
    east, west, west_processes = two_hubs
    h = auth_headers
    wait_until(lambda: serving(east) and serving(west), 60)
    # Each hub is up once its worker heartbeats (it hears itself); discovery is timed from there.
    wait_until(lambda: "east" in online(east, h) and "west" in online(west, h), 90)
    started = time.monotonic()
    wait_until(lambda: {"east", "west"} <= online(east, h) and {"east", "west"} <= online(west, h), 10)
    discovered = time.monotonic() - started
    assert discovered < 10

    for process in west_processes:
        process.terminate()
        process.wait(timeout=20)
    stopped = time.monotonic()
    wait_until(lambda: "west" not in online(east, h), 35)
    assert time.monotonic() - stopped < 35
    assert "east" in online(east, h)
    listing = httpx.get(f"{east}/api/federation/hubs", params={"include_offline": True}, headers=h)
    everything = listing.json()["hubs"]
    assert {hub["id"]: hub["status"] for hub in everything}["west"] == "offline"
