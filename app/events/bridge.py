"""The federation link of the API process: with ``HUB_FEDERATION_NATS_URL`` set, this hub's stored
events matching an export rule are forwarded to that NATS, and that NATS's events matching an
import rule are stored here (the same event id, so JetStream dedupe stops loops and repeats, and
several API processes forwarding the same event store it once). Nothing else is sent or accepted.

Routing rules (``HUB_EVENTS_EXPORT_SUBJECTS`` / ``HUB_EVENTS_IMPORT_SUBJECTS``, NATS patterns)
also decide which other hubs' events reach this hub's handlers; those handlers run in the worker
as durable consumers (``app.events.consumers``), never here: an API process handles nothing and
sends no heartbeat, so starting more of them changes no behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from neo4j import AsyncDriver

from app.config import Settings
from app.core.nats import quiet_nats_error
from app.events.projection import Projector
from app.events.service import MSG_ID, EventService, decode, route_allowed

log = logging.getLogger(__name__)


class Bridge:
    def __init__(
        self, settings: Settings, events: EventService, driver: AsyncDriver, *, project: bool = True
    ) -> None:
        self.settings = settings
        self.events = events
        self.driver = driver
        self.projector = Projector(events, driver) if project and settings.events_projector == "api" else None
        self.dropped = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._remote: NatsClient | None = None

    def start(self) -> None:
        """Background only: nothing here waits for NATS, Neo4j or Redis."""
        self.events.start()
        if self.projector is not None:
            self.projector.start()
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
