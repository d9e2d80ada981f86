"""NATS-triggered ingestion end to end: a commit in a test repo runs the post-commit hook, which
publishes hub.local.code.pushed; the API's bridge enqueues the ingest on the arq worker
(`hub worker`), which ingests the changed files and publishes hub.local.graph.updated."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import AsyncDriver
from tests_support import api_client

from app.config import Settings
from app.events.models import EventQuery
from app.events.service import EventService
from app.main import create_app
from app.views.service import compute_communities

ROOT = Path(__file__).resolve().parents[2]
HUB = str(Path(sys.executable).with_name("hub"))


@pytest.fixture(scope="module")
def worker(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    process = subprocess.Popen([HUB, "worker"], cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    time.sleep(1.0)
    assert process.poll() is None, log.read_text()
    yield process
    process.terminate()
    process.wait(timeout=30)


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
    settings: Settings,
    async_driver: AsyncDriver,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
    admin_token: str,
) -> None:
    project = "push" + uuid.uuid4().hex[:8]
    repo = tmp_path / project
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(ROOT / "scripts/git-hooks/post-commit", repo / ".git/hooks/post-commit")
    events = EventService(settings, service="push-test")
    await events.connect()
    with api_client(create_app(settings), admin_token) as client:
        deadline = time.monotonic() + 30
        while not client.app.state.events.connected:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the bridge's subscriptions follow the connection

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
