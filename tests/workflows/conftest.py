"""Workflow tests: worker processes and a stand-in agent as real processes on the test runtime."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from app.agents.models import AgentRegistration
from app.agents.service import register_agent
from app.config import Settings
from app.core.db import create_async_driver
from app.workflows.flows import WorkflowRuntime

ROOT = Path(__file__).resolve().parents[2]
HUB = str(Path(sys.executable).with_name("hub"))
ACK_WAIT_S = "10"


@pytest.fixture(scope="session")
def counter_agent(settings: Settings) -> Iterator[str]:
    """The `counter` agent: one NATS micro service instance for the session."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("counter_agent.py")),
            "counter",
        ],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        # The URL carries the NATS password: in the environment, never on a command line.
        env={**os.environ, "PYTHONPATH": str(ROOT), "COUNTER_AGENT_NATS_URL": settings.nats_server_url},
    )
    assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
    yield "counter"
    process.terminate()
    process.wait(10)


WorkerFactory = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start_worker(settings: Settings, tmp_path: Path) -> Iterator[WorkerFactory]:
    """Start `hub workflow worker` processes (short ack_wait, so a killed one's task comes back
    in 10 s); all are killed at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(fault: str | None = None) -> subprocess.Popen[bytes]:
        env = {**os.environ, "HUB_WORKFLOW_ACK_WAIT_S": ACK_WAIT_S}
        env.pop("HUB_WORKFLOW_FAULT", None)
        if fault:
            env["HUB_WORKFLOW_FAULT"] = fault
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen([HUB, "workflow", "worker"], env=env, cwd=ROOT, stdout=log, stderr=log)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)


@pytest.fixture
async def runtime(settings: Settings, counter_agent: str) -> AsyncIterator[WorkflowRuntime]:
    driver = create_async_driver(settings)
    await register_agent(
        driver=driver,
        settings=settings,
        registration=AgentRegistration(name=counter_agent, endpoint=f"nats:{counter_agent}"),
    )
    wf = WorkflowRuntime(settings, driver, name="tests")
    await wf.connect()
    yield wf
    await wf.close()
    await driver.close()


def wait_until(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)
