"""arq jobs of the graph domain. The worker (``hub worker``) runs them; a push event enqueues
``ingest_repo`` with the files the push changed."""

from __future__ import annotations

import asyncio
from typing import Any

from app.config import Settings, get_settings
from app.core.db import create_driver
from app.core.errors import InvalidInput
from app.events.models import check_repo_path
from app.events.service import EventService


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
    from pathlib import Path

    from ingest.discovery import check_repo_files
    from ingest.pipeline import ingest_repository

    settings: Settings = ctx.get("settings") or get_settings()
    try:
        repo_path = check_repo_path(repo_path)
        if files is not None:
            files = check_repo_files(Path(repo_path), files)
    except ValueError as error:
        raise InvalidInput(f"ingest_repo: {error}") from None

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


def graph_updated_data(summary: dict[str, Any], *, repo: str, **extra: Any) -> dict[str, Any]:
    """The payload of ``hub.<id>.graph.updated``: which project changed and by how much."""
    counts = {key: summary.get(key) for key in ("files_parsed", "files_deleted", "files_edges_refreshed",
              "symbols_written", "edges_written", "commits_added", "seconds")}  # fmt: skip
    return {"project": summary["project"], "project_id": summary["project_id"],
            "repo_id": summary["repo_id"], "repo": repo, "counts": counts, **extra}  # fmt: skip


def changed_anything(summary: dict[str, Any]) -> bool:
    return bool(summary.get("files_parsed") or summary.get("files_deleted") or summary.get("commits_added"))


async def announce_ingest(
    events: EventService, *, settings: Settings, summary: dict[str, Any], repo: str, **fields: Any
) -> None:
    """Publish ``hub.<id>.graph.updated`` (VISLZR redraws on it); ``fields`` may carry
    correlationid/causationid and extra payload such as the pushed ref."""
    envelope = {k: fields.pop(k) for k in ("correlationid", "causationid") if k in fields}
    await events.publish(
        events.event(
            f"hub.{settings.hub_id}.graph.updated",
            graph_updated_data(summary, repo=repo, **fields),
            **envelope,
        )
    )
