"""NATS handlers: small functions a ``HandlerRouter`` collects; the worker runs each route as a
JetStream durable consumer (``app.events.consumers``).

A handler receives a validated event and the ``BridgeContext``; it translates and calls a service
function (never Cypher here). Its outcome decides the message's fate: returning acks it; raising
``InvalidInput``/``NotFound`` or a pydantic ``ValidationError`` (a poison message: redelivery
cannot help) dead-letters it at once; raising anything else redelivers it with backoff, and the
last allowed delivery dead-letters it. The domains' handlers live in their own ``handlers.py``;
``app/worker.py`` wires them into one router.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.events.models import Event, subject_matches
from app.events.service import EventService


@dataclass
class BridgeContext:
    settings: Settings
    events: EventService
    driver: AsyncDriver
    arq: Any = None  # an arq ArqRedis pool (the worker's own)
    state: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Event, BridgeContext], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    pattern: str  # may contain "{hub_id}"
    handler: Handler
    name: str  # the durable consumer's name (after the hub id) and the dead-letter subject's tail


class HandlerRouter:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def on(self, pattern: str, *, name: str | None = None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            route_name = name or handler.__name__.removeprefix("on_").replace("_", "-")
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", route_name):
                raise ValueError(f"handler name {route_name!r}: lower-case letters, digits and '-'")
            if any(route.name == route_name for route in self.routes):
                raise ValueError(f"two handlers named {route_name!r}")
            self.routes.append(Route(pattern, handler, route_name))
            return handler

        return register

    def patterns(self, hub_id: str) -> list[str]:
        return sorted({route.pattern.replace("{hub_id}", hub_id) for route in self.routes})

    def matching(self, subject: str, hub_id: str) -> list[Handler]:
        return [
            r.handler for r in self.routes if subject_matches(r.pattern.replace("{hub_id}", hub_id), subject)
        ]
