"""Publishing, following, replaying and querying events on the JetStream stream capturing ``hub.>``.

JetStream is the log of record. The event id is sent as ``Nats-Msg-Id``, so a publish retried
inside the stream's duplicate window is stored once (the ack then says ``duplicate``). The Neo4j
``(:Event)`` projection (``app.events.projection``) only speeds up correlation lookups; it holds
ids, subjects, times and stream sequences, and the events themselves are always read from the
stream.

Connections: ``EventService.start`` connects in the background and keeps reconnecting, so the API
serves graph reads while NATS is down; publishing then fails fast with 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError
from neo4j import AsyncDriver
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, wait_exponential

from app import __version__
from app.config import Settings
from app.core.cypher import query as named_query
from app.core.errors import DependencyUnavailable, InvalidInput, LimitExceeded
from app.core.nats import HOOKS_INBOX_PREFIX, quiet_nats_error
from app.core.values import plain_value
from app.events.correlation import correlation_id as current_correlation
from app.events.correlation import traceparent as current_traceparent

# Event data models other domains validate with (re-exported: domains meet through service).
from app.events.models import CodePushedData as CodePushedData
from app.events.models import (
    Event,
    EventPage,
    EventQuery,
    Origin,
    PublishAck,
    PublishRequest,
    StoredEvent,
    check_event_data,
    check_pattern,
    check_subject,
    default_type,
    new_event_id,
    subject_matches,
    visible_to,
)
from app.events.models import check_repo_path as check_repo_path

log = logging.getLogger(__name__)
MSG_ID = "Nats-Msg-Id"
PUBLISH_TIMEOUT_S = 5.0
FETCH_BATCH = 1000


class PayloadTooLarge(LimitExceeded):
    http_status = 413


def projection_consumer(settings: Settings) -> str:
    return f"projection-{settings.hub_id}"


def expand_rules(patterns: Iterable[str], hub_id: str) -> list[str]:
    return [check_pattern(pattern.replace("{hub_id}", hub_id)) for pattern in patterns]


def route_allowed(subject: str, rules: Sequence[str]) -> bool:
    return any(subject_matches(rule, subject) for rule in rules)


def _log_retry(what: str) -> Callable[[RetryCallState], None]:
    """tenacity's ``before_sleep``: one info line per failed attempt, no traceback."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.info("%s (%s); retrying in %.1fs", what, type(error).__name__, delay)

    return before_sleep


def decode(data: bytes, *, seq: int | None = None) -> StoredEvent | None:
    """An event from its stored bytes; None for anything that is not a valid envelope (someone
    may publish raw bytes on ``hub.>`` with a plain NATS client: readers skip it)."""
    try:
        event = StoredEvent.model_validate_json(data)
    except ValidationError:
        return None
    event.seq = seq
    return event


class LiveSubscription:
    """An async iterator of live events; ``aclose`` unsubscribes."""

    def __init__(self, max_pending: int, projects: frozenset[str] | None = None) -> None:
        self.queue: asyncio.Queue[Msg] = asyncio.Queue(maxsize=max_pending)
        self.projects = projects  # a project-limited caller sees only its projects' events
        self.sub: Any = None
        self.dropped = 0

    async def deliver(self, msg: Msg) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(msg)

    def __aiter__(self) -> LiveSubscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            event = decode((await self.queue.get()).data)
            if event is not None and visible_to(event, self.projects):
                return event

    async def aclose(self) -> None:
        if self.sub is not None:
            with contextlib.suppress(Exception):
                await self.sub.unsubscribe()
            self.sub = None


class EventService:
    """The hub's connection to the event log. One per process, created at the boundary."""

    def __init__(self, settings: Settings, *, service: str = "hub-api", as_hook: bool = False) -> None:
        self.settings = settings
        self.service = service
        # The git hooks' connection: the NATS user that may only publish code.pushed (and so
        # neither reads nor configures the stream; it only publishes and awaits the ack).
        self.as_hook = as_hook
        self.nc: NatsClient | None = None
        self.js: JetStreamContext | None = None
        self.ready = asyncio.Event()
        self._connector: asyncio.Task[None] | None = None
        self.export_rules = expand_rules(settings.events_export_subjects, settings.hub_id)
        self.import_rules = expand_rules(settings.events_import_subjects, settings.hub_id)
        self._origins: dict[tuple[str, str | None], Origin] = {}

    # --- connection -------------------------------------------------------------------------
    async def connect(self) -> None:
        """One attempt: connect (with automatic reconnects afterwards) and ensure the stream."""
        hook = self.as_hook
        nc = await nats.connect(
            self.settings.nats_hooks_server_url if hook else self.settings.nats_server_url,
            inbox_prefix=HOOKS_INBOX_PREFIX if hook else "_INBOX",
            name=f"{self.service}@{self.settings.hub_id}",
            error_cb=quiet_nats_error,
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.25,
            pending_size=64 * 1024 * 1024,
        )
        try:
            js = nc.jetstream(timeout=PUBLISH_TIMEOUT_S, publish_async_max_pending=8000)
            if not hook:
                await self._ensure_stream(js)
        except Exception:
            await nc.close()
            raise
        self.nc, self.js = nc, js
        self.ready.set()

    def start(self) -> None:
        """Connect in the background, retrying until it works; never blocks the caller."""
        if self._connector is None or self._connector.done():
            self._connector = asyncio.create_task(self._connect_forever(), name="nats-connect")

    async def _connect_forever(self) -> None:
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.25, max=5.0), before_sleep=_log_retry("NATS not reachable yet")
        ):
            with attempt:
                if not self.ready.is_set():
                    await self.connect()

    async def wait_ready(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self.ready.wait(), timeout)
        except TimeoutError:
            raise DependencyUnavailable("NATS is not reachable", hint="run `hub up`") from None

    async def close(self) -> None:
        if self._connector is not None:
            self._connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connector
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.drain()
            with contextlib.suppress(Exception):
                await self.nc.close()
        self.nc = self.js = None
        self.ready.clear()

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    def _client(self) -> tuple[NatsClient, JetStreamContext]:
        if self.nc is None or self.js is None or not self.nc.is_connected:
            raise DependencyUnavailable("NATS is not connected", hint="check `hub status`; retrying")
        return self.nc, self.js

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        s = self.settings
        config = api.StreamConfig(
            name=s.events_stream,
            description="CommandCenter Hub events (log of record)",
            subjects=["hub.>"],
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            max_age=s.events_max_age_s,
            max_bytes=s.events_max_bytes,
            max_msgs=s.events_max_msgs,
            max_msg_size=s.events_max_payload_bytes + 4096,
            duplicate_window=s.events_duplicate_window_s,
            allow_direct=True,
        )
        try:
            await js.stream_info(s.events_stream)
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)

    # --- building and publishing ------------------------------------------------------------
    def build(self, request: PublishRequest, *, service: str | None = None) -> Event:
        """The envelope for a client's request: hub-owned fields filled in, routing checked.

        Every input is already validated (the request by PublishRequest, the context variables by
        the correlation middleware, the hub id by Settings), so the envelope is assembled without
        a second validation pass: this is the hot path of publishing."""
        subject = check_subject(request.subject)
        self.check_outgoing(subject)
        check_event_data(subject, request.data)
        name = service or self.service
        return Event.model_construct(
            specversion="1.0",
            id=request.id or new_event_id(),
            source=f"/hubs/{self.settings.hub_id}/{name}",
            type=request.type or default_type(subject),
            subject=subject,
            time=datetime.now(UTC),
            datacontenttype="application/json",
            origin=self._origin(name, request.user),
            correlationid=request.correlationid or current_correlation.get() or new_event_id(),
            causationid=request.causationid,
            traceparent=current_traceparent.get(),
            data=request.data,
        )

    def _origin(self, service: str, user: str | None) -> Origin:
        key = (service, user)
        origin = self._origins.get(key)
        if origin is None:
            origin = Origin(hub_id=self.settings.hub_id, service=service, user=user)
            if len(self._origins) < 1024:
                self._origins[key] = origin
        return origin

    def event(self, subject: str, data: Any = None, **fields: Any) -> Event:
        """Shorthand for the hub's own code: ``events.event("hub.local.project.created", {...})``."""
        return self.build(PublishRequest(subject=subject, data=data, **fields))

    def check_outgoing(self, subject: str) -> None:
        """A hub speaks for itself: it publishes its own ``hub.<id>.…`` subjects, and global ones
        only where the export rules allow."""
        hub = subject.split(".")[1]
        if hub == self.settings.hub_id:
            return
        if hub == "global" and route_allowed(subject, self.export_rules):
            return
        raise InvalidInput(
            f"this hub ({self.settings.hub_id}) may not publish on {subject!r}",
            hint="publish under hub.<this hub id>.…, or add the subject to HUB_EVENTS_EXPORT_SUBJECTS",
        )

    def encode(self, event: Event) -> bytes:
        payload = event.model_dump_json(exclude_none=True).encode()
        if len(payload) > self.settings.events_max_payload_bytes:
            raise PayloadTooLarge(
                f"event is {len(payload)} bytes; the limit is {self.settings.events_max_payload_bytes}",
                hint="store large content elsewhere and send a reference",
            )
        return payload

    async def publish(self, event: Event) -> PublishAck:
        """Store one event; returns once JetStream has acknowledged it."""
        payload = self.encode(event)
        _, js = self._client()
        try:
            ack = await js.publish(
                event.subject, payload, timeout=PUBLISH_TIMEOUT_S, headers={MSG_ID: event.id}
            )
        except (
            nats.errors.TimeoutError,
            nats.errors.ConnectionClosedError,
            nats.errors.NoRespondersError,
        ) as error:
            raise DependencyUnavailable(f"JetStream did not acknowledge: {type(error).__name__}") from None
        return PublishAck(
            id=event.id,
            subject=event.subject,
            seq=ack.seq,
            duplicate=bool(ack.duplicate),
            correlationid=event.correlationid,
        )

    async def publish_many(self, events: Sequence[Event], *, partial: bool = False) -> list[PublishAck]:
        """Pipelined publishing (``publish_async``): many in flight, each acknowledged durably.

        By default any failure raises. With ``partial`` the acknowledged ones are returned and
        the rest are left out (retry them with the same ids: the stream stores each once)."""
        payloads = [self.encode(event) for event in events]
        _, js = self._client()
        futures: list[asyncio.Future[api.PubAck]] = []
        try:
            for event, payload in zip(events, payloads, strict=True):
                futures.append(
                    # No wait_stall: with a timeout nats-py wraps every message's window slot in
                    # a task, which yields to the flusher and costs one send() per message.
                    await js.publish_async(event.subject, payload, headers={MSG_ID: event.id})
                )
        except Exception as error:
            if not partial:
                for future in futures:
                    future.cancel()
                raise DependencyUnavailable(f"publishing failed: {type(error).__name__}") from None
        if futures:
            _, pending = await asyncio.wait(futures, timeout=PUBLISH_TIMEOUT_S * 2)
            for future in pending:
                future.cancel()  # releases its slot in the client's in-flight window
        acks: list[PublishAck] = []
        for event, future in zip(events, futures, strict=False):
            if future.cancelled() or future.exception() is not None:
                if partial:
                    continue
                raise DependencyUnavailable("JetStream did not acknowledge every event") from None
            ack = future.result()
            acks.append(
                PublishAck.model_construct(  # every field comes from a validated event or ack
                    id=event.id,
                    subject=event.subject,
                    seq=ack.seq,
                    duplicate=bool(ack.duplicate),
                    correlationid=event.correlationid,
                )
            )
        return acks

    # --- following live ---------------------------------------------------------------------
    async def subscribe(
        self, pattern: str, *, max_pending: int = 10_000, projects: frozenset[str] | None = None
    ) -> LiveSubscription:
        """Live events on a subject pattern (core NATS: lowest latency, nothing replayed). The
        subscription is registered before this returns, so nothing published after is missed.
        A subscriber that falls ``max_pending`` behind loses the oldest messages, not the hub.
        With ``projects`` (a project-limited caller) only those projects' events come through."""
        check_pattern(pattern)
        nc, _ = self._client()
        live = LiveSubscription(max_pending, projects)
        live.sub = await nc.subscribe(pattern, cb=live.deliver)
        return live

    # --- reading the stream -----------------------------------------------------------------
    async def replay(
        self,
        pattern: str = "hub.>",
        *,
        since: datetime | None = None,
        after_seq: int | None = None,
        follow: bool = False,
        up_to_seq: int | None = None,
    ) -> AsyncIterator[StoredEvent]:
        """Stored events in stream order from a time or after a sequence (an ephemeral consumer);
        with ``follow`` it goes on with new events as they are stored."""
        check_pattern(pattern)
        _, js = self._client()
        config = api.ConsumerConfig(
            # No filter for "everything": nats-server 2.9's filtered pending count can miss the
            # newest messages after an unclean restart, and the replay stops on that count.
            filter_subject=None if pattern == "hub.>" else pattern,
            ack_policy=api.AckPolicy.NONE,
            inactive_threshold=30.0,
            mem_storage=True,
            max_waiting=16,
        )
        if after_seq is not None:
            config.deliver_policy = api.DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = after_seq + 1
        elif since is not None:
            config.deliver_policy = api.DeliverPolicy.BY_START_TIME
            config.opt_start_time = since.astimezone(UTC)
        else:
            config.deliver_policy = api.DeliverPolicy.ALL
        info = await js._jsm.add_consumer(self.settings.events_stream, config=config)
        sub = await js.pull_subscribe_bind(durable=info.name, stream=self.settings.events_stream)
        # The consumer's pending count at creation can lag on a server that has just restarted;
        # a known last sequence keeps the loop going until it is reached.
        # A message's own num_pending is authoritative; one short look confirms an empty start.
        pending = info.num_pending
        probe = pending == 0 and up_to_seq is not None and up_to_seq > (after_seq or 0)
        try:
            while follow or pending > 0 or probe:
                try:
                    msgs = await sub.fetch(FETCH_BATCH, timeout=0.3 if probe else 1.0 if follow else 5.0)
                except nats.errors.TimeoutError:
                    if follow:
                        continue
                    if probe:
                        break
                    raise
                probe = False
                for msg in msgs:
                    pending = msg.metadata.num_pending
                    event = decode(msg.data, seq=msg.metadata.sequence.stream)
                    if event is not None:
                        yield event
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            with contextlib.suppress(Exception):
                await js._jsm.delete_consumer(self.settings.events_stream, info.name)

    async def get(self, seqs: Sequence[int]) -> list[StoredEvent]:
        """Events by stream sequence (direct gets, concurrently); gaps (deleted by limits) skipped."""
        _, js = self._client()

        async def one(seq: int) -> StoredEvent | None:
            try:
                raw = await js._jsm.get_msg(self.settings.events_stream, seq, direct=True)
            except NotFoundError:
                return None
            return decode(raw.data or b"", seq=seq)

        found = await asyncio.gather(*(one(seq) for seq in seqs))
        return [event for event in found if event is not None]

    async def projection_watermark(self) -> int:
        """The last stream sequence the Neo4j projection has stored (0 if none)."""
        _, js = self._client()
        try:
            info = await js.consumer_info(self.settings.events_stream, projection_consumer(self.settings))
        except NotFoundError:
            return 0
        return int(info.ack_floor.stream_seq) if info.ack_floor else 0

    async def last_seq(self) -> int:
        _, js = self._client()
        info = await js.stream_info(self.settings.events_stream)
        return int(info.state.last_seq)

    async def query(
        self, q: EventQuery, *, driver: AsyncDriver | None = None, projects: frozenset[str] | None = None
    ) -> EventPage:
        """Events matching a subject pattern, time range and correlation id, oldest first, with a
        cursor. A correlation id with a driver uses the projection up to its watermark and reads
        the rest of the stream, so an event is found the moment it is acknowledged. With
        ``projects`` (a project-limited caller) only those projects' events are returned, skipped
        while scanning so a page is still filled up to its limit."""
        if q.correlation_id and driver is not None:
            return await self._query_by_correlation(q, driver, projects)
        return await self._scan(q, after_seq=q.cursor, projects=projects)

    async def _scan(
        self,
        q: EventQuery,
        *,
        after_seq: int | None,
        up_to_seq: int | None = None,
        found: list[StoredEvent] | None = None,
        pattern: str | None = None,
        projects: frozenset[str] | None = None,
    ) -> EventPage:
        events = found if found is not None else []
        stop = await self.last_seq() if up_to_seq is None else up_to_seq
        last: int | None = after_seq
        more = False
        since = q.since if after_seq is None else None
        async for event in self.replay(q.subject, since=since, after_seq=after_seq, up_to_seq=stop):
            assert event.seq is not None
            if event.seq > stop:
                break
            if q.until is not None and event.time > q.until:
                break
            last = event.seq
            if q.since is not None and event.time < q.since:
                continue
            if q.correlation_id and event.correlationid != q.correlation_id:
                continue
            if pattern is not None and not subject_matches(pattern, event.subject):
                continue
            if not visible_to(event, projects):
                continue
            if len(events) >= q.limit:
                more = True
                break
            events.append(event)
        if len(events) >= q.limit and not more:
            more = (last or 0) < stop
        next_cursor = events[-1].seq if more and events else None
        return EventPage(events=events, next_cursor=next_cursor, source="stream")

    async def _query_by_correlation(
        self, q: EventQuery, driver: AsyncDriver, projects: frozenset[str] | None
    ) -> EventPage:
        watermark, last = await asyncio.gather(self.projection_watermark(), self.last_seq())
        after = q.cursor or 0
        events: list[StoredEvent] = []
        if after < watermark:
            records, _, _ = await driver.execute_query(
                named_query("events/seqs_by_correlation"),
                correlationId=q.correlation_id,
                after=after,
                upTo=watermark,
                since=q.since,
                until=q.until,
                limit=q.limit + 1,
                database_=self.settings.neo4j_database,
                routing_="r",
            )
            seqs = [int(record["seq"]) for record in records]
            more = len(seqs) > q.limit
            hits = [
                e
                for e in await self.get(seqs[: q.limit])
                if subject_matches(q.subject, e.subject) and visible_to(e, projects)
            ]
            if more:
                return EventPage(events=hits, next_cursor=seqs[q.limit - 1], source="projection")
            events.extend(hits)
        if max(after, watermark) >= last:  # the projection is complete: no stream scan needed
            return EventPage(events=events, next_cursor=None, source="projection")
        # The tail the projection has not stored yet, read from the stream itself.
        page = await self._scan(
            q.model_copy(update={"subject": "hub.>"}),  # unfiltered (see replay); matched below
            after_seq=max(after, watermark),
            up_to_seq=last,
            found=events,
            pattern=q.subject,
            projects=projects,
        )
        page.source = "projection"
        return page


def projection_row(data: bytes, seq: int) -> dict[str, Any] | None:
    """The projected fields of a stored event, read without a full validation (the projection
    keeps up with the stream); anything that is not an envelope is skipped."""
    try:
        raw = json.loads(data)
        row = {
            "id": raw["id"],
            "subject": raw["subject"],
            "type": raw.get("type"),
            "time": raw["time"],
            "correlationId": raw.get("correlationid"),
            "causationId": raw.get("causationid"),
            "hubId": (raw.get("origin") or {}).get("hub_id"),
            "seq": seq,
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return row if isinstance(row["id"], str) and isinstance(row["time"], str) else None


async def project_rows(driver: AsyncDriver, rows: Sequence[dict[str, Any]], *, database: str) -> int:
    """Write a batch to the Neo4j projection (idempotent: MERGE on id; ``time`` as ISO text)."""
    if not rows:
        return 0
    await driver.execute_query(named_query("events/project"), rows=list(rows), database_=database)
    return len(rows)


def hub_version() -> str:
    return __version__


MAX_RPC_ROWS = 1000


async def run_named_read(
    driver: AsyncDriver,
    *,
    name: str,
    params: dict[str, Any],
    database: str,
    timeout_s: float,
    max_rows: int = MAX_RPC_ROWS,
) -> dict[str, Any]:
    """A named query from ``cypher/`` in a READ transaction (Neo4j refuses writes there), bounded
    in rows and time; what JSON-RPC ``graph.query`` runs."""
    from neo4j import unit_of_work
    from neo4j.exceptions import ClientError

    text = named_query(name)

    @unit_of_work(timeout=timeout_s)
    async def work(tx: Any) -> tuple[list[dict[str, Any]], bool]:
        result = await tx.run(text, params)
        rows: list[dict[str, Any]] = []
        async for record in result:
            if len(rows) >= max_rows:
                return rows, True
            rows.append(plain_value(record.data()))
        return rows, False

    try:
        async with driver.session(database=database, default_access_mode="READ") as session:
            rows, truncated = await session.execute_read(work)
    except ClientError as error:  # bad parameters, or a write attempted in the read transaction
        raise InvalidInput(f"{name}: {error.message or error.code}") from None
    return {"rows": rows, "truncated": truncated}


# -- what other domains plug into the worker's event handlers -----------------------------------
# The events domain knows no other domain: federation, graph and later ones keep their handlers
# in a HandlerRouter each (their handlers.py), and app/worker.py assembles them.
@dataclass
class BridgeContext:
    """What a NATS handler gets: the process's settings, events, driver and arq pool."""

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
    """Handlers by subject pattern, collected with ``@router.on(pattern, name=...)``; the worker
    runs each route as a durable consumer (``app.events.consumers``), so a name is for good:
    renaming a route starts a new consumer from new events."""

    def __init__(self, *included: HandlerRouter) -> None:
        self.routes: list[Route] = []
        for other in included:
            for route in other.routes:
                self._add(route)

    def _add(self, route: Route) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", route.name):
            raise ValueError(f"handler name {route.name!r}: lower-case letters, digits and '-'")
        if any(existing.name == route.name for existing in self.routes):
            raise ValueError(f"two handlers named {route.name!r}")
        self.routes.append(route)

    def on(self, pattern: str, *, name: str | None = None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._add(Route(pattern, handler, name or handler.__name__.removeprefix("on_").replace("_", "-")))
            return handler

        return register

    def patterns(self, hub_id: str) -> list[str]:
        return sorted({route.pattern.replace("{hub_id}", hub_id) for route in self.routes})

    def matching(self, subject: str, hub_id: str) -> list[Handler]:
        return [
            r.handler for r in self.routes if subject_matches(r.pattern.replace("{hub_id}", hub_id), subject)
        ]
