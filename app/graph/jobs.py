"""arq jobs of the graph domain. The worker (``hub worker``) runs them; a push event enqueues
``ingest_repo`` with the files the push changed."""

from __future__ import annotations

import asyncio
from typing import Any

from app.config import Settings, get_settings
from app.core.db import create_driver


async def ingest_repo(
    ctx: dict[str, Any],
    *,
    repo_path: str,
    project: str,
    since: str | None = None,
    files: list[str] | None = None,
    repo_url: str | None = None,
) -> dict[str, Any]:
    """Incremental ingest in a thread (parsing itself fans out to worker processes)."""
    from ingest.pipeline import ingest_repository

    settings: Settings = ctx.get("settings") or get_settings()

    def run() -> dict[str, Any]:
        driver = ctx.get("neo4j_sync_driver") or create_driver(settings)
        try:
            summary = ingest_repository(
                driver, path=repo_path, project=project, repo_url=repo_url, since=since,
                paths=files, cache_dir=settings.home / "cache" / "parse",
                database=settings.neo4j_database, hub_id=settings.hub_id,
            )  # fmt: skip
        finally:
            if "neo4j_sync_driver" not in ctx:
                driver.close()
        return summary.as_dict()

    return await asyncio.to_thread(run)
