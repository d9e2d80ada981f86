"""The NATS bridge: NATS subscriptions trigger internal handlers, routing rules filter what
crosses between hubs, and an optional link to another hub's NATS carries the allowed subjects.

Routing rules (``HUB_EVENTS_EXPORT_SUBJECTS`` / ``HUB_EVENTS_IMPORT_SUBJECTS``, NATS patterns):
- an event *from another hub* (its subject's hub token or its origin is not this hub) reaches this
  hub's handlers only if its subject matches an import rule; otherwise it is counted and dropped;
- with ``HUB_FEDERATION_NATS_URL`` set, this hub's stored events matching an export rule are
  forwarded to that NATS, and that NATS's events matching an import rule are stored here (the
  same event id, so JetStream dedupe stops loops and repeats). Nothing else is sent or accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from neo4j import AsyncDriver

from app.config import Settings
from app.core.nats import quiet_nats_error
from app.events.handlers import router as default_router
from app.events.models import Event
from app.events.projection import Projector
from app.events.service import (
    MSG_ID,
    BridgeContext,
    BridgeLoop,
    EventService,
    HandlerRouter,
    decode,
    route_allowed,
)

log = logging.getLogger(__name__)


class Bridge:
    def __init__(
        self,
        settings: Settings,
        events: EventService,
        driver: AsyncDriver,
        *,
        handlers: HandlerRouter = default_router,
        loops: Sequence[BridgeLoop] = (),
        project: bool = True,
        presence: bool = True,
    ) -> None:
        """``handlers`` and ``loops`` come from the domains (assembled in app/main.py); ``presence``
        false runs none of the loops (the federation heartbeat among them)."""
        self.settings = settings
        self.events = events
        self.ctx = BridgeContext(settings=settings, events=events, driver=driver)
        self.handlers = handlers
        self.projector = Projector(events, driver) if project and settings.events_projector == "api" else None
        self.loops = tuple(loops) if presence else ()
        self.dropped = 0
        self.handled = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._remote: NatsClient | None = None

    def start(self) -> None:
        """Background only: nothing here waits for NATS, Neo4j or Redis."""
        self.events.start()
        if self.projector is not None:
            self.projector.start()
        self._tasks.append(asyncio.create_task(self._subscribe(), name="bridge-subscribe"))
        for loop in self.loops:
            self._tasks.append(asyncio.create_task(self._run_loop(loop), name=loop.__name__))
        if self.settings.federation_nats_url:
            self._tasks.append(asyncio.create_task(self._link(), name="federation-link"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.projector is not None:
            await self.projector.stop()
        if self._remote is not None:
            with contextlib.suppress(Exception):
                await self._remote.close()
        if self.ctx.arq is not None:
            with contextlib.suppress(Exception):
                await self.ctx.arq.aclose()

    def accepts(self, event: Event) -> bool:
        hub = event.subject.split(".")[1]
        local = hub == self.settings.hub_id and event.origin.hub_id == self.settings.hub_id
        return local or route_allowed(event.subject, self.events.import_rules)

    async def dispatch(self, event: Event) -> None:
        if not self.accepts(event):
            self.dropped += 1
            return
        for handler in self.handlers.matching(event.subject, self.settings.hub_id):
            try:
                await handler(event, self.ctx)
                self.handled += 1
            except Exception:
                log.exception("handler %s failed on %s (%s)", handler.__name__, event.subject, event.id)

    async def _subscribe(self) -> None:
        await self.events.ready.wait()
        nc = self.events.nc
        assert nc is not None

        async def on_msg(msg: Msg) -> None:
            event = decode(msg.data)
            if event is not None:
                await self.dispatch(event)

        subs = [
            await nc.subscribe(pattern, cb=on_msg) for pattern in self.handlers.patterns(self.settings.hub_id)
        ]
        try:
            await asyncio.Event().wait()
        finally:
            for sub in subs:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    async def _run_loop(self, loop: BridgeLoop) -> None:
        await self.events.ready.wait()
        await loop(self.ctx)

    async def _link(self) -> None:
        """Forward exported local events to the remote NATS; store imported remote ones here."""
        await self.events.ready.wait()
        url = self.settings.federation_nats_url
        assert url is not None
        remote = await nats.connect(
            url, error_cb=quiet_nats_error, max_reconnect_attempts=-1, name=f"bridge@{self.settings.hub_id}"
        )
        self._remote = remote
        local = self.events.nc
        assert local is not None
        own = f"hub.{self.settings.hub_id}"

        async def outbound(msg: Msg) -> None:
            event = decode(msg.data)
            if event is None or event.origin.hub_id != self.settings.hub_id:
                return  # only this hub's own events leave it
            if route_allowed(event.subject, self.events.export_rules):
                await remote.publish(msg.subject, msg.data, headers={MSG_ID: event.id})

        async def inbound(msg: Msg) -> None:
            event = decode(msg.data)
            if (
                event is None
                or event.origin.hub_id == self.settings.hub_id
                or event.subject.startswith(own + ".")
            ):
                return
            if not route_allowed(event.subject, self.events.import_rules):
                self.dropped += 1
                return
            js = self.events.js
            assert js is not None
            await js.publish(msg.subject, msg.data, headers={MSG_ID: event.id})

        subs = [await local.subscribe("hub.>", cb=outbound)]
        subs += [await remote.subscribe(rule, cb=inbound) for rule in self.events.import_rules]
        try:
            await asyncio.Event().wait()
        finally:
            for sub in subs:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
