"""NATS handlers: small functions a ``HandlerRouter`` collects, run by the bridge.

A handler receives a validated event and the ``BridgeContext``; it translates and calls a service
function (never Cypher here). A handler that raises is logged and the event is dropped: a poison
event is not redelivered forever.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.events.models import Event, subject_matches
from app.events.service import EventService

log = logging.getLogger(__name__)


@dataclass
class BridgeContext:
    settings: Settings
    events: EventService
    driver: AsyncDriver
    arq: Any = None  # an arq ArqRedis pool, opened lazily by the bridge
    state: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Event, BridgeContext], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    pattern: str  # may contain "{hub_id}"
    handler: Handler


class HandlerRouter:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def on(self, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(pattern, handler))
            return handler

        return register

    def patterns(self, hub_id: str) -> list[str]:
        return sorted({route.pattern.replace("{hub_id}", hub_id) for route in self.routes})

    def matching(self, subject: str, hub_id: str) -> list[Handler]:
        return [
            r.handler for r in self.routes if subject_matches(r.pattern.replace("{hub_id}", hub_id), subject)
        ]


router = HandlerRouter()


@router.on("hub.global.presence")
async def on_presence(event: Event, ctx: BridgeContext) -> None:
    from app.federation.service import record_presence

    await record_presence(ctx.driver, event=event, database=ctx.settings.neo4j_database)


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
        from arq import create_pool
        from arq.connections import RedisSettings

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
