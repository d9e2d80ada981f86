"""arq jobs of the graph domain. The worker (``hub worker``) runs them; a push event enqueues
``ingest_on_push`` (in :mod:`app.worker`), which ingests through :mod:`app.graph.flows`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo4j import Driver

from app.config import Settings, get_settings
from app.core.db import create_driver
from app.core.errors import InvalidInput
from app.events.service import check_repo_path
from ingest.discovery import check_repo_files

if TYPE_CHECKING:
    from ingest.resident_cache import ResidentRepos


def ingest_sync(
    settings: Settings,
    *,
    repo_path: str,
    project: str,
    since: str | None = None,
    files: list[str] | None = None,
    repo_url: str | None = None,
    driver: Driver | None = None,
    residents: ResidentRepos | None = None,
) -> dict[str, Any]:
    """An incremental ingest with the sync driver (the pipeline's), as a summary dict. With
    ``residents`` (the worker's repositories held in memory), a repository already held is updated
    as a delta (``summary["delta"]``), and one ingested by the pipeline is held for the next push."""
    from ingest.pipeline import ingest_repository  # tree-sitter and its grammars load on first use
    from ingest.resident_cache import ingest_resident

    own = driver is None
    driver = driver or create_driver(settings)
    common: dict[str, Any] = dict(
        path=Path(repo_path), project=project, repo_url=repo_url, since=since, paths=files,
        cache_dir=settings.home / "cache" / "parse", database=settings.neo4j_database,
        hub_id=settings.hub_id,
    )  # fmt: skip
    try:
        if residents is not None:
            summary = ingest_resident(driver, residents, **common)
        else:
            summary = ingest_repository(driver, **common)
    finally:
        if own:
            driver.close()
    return summary.as_dict()


async def ingest_repo(
    ctx: dict[str, Any],
    *,
    repo_path: str,
    project: str,
    since: str | None = None,
    files: list[str] | None = None,
    repo_url: str | None = None,
) -> dict[str, Any]:
    """Incremental ingest in a thread (parsing itself fans out to worker processes).

    ``files`` come from outside (a push's diff, whoever enqueued the job): each must be a
    repo-relative path without ``..`` that stays inside the repository through every symlinked
    component, else the job fails with InvalidInput before anything is read."""
    settings: Settings = ctx.get("settings") or get_settings()
    try:
        repo_path = check_repo_path(repo_path)
        if files is not None:
            files = check_repo_files(Path(repo_path), files)
    except ValueError as error:
        raise InvalidInput(f"ingest_repo: {error}") from None
    return await asyncio.to_thread(
        ingest_sync, settings, repo_path=repo_path, project=project, since=since, files=files,
        repo_url=repo_url, driver=ctx.get("neo4j_sync_driver"), residents=ctx.get("resident_repos"),
    )  # fmt: skip
