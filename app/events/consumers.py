"""The worker's event handlers as JetStream durable consumers: nothing published is lost.

Each route of a ``HandlerRouter`` is one durable pull consumer on the ``HUB_EVENTS`` stream,
named ``handler-<hub_id>-<route name>`` and filtered on the route's subject. It is created with
``DeliverPolicy.NEW`` at the worker's first start; from then on the server keeps its position, so
an event stored while the worker is down is handled when it comes back, and a message is acked
(synchronously, so the server has recorded it) only after its handler returned.

Failures: a poison message (not an envelope, or a handler raising ``InvalidInput``/``NotFound``/
``ValidationError``) and a message that failed its ``HUB_EVENTS_HANDLER_MAX_DELIVER``-th delivery
are published to ``hub.<hub_id>.deadletter.<route name>`` with the reason and terminated; other
failures are nak'ed with the next delay of ``HUB_EVENTS_HANDLER_BACKOFF_S`` (the same list is
the consumer's ``backoff``, which the server applies when a worker dies holding a message; when
the server gives up on such a message it sends a max-deliveries advisory, which dead-letters it
too). A dead letter's id is derived from the consumer and stream sequence: stored once.
Routing rules hold here as in the bridge: another hub's event reaches a handler only if imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import nats
from nats.aio.msg import Msg
from nats.js import api
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from app.core.errors import InvalidInput, NotFound
from app.events.models import Event
from app.events.service import BridgeContext, EventService, HandlerRouter, Route, decode, route_allowed

log = logging.getLogger(__name__)
FETCH_BATCH = 16
POISON = (InvalidInput, NotFound, ValidationError)
MAX_DEADLETTER_PAYLOAD = 16 * 1024


def consumer_name(hub_id: str, route: Route) -> str:
    return f"handler-{hub_id}-{route.name}"


def deadletter_subject(hub_id: str, route: Route) -> str:
    return f"hub.{hub_id}.deadletter.{route.name}"


class DurableHandlers:
    """Runs every route of ``router`` as a durable consumer until ``stop``."""

    def __init__(self, ctx: BridgeContext, router: HandlerRouter) -> None:
        self.ctx = ctx
        self.router = router
        self.settings = ctx.settings
        self.events: EventService = ctx.events
        self.handled = 0
        self.dropped = 0
        self.deadlettered = 0
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = asyncio.Event()  # set once every consumer exists and is being pulled
        self._bound = 0

    def start(self) -> None:
        for route in self.router.routes:
            self._tasks.append(asyncio.create_task(self._run(route), name=f"handler-{route.name}"))
        self._tasks.append(asyncio.create_task(self._advisories(), name="handler-advisories"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    def accepts(self, event: Event) -> bool:
        hub = event.subject.split(".")[1]
        local = hub == self.settings.hub_id and event.origin.hub_id == self.settings.hub_id
        return local or route_allowed(event.subject, self.events.import_rules)

    def consumer_config(self, route: Route) -> api.ConsumerConfig:
        s = self.settings
        return api.ConsumerConfig(
            durable_name=consumer_name(s.hub_id, route),
            description=f"hub worker handler {route.name}",
            filter_subject=route.pattern.replace("{hub_id}", s.hub_id),
            deliver_policy=api.DeliverPolicy.NEW,
            ack_policy=api.AckPolicy.EXPLICIT,
            max_deliver=s.events_handler_max_deliver,
            backoff=list(s.events_handler_backoff_s),
            max_ack_pending=256,
        )

    async def _ensure(self, route: Route) -> Any:
        _, js = self.events._client()
        config = self.consumer_config(route)
        assert config.durable_name is not None
        try:
            info = await js.consumer_info(self.settings.events_stream, config.durable_name)
        except NotFoundError:
            await js.add_consumer(self.settings.events_stream, config=config)
        else:
            changed = (list(info.config.backoff or []), info.config.max_deliver) != (
                config.backoff,
                config.max_deliver,
            )
            if changed:  # settings changed: nats-server updates these fields of an existing durable
                with contextlib.suppress(Exception):
                    await js.add_consumer(self.settings.events_stream, config=config)
        return await js.pull_subscribe_bind(durable=config.durable_name, stream=self.settings.events_stream)

    async def _bind(self, route: Route) -> Any:
        """The route's pull subscription, once NATS is up and the consumer exists; waited for with
        a growing pause (0.25 s up to 5 s) while the stream or the connection is not there yet."""

        def not_ready(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.info("handler %s: consumer not ready (%s); retrying", route.name, type(error).__name__)

        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.25, max=5.0),
            retry=retry_if_exception_type(Exception),
            before_sleep=not_ready,
        ):
            with attempt:
                await self.events.ready.wait()
                return await self._ensure(route)
        raise AssertionError("unreachable: tenacity retries until it succeeds")  # pragma: no cover

    async def _run(self, route: Route) -> None:
        """Pull and handle forever; a lost connection or a removed consumer is waited out."""
        while True:
            sub = await self._bind(route)
            self._bound += 1
            if self._bound >= len(self.router.routes):
                self.ready.set()
            try:
                while True:
                    try:
                        msgs = await sub.fetch(FETCH_BATCH, timeout=5.0)
                    except nats.errors.TimeoutError:
                        continue
                    for msg in msgs:
                        await self.handle(route, msg)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.info("handler %s: pull interrupted (%s); rebinding", route.name, type(error).__name__)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    async def _advisories(self) -> None:
        """Messages the server stopped redelivering on its own (ack timeouts used up every
        delivery: a worker died holding them) are dead-lettered from the server's advisory."""
        await self.events.ready.wait()
        nc = self.events.nc
        assert nc is not None
        routes = {consumer_name(self.settings.hub_id, route): route for route in self.router.routes}
        prefix = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.settings.events_stream}"

        async def on_advisory(msg: Msg) -> None:
            try:
                advisory = json.loads(msg.data)
                route = routes.get(advisory.get("consumer"))
                if route is None:
                    return
                seq = int(advisory["stream_seq"])
                deliveries = int(advisory.get("deliveries", 0))
                reason = "no ack within the backoff (the handling worker stopped or hung)"
                for stored in await self.events.get([seq]):
                    await self._publish_deadletter(
                        route, stored.subject, seq, deliveries, msg=None, event=stored, reason=reason
                    )
            except Exception as error:
                log.warning("max-deliveries advisory not handled: %s", error)

        sub = await nc.subscribe(f"{prefix}.*", cb=on_advisory)  # this hub's consumers: see routes
        try:
            await asyncio.Event().wait()
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def handle(self, route: Route, msg: Msg) -> None:
        event = decode(msg.data)
        if event is None:
            await self._deadletter(route, msg, None, "not an event envelope")
            return
        if not self.accepts(event):
            self.dropped += 1
            await msg.ack()
            return
        try:
            await route.handler(event, self.ctx)
        except POISON as error:
            await self._deadletter(route, msg, event, f"rejected: {_reason(error)}")
            return
        except Exception as error:
            deliveries = msg.metadata.num_delivered
            if deliveries >= self.settings.events_handler_max_deliver:
                await self._deadletter(route, msg, event, f"failed {deliveries} times: {_reason(error)}")
                return
            backoff = self.settings.events_handler_backoff_s
            wait = backoff[min(deliveries - 1, len(backoff) - 1)]
            log.warning("handler %s failed on %s (delivery %d); retry in %gs: %s",
                        route.name, event.id, deliveries, wait, _reason(error))  # fmt: skip
            await msg.nak(delay=wait)
            return
        self.handled += 1
        await msg.ack_sync(timeout=5.0)

    async def _deadletter(self, route: Route, msg: Msg, event: Event | None, reason: str) -> None:
        """Publish what failed and why, then terminate the message (never redelivered again). If
        the dead letter cannot be stored the message is nak'ed instead: nothing is lost."""
        meta = msg.metadata
        try:
            await self._publish_deadletter(route, msg.subject, meta.sequence.stream, meta.num_delivered,
                                           msg=msg, event=event, reason=reason)  # fmt: skip
        except Exception as error:
            log.error("dead letter for %s not stored (%s); redelivering", route.name, error)
            await msg.nak(delay=self.settings.events_handler_backoff_s[0])
            return
        await msg.term()

    async def _publish_deadletter(
        self, route: Route, subject: str, seq: int, deliveries: int, *, msg: Msg | None, event: Event | None,
        reason: str,
    ) -> None:  # fmt: skip
        consumer = consumer_name(self.settings.hub_id, route)
        raw = (
            msg.data if msg is not None else (event.model_dump_json().encode() if event is not None else b"")
        )
        data = {
            "handler": route.name,
            "consumer": consumer,
            "subject": subject,
            "event_id": event.id if event is not None else None,
            "stream_seq": seq,
            "deliveries": deliveries,
            "reason": reason[:2000],
            "payload": raw[:MAX_DEADLETTER_PAYLOAD].decode(errors="replace"),
        }
        fields: dict[str, Any] = {"id": f"deadletter-{consumer}-{seq}"}  # stored once per message
        if event is not None:
            fields |= {"correlationid": event.correlationid, "causationid": event.id}
        await self.events.publish(
            self.events.event(deadletter_subject(self.settings.hub_id, route), data, **fields)
        )
        self.deadlettered += 1
        log.warning("handler %s: message %s dead-lettered: %s", route.name, seq, reason)


def _reason(error: BaseException) -> str:
    if isinstance(error, InvalidInput | NotFound):
        return error.message
    return f"{type(error).__name__}: {error}"
