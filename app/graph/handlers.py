"""NATS handlers of the graph domain (wired into the worker's router by ``app/worker.py``)."""

from __future__ import annotations

from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.events.models import CodePushedData, Event
from app.graph import service


async def enqueue_push_ingest(event: Event, *, driver: AsyncDriver, settings: Settings, arq: Any) -> str:
    """A push: validate it (again: the event may have reached NATS without the API) and enqueue
    the incremental ingest, keyed by the event id so a redelivered push is enqueued once.
    Raises InvalidInput / ValidationError for a push that must not run (dead-lettered)."""
    data = CodePushedData.model_validate(event.data)
    folder, project = await service.push_project(
        driver=driver, settings=settings, repo=data.repo, project=data.project
    )
    await arq.enqueue_job(
        "ingest_on_push",
        repo=folder,
        project=project,
        before=data.before,
        after=data.after,
        ref=data.ref,
        correlationid=event.correlationid,
        causationid=event.id,
        _job_id=f"push:{event.id}",
    )
    return project
