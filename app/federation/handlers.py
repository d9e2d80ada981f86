"""The federation's event handlers: presence heard on ``hub.global.presence`` → ``(:Hub)``.

Federation depends on events, never the reverse: ``app/worker.py`` runs ``router`` as durable
consumers. The heartbeat itself is the worker's ``presence_job`` (once per hub).
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.events.service import BridgeContext, Event, HandlerRouter
from app.federation.service import record_presence

router = HandlerRouter()


@router.on("hub.global.presence", name="presence")
async def on_presence(event: Event, ctx: BridgeContext) -> None:
    """Upsert the sender's ``(:Hub)``. A heartbeat older than the offline threshold (replayed
    after the worker was down) says nothing about now and is skipped."""
    age = (datetime.now(UTC) - event.time).total_seconds()
    if age > ctx.settings.presence_offline_after_s:
        return
    await record_presence(ctx.driver, event=event, database=ctx.settings.neo4j_database)
