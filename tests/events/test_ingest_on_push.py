"""NATS-triggered ingestion end to end: a commit in a test repo runs the post-commit hook, which
publishes hub.local.code.pushed; the worker's durable consumer (`hub worker`) enqueues the ingest,
which ingests the changed files and publishes hub.local.graph.updated. A push stored while the
worker is down is ingested once when it is back; a push naming an option as a commit or a folder
the hub does not know is refused at the edge or dead-lettered, and git never runs on it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from nats.js.errors import NotFoundError
from neo4j import AsyncDriver
from pydantic import ValidationError
from tests_support import api_client

from app.config import Settings
from app.core.errors import InvalidInput
from app.events.models import Event, EventQuery, Origin
from app.events.service import EventService
from app.main import create_app
from app.views.service import compute_communities

ROOT = Path(__file__).resolve().parents[2]
HUB = str(Path(sys.executable).with_name("hub"))
PUSH_CONSUMER = "handler-local-code-pushed"


class Worker:
    """``hub worker`` as a child process that a test may stop and start again."""

    def __init__(self, settings: Settings, log: Path, ingest_root: Path) -> None:
        self.settings, self.log = settings, log
        self.env = {**os.environ, "HUB_INGEST_ROOTS": json.dumps([str(ingest_root)])}
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen([HUB, "worker"], cwd=ROOT, env=self.env, stdout=out,
                                        stderr=subprocess.STDOUT)  # fmt: skip

    def start(self) -> None:
        self.spawn()
        asyncio.run(self.wait_consumer())
        assert self.process is not None and self.process.poll() is None, self.log.read_text()

    async def wait_consumer(self) -> None:
        """Until the push handler's durable consumer exists and the worker pulls from it."""
        events = EventService(self.settings, service="push-test")
        await events.connect()
        try:
            deadline = time.monotonic() + 60
            while True:
                assert time.monotonic() < deadline, self.log.read_text()[-3000:]
                try:
                    info = await events.js.consumer_info(self.settings.events_stream, PUSH_CONSUMER)  # type: ignore[union-attr]
                    if info.num_waiting:
                        return
                except NotFoundError:
                    pass
                await asyncio.sleep(0.2)
        finally:
            await events.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


@pytest.fixture(scope="module")
def worker(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    running = Worker(
        settings, tmp_path_factory.mktemp("worker") / "worker.log", tmp_path_factory.getbasetemp()
    )
    running.start()
    yield running
    running.stop()


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "HUB": HUB}
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )


async def wait_graph_updated(events: EventService, project: str, count: int) -> list:  # type: ignore[type-arg]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            page = await events.query(EventQuery(subject="hub.local.graph.updated", limit=10_000))
        except TimeoutError:  # a stream read timed out on a loaded machine: poll again
            await asyncio.sleep(0.5)
            continue
        mine = [e for e in page.events if e.data.get("project") == project]
        if len(mine) >= count:
            return mine
        await asyncio.sleep(0.5)
    raise AssertionError(f"no graph.updated #{count} for {project}")


async def symbols(driver: AsyncDriver, project: str) -> set[str]:
    records, _, _ = await driver.execute_query(
        "MATCH (:Project {name: $p})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(:File)-[:DECLARES]->(s:Symbol) "
        "RETURN collect(s.name) AS names",
        p=project,
    )
    return set(records[0]["names"])


async def test_commit_and_push_event_update_the_graph(
    settings: Settings, async_driver: AsyncDriver, worker: Worker, tmp_path: Path
) -> None:
    project = "push" + uuid.uuid4().hex[:8]
    repo = tmp_path / project
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(ROOT / "scripts/git-hooks/post-commit", repo / ".git/hooks/post-commit")
    events = EventService(settings, service="push-test")
    await events.connect()
    (repo / "a.py").write_text("def alpha():\n    return 1\n")
    (repo / "b.py").write_text("def untouched():\n    return 2\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    (first,) = await wait_graph_updated(events, project, 1)
    assert first.data["files"] is None  # a first commit: everything
    assert {"alpha", "untouched"} <= await symbols(async_driver, project)
    await compute_communities(async_driver, project_id=first.data["project_id"])

    (repo / "a.py").write_text("def alpha():\n    return 1\n\n\ndef beta():\n    return alpha()\n")
    git(repo, "commit", "-q", "-am", "second")
    second = (await wait_graph_updated(events, project, 2))[-1]
    assert second.data["files"] == ["a.py"]
    assert {"alpha", "beta", "untouched"} <= await symbols(async_driver, project)
    # The project has communities, so the worker recomputed them before announcing.
    assert second.data["communities"] >= 1
    records, _, _ = await async_driver.execute_query(
        "MATCH (s:Symbol {name: 'beta', repoId: $r}) RETURN s.communityId AS c", r=second.data["repo_id"]
    )
    assert records[0]["c"] is not None
    pushes = await events.query(EventQuery(subject="hub.local.code.pushed", limit=10_000))
    push = [e for e in pushes.events if e.data.get("project") == project][-1]
    assert second.causationid == push.id and second.correlationid == push.correlationid
    await events.close()


def commits(repo: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "log", "--format=%H"], capture_output=True, text=True)
    return out.stdout.split()


def make_repo(folder: Path) -> tuple[str, str]:
    """A repository with two commits (no hook); returns (before, after)."""
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    (folder / "a.py").write_text("def alpha():\n    return 1\n")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "first")
    (folder / "a.py").write_text("def alpha():\n    return 2\n")
    git(folder, "commit", "-q", "-am", "second")
    after, before = commits(folder)[:2]
    return before, after


async def dead_letter(events: EventService, correlation: str) -> Any:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = await events.query(
            EventQuery(subject="hub.local.deadletter.code-pushed", correlation_id=correlation)
        )
        if page.events:
            (letter,) = page.events
            return letter
        await asyncio.sleep(0.3)
    raise AssertionError(f"no dead letter for {correlation}")


async def test_a_push_naming_an_option_or_an_unknown_folder_never_reaches_git(
    settings: Settings, async_driver: AsyncDriver, worker: Worker, tmp_path: Path, admin_token: str
) -> None:
    written = tmp_path / "written-by-git"
    option = f"--output={written}"
    known = tmp_path / ("known" + uuid.uuid4().hex[:8])  # under HUB_INGEST_ROOTS
    before, after = make_repo(known)
    outside = Path(tempfile.mkdtemp(prefix="hub-outside-")) / "repo"  # under no ingest root
    try:
        out_before, out_after = make_repo(outside)
        push = {"repo": str(known), "project": known.name, "before": option, "after": after}

        # 1. At the edge: the API refuses the event (JSON-RPC and REST), the CLI too.
        with api_client(create_app(settings), admin_token) as client:
            body = {"jsonrpc": "2.0", "method": "bus.publish", "id": 1,
                    "params": {"subject": "hub.local.code.pushed", "data": push}}  # fmt: skip
            refused = client.post("/rpc", json=body).json()
            assert refused["error"]["code"] == -32602 and "before" in refused["error"]["message"], refused
            rest = client.post("/api/events/publish", json=body["params"])
            assert rest.status_code == 400 and "before" in rest.json()["error"]["message"]
        cli = subprocess.run([HUB, "events", "publish", "hub.local.code.pushed", "--data", json.dumps(push)],
                             capture_output=True, text=True, cwd=ROOT)  # fmt: skip
        assert cli.returncode != 0 and "before" in cli.stderr

        events = EventService(settings, service="exploit-test")
        await events.connect()
        js = events.js
        assert js is not None

        # 2. Straight onto the bus (someone who can reach NATS): the worker dead-letters it.
        correlation = "exploit-" + uuid.uuid4().hex[:8]
        raw = Event(source="/hubs/local/evil", type="hub.code.pushed", subject="hub.local.code.pushed",
                    origin=Origin(hub_id="local"), correlationid=correlation, data=push)  # fmt: skip
        await js.publish(raw.subject, raw.model_dump_json().encode(), headers={"Nats-Msg-Id": raw.id})
        letter = await dead_letter(events, correlation)
        assert letter.causationid == raw.id and "before" in letter.data["reason"]

        # 3. A well-formed push naming a folder the hub does not know: dead-lettered, not ingested.
        correlation = "outside-" + uuid.uuid4().hex[:8]
        data = {"repo": str(outside), "project": "outside", "before": out_before, "after": out_after}
        await events.publish(events.event("hub.local.code.pushed", data, correlationid=correlation))
        letter = await dead_letter(events, correlation)
        assert "not a repository of this hub" in letter.data["reason"]

        # 4. The arq job checks again (anyone who can reach Redis can enqueue).
        pool = await create_pool(RedisSettings.from_dsn(settings.redis_server_url))
        try:
            job = await pool.enqueue_job("ingest_on_push", repo=str(known), project=known.name,
                                         before=option, after=after)  # fmt: skip
            assert job is not None
            with pytest.raises(ValidationError, match="before"):
                await job.result(timeout=60)
            job = await pool.enqueue_job(
                "ingest_on_push", repo=str(outside), before=out_before, after=out_after
            )
            assert job is not None
            with pytest.raises(InvalidInput, match="not a repository of this hub"):
                await job.result(timeout=60)
            job = await pool.enqueue_job("ingest_repo", repo_path=str(known), project=known.name,
                                         files=["../../etc/passwd.py"])  # fmt: skip
            assert job is not None
            with pytest.raises(InvalidInput, match=r"'\.\.'"):
                await job.result(timeout=60)
        finally:
            await pool.aclose()
        await events.close()

        assert not written.exists()
        records, _, _ = await async_driver.execute_query(
            "MATCH (r:Repo) WHERE r.path IN $paths RETURN count(r) AS n", paths=[str(outside), str(known)]
        )
        assert records[0]["n"] == 0  # nothing of either was ingested
        # The real pair of commits still works, so the refusals above were about the values.
        assert before != after
    finally:
        shutil.rmtree(outside.parent, ignore_errors=True)


async def test_a_push_stored_while_the_worker_is_down_is_ingested_once_when_it_is_back(
    settings: Settings, async_driver: AsyncDriver, worker: Worker, tmp_path: Path
) -> None:
    project = "down" + uuid.uuid4().hex[:8]
    repo = tmp_path / project
    before, after = make_repo(repo)
    events = EventService(settings, service="down-test")
    await events.connect()
    try:
        worker.stop()
        data = {"repo": str(repo), "project": project, "before": before, "after": after}
        ack = await events.publish(events.event("hub.local.code.pushed", data))
        await asyncio.sleep(1.0)
        page = await events.query(EventQuery(subject="hub.local.graph.updated", limit=10_000))
        assert not [e for e in page.events if e.data.get("project") == project]  # nobody handled it
        worker.spawn()
        await worker.wait_consumer()
        (updated,) = await wait_graph_updated(events, project, 1)
        assert updated.causationid == ack.id and updated.data["files"] == ["a.py"]
        assert {"alpha"} <= await symbols(async_driver, project)
        await asyncio.sleep(5.0)  # a second ingest (a redelivery, a duplicate job) would show by now
        page = await events.query(EventQuery(subject="hub.local.graph.updated", limit=10_000))
        assert len([e for e in page.events if e.data.get("project") == project]) == 1
        info = await events.js.consumer_info(settings.events_stream, PUSH_CONSUMER)  # type: ignore[union-attr]
        assert info.num_pending == 0 and info.num_ack_pending == 0
    finally:
        if worker.process is None:
            worker.start()
        await events.close()
