"""Workflows seen live and started by events: `hub workflow logs ID --follow` (a subprocess that
prints lines as they come and exits when the execution settles), and the code.pushed trigger end
to end (a real push event for an ingested repository starts a ci-pipeline-style workflow on a
worker, and the execution lands in the graph)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from nats.js.errors import NotFoundError
from neo4j import Driver
from websockets.asyncio.client import connect
from websockets.typing import Origin, Subprotocol

from app.events.service import EventService
from app.workflows.flows import TRIGGER_CONSUMER, WorkflowRuntime, apply_workflow, run_workflow, wait_for
from app.workflows.models import ExecutionStatus
from app.workflows.service import stable_id
from ingest.pipeline import ingest_repository

from .conftest import HUB, ROOT

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "graph_review"


async def test_logs_follow_prints_lines_as_they_come_and_exits_when_settled(
    runtime: WorkflowRuntime, start_worker, tmp_path: Path
):
    start_worker()
    file = tmp_path / "runs"
    steps = [
        {"id": "a", "agent": "counter", "with": {"file": str(file)}},
        {"id": "b", "agent": "counter", "needs": ["a"], "with": {"file": str(file), "sleep": 4}},
    ]
    await apply_workflow(runtime, {"name": "follow-me", "steps": steps})
    execution = await run_workflow(runtime, "follow-me")
    follower = subprocess.Popen(
        [HUB, "workflow", "logs", execution.id, "--follow"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=dict(os.environ), text=True,
    )  # fmt: skip
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            lines.append((time.time(), line.rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    view = await wait_for(runtime, execution.id, timeout_s=240)
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    settled_at = datetime.fromisoformat(view.execution.completed_at or "").timestamp()
    code = await asyncio.to_thread(follower.wait, 60)  # exits by itself once settled
    reader.join(10)
    assert code == 0, follower.stderr.read() if follower.stderr else ""
    texts = [text for _, text in lines]
    assert any("[a] step a passed" in t for t in texts) and "execution succeeded" in texts[-1]
    # the line about a came while b was still running: printed as it came, not at the end
    a_line = next(at for at, text in lines if "[a] step a passed" in text)
    assert a_line < settled_at


async def test_a_code_push_runs_the_ci_pipeline_and_the_graph_records_it(
    runtime: WorkflowRuntime, start_worker, driver: Driver, tmp_path: Path
):
    repo = tmp_path / "pushed"
    shutil.copytree(FIXTURE, repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    after = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    project = f"pushed-{uuid.uuid4().hex[:6]}"
    ingest_repository(driver, path=repo, project=project, history=0)
    name = f"ci-{project}"
    pipeline = {
        "name": name,
        "trigger": {"event": "hub.*.code.pushed", "condition": f'event.data.project == "{project}"'},
        "steps": [
            {"id": "lint", "agent": "linter", "on_fail": "warn"},
            {"id": "tests", "agent": "test-runner", "needs": ["lint"], "with": {"timeout": 120}},
            {"id": "security", "agent": "security-scan", "needs": ["lint"], "on_fail": "warn"},
            {"id": "review", "agent": "graph-review", "needs": ["tests", "security"], "on_fail": "continue",
             "with": {"subcheck": ""}},
        ],
    }  # fmt: skip
    await apply_workflow(runtime, pipeline)
    start_worker()
    engine = await runtime.connect()
    deadline = time.monotonic() + 180
    while True:  # the worker's trigger consumer exists (it starts at new events): then push
        try:
            await engine.store.js.consumer_info(runtime.settings.events_stream, TRIGGER_CONSUMER)
            break
        except NotFoundError:
            assert time.monotonic() < deadline, "the worker did not start following triggers"
            await asyncio.sleep(0.2)
    events = EventService(runtime.settings, service="tests")
    await events.connect()
    try:
        hub = runtime.settings.hub_id
        pushed = events.event(
            f"hub.{hub}.code.pushed", {"repo": str(repo), "project": project, "after": after}
        )
        await events.publish(pushed)
    finally:
        await events.close()
    execution_id = stable_id("trigger", pushed.id, name)  # a redelivered push starts nothing twice
    deadline = time.monotonic() + 300
    rows: list[tuple[str, str]] = []
    while time.monotonic() < deadline:
        records, _, _ = driver.execute_query(
            "MATCH (e:WorkflowExecution {id: $id})-[:OF]->(:Workflow {name: $name}) "
            "OPTIONAL MATCH (e)-[r:RAN]->(s:WorkflowStep) "
            "RETURN e.status AS status, collect([s.stepId, r.status]) AS ran",
            id=execution_id, name=name,
        )  # fmt: skip
        if records and records[0]["status"] in ("succeeded", "failed") and len(records[0]["ran"]) == 4:
            rows = sorted((step, status) for step, status in records[0]["ran"])
            break
        await asyncio.sleep(0.5)
    assert rows, "the pushed commit's pipeline did not reach the graph in time"
    assert records[0]["status"] == "succeeded"
    # linter (ruff F401) and security-scan (bandit B101: the test's assert) find something, on
    # warn; the fixture's test passes; graph-review's findings fail its step, on continue
    assert rows == [("lint", "failed"), ("review", "failed"), ("security", "failed"), ("tests", "passed")]
    audits, _, _ = driver.execute_query(
        "MATCH (:WorkflowExecution {id: $id})-[:PRODUCED]->(a:Audit) RETURN a.kind AS kind ORDER BY kind",
        id=execution_id,
    )
    assert [a["kind"] for a in audits] == ["graph-review", "linter", "security-scan", "test-runner"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_workflow_logs_subscription_over_a_real_websocket(
    runtime: WorkflowRuntime, start_worker, admin_token: str, tmp_path: Path
):
    """`hub serve` as a process, a websocket client speaking graphql-transport-ws: the log lines
    arrive while the execution runs, and the subscription completes when it settles."""
    start_worker()
    file = tmp_path / "runs"
    steps = [
        {"id": "a", "agent": "counter", "with": {"file": str(file)}},
        {"id": "b", "agent": "counter", "needs": ["a"], "with": {"file": str(file), "sleep": 3}},
    ]
    await apply_workflow(runtime, {"name": "ws-logs", "steps": steps})
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [HUB, "serve", "--port", str(port)], cwd=ROOT, env={**os.environ, "HUB_API_PORT": str(port)},
        stdout=log, stderr=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:  # the API answers
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "hub serve did not start"
                await asyncio.sleep(0.2)
        execution = await run_workflow(runtime, "ws-logs")
        query = "subscription($id: ID!) { workflowLogs(executionId: $id) { stepId level message } }"
        received: list[tuple[float, dict]] = []
        async with connect(
            f"ws://127.0.0.1:{port}/graphql",
            subprotocols=[Subprotocol("graphql-transport-ws")],
            additional_headers={"Authorization": f"Bearer {admin_token}"},
            origin=Origin(f"http://127.0.0.1:{port}"),
        ) as socket_:
            await socket_.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await socket_.recv())["type"] == "connection_ack"
            await socket_.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": query, "variables": {"id": execution.id}},
                    }
                )
            )
            while True:
                message = json.loads(await asyncio.wait_for(socket_.recv(), 120))
                assert message["type"] in ("next", "complete"), message
                if message["type"] == "complete":
                    break
                assert "errors" not in message["payload"], message["payload"]
                received.append((time.time(), message["payload"]["data"]["workflowLogs"]))
        view = await wait_for(runtime, execution.id, timeout_s=30)
    finally:
        server.terminate()
        server.wait(30)
    assert view.execution.status == ExecutionStatus.SUCCEEDED
    messages = [entry["message"] for _, entry in received]
    assert any(m.startswith("step a passed") for m in messages)
    assert any(m.startswith("step b passed") for m in messages)
    assert messages[-1] == "execution succeeded"
    a_passed = next(at for at, entry in received if entry["message"].startswith("step a passed"))
    settled = datetime.fromisoformat(view.execution.completed_at or "").timestamp()
    assert a_passed < settled  # live, while b was still running
