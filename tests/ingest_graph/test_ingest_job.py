"""The ``ingest_repo`` arq job, enqueued on the real Redis and run by a real arq worker."""

from __future__ import annotations

from pathlib import Path

from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker, func
from graph_snapshot import git
from neo4j import Driver

from app.config import Settings
from app.graph.jobs import ingest_repo


async def test_job_ingests_only_the_pushed_files(settings: Settings, driver: Driver, tmp_path: Path) -> None:
    root = tmp_path / "pushed"
    root.mkdir()
    (root / "a.py").write_text("def a():\n    return 1\n")
    (root / "b.py").write_text("from a import a\n\ndef b():\n    return a()\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")

    redis_settings = RedisSettings.from_dsn(settings.redis_server_url)
    pool = await create_pool(redis_settings)
    worker = Worker(functions=[func(ingest_repo, name="ingest_repo")], redis_settings=redis_settings,
                    burst=True, ctx={"settings": settings}, poll_delay=0.05)  # fmt: skip
    try:
        job = await pool.enqueue_job("ingest_repo", repo_path=str(root), project="job-test")
        await worker.main()
        first = await job.result(timeout=60)
        assert first["files_parsed"] == 2

        (root / "a.py").write_text("def a():\n    return 2\n\n\ndef a2():\n    return 3\n")
        git(root, "commit", "-qam", "change a")
        job = await pool.enqueue_job("ingest_repo", repo_path=str(root), project="job-test", files=["a.py"])
        await worker.main()
        second = await job.result(timeout=60)
        assert second["files_parsed"] == 1 and second["changed_paths"] == ["a.py"]
        assert second["commits_added"] == 1
    finally:
        await worker.close()
        await pool.aclose()
    records, _, _ = driver.execute_query(
        "MATCH (s:Symbol {repoId: $r, path: 'a.py'}) RETURN collect(s.name) AS names", r=first["repo_id"]
    )
    assert "a2" in records[0]["names"]


async def test_cli_ingest_announces_graph_updated(settings: Settings, tmp_path: Path) -> None:
    """`hub graph ingest` publishes hub.<id>.graph.updated, so open views redraw live."""
    import asyncio
    import json
    import os
    import sys

    from app.events.service import EventService

    root = tmp_path / "announced"
    root.mkdir()
    (root / "m.py").write_text("def m():\n    return 1\n")
    events = EventService(settings, service="test")
    await events.connect()
    try:
        live = await events.subscribe(f"hub.{settings.hub_id}.graph.updated")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "graph", "ingest", str(root), "--project", "announced", "--json",
            env=dict(os.environ), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, stderr.decode()
        summary = json.loads(stdout)
        assert summary["warnings"] == []
        event = await asyncio.wait_for(live.__anext__(), 10)
        assert event.data["project_id"] == summary["project_id"]
        assert event.data["counts"]["files_parsed"] == 1
        await live.aclose()
    finally:
        await events.close()
