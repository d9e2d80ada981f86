"""NATS handlers: small functions a ``HandlerRouter`` collects, run by the bridge.

A handler receives a validated event and the ``BridgeContext``; it translates and calls a service
function (never Cypher here). A handler that raises is logged and the event is dropped: a poison
event is not redelivered forever. Other domains keep their handlers in their own ``handlers.py``
(``app/federation/handlers.py``); ``app/main.py`` hands them all to the bridge.
"""

from __future__ import annotations

import logging

from arq import create_pool
from arq.connections import RedisSettings

from app.events.models import Event
from app.events.service import BridgeContext, HandlerRouter

__all__ = ["BridgeContext", "HandlerRouter", "router"]

log = logging.getLogger(__name__)


router = HandlerRouter()


@router.on("hub.{hub_id}.code.pushed")
async def on_code_pushed(event: Event, ctx: BridgeContext) -> None:
    """A push: enqueue the incremental ingest on the arq worker (keyed by the event id, so a
    redelivered push event is enqueued once)."""
    data = event.data if isinstance(event.data, dict) else {}
    repo = data.get("repo")
    if not isinstance(repo, str) or not repo:
        log.warning("code.pushed %s has no repo; ignored", event.id)
        return
    if ctx.arq is None:
        ctx.arq = await create_pool(RedisSettings.from_dsn(ctx.settings.redis_server_url))
    await ctx.arq.enqueue_job(
        "ingest_on_push",
        repo=repo,
        project=data.get("project"),
        before=data.get("before"),
        after=data.get("after"),
        ref=data.get("ref"),
        correlationid=event.correlationid,
        causationid=event.id,
        _job_id=f"push:{event.id}",
    )
