"""The graph domain's event handlers (run by the worker as durable consumers, ``app/worker.py``)."""

from __future__ import annotations

from app.events.service import BridgeContext, CodePushedData, Event, HandlerRouter
from app.graph import service

router = HandlerRouter()


@router.on("hub.{hub_id}.code.pushed", name="code-pushed")
async def on_code_pushed(event: Event, ctx: BridgeContext) -> None:
    """A push: validate it (again: the event may have reached NATS without the API) and enqueue
    the incremental ingest, keyed by the event id so a redelivered push is enqueued once.
    Raises InvalidInput / ValidationError for a push that must not run (dead-lettered)."""
    data = CodePushedData.model_validate(event.data)
    folder, project = await service.push_project(
        driver=ctx.driver, settings=ctx.settings, repo=data.repo, project=data.project
    )
    await ctx.arq.enqueue_job(
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
