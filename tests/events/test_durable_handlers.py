"""The worker's handlers as JetStream durable consumers: routing rules, acks, redelivery with
backoff, dead letters (real nats-server; the handlers are small test functions)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter

import pytest
from neo4j import AsyncDriver

from app.config import Settings
from app.core.errors import InvalidInput
from app.events.consumers import DurableHandlers
from app.events.models import Event, EventQuery, Origin, PublishRequest
from app.events.service import BridgeContext, EventService, HandlerRouter


def foreign(subject: str, hub: str = "east") -> Event:
    return Event(source=f"/hubs/{hub}/hub", type="t", subject=subject, origin=Origin(hub_id=hub))


async def until(predicate, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def dead_letters(events: EventService, name: str) -> list[Event]:
    page = await events.query(EventQuery(subject=f"hub.local.deadletter.{name}", limit=100))
    return list(page.events)


async def test_import_rules_filter_other_hubs_and_handlers_run(
    settings: Settings, async_driver: AsyncDriver
) -> None:
    ruled = settings.model_copy(
        update={
            "events_import_subjects": ["hub.global.>", "hub.*.audit.*"],
            "events_export_subjects": ["hub.{hub_id}.>"],
        }
    )
    events = EventService(ruled)
    await events.connect()
    seen: list[str] = []
    router = HandlerRouter()
    tag = uuid.uuid4().hex[:6]

    @router.on("hub.*.audit.*", name=f"audit-{tag}")
    async def on_audit(event: Event, _: object) -> None:
        seen.append(event.subject)

    @router.on("hub.*.secret.*", name=f"secret-{tag}")
    async def on_secret(event: Event, _: object) -> None:
        seen.append(event.subject)

    handlers = DurableHandlers(BridgeContext(settings=ruled, events=events, driver=async_driver), router)
    assert handlers.accepts(foreign("hub.east.audit.created"))
    assert not handlers.accepts(foreign("hub.east.secret.leaked"))
    assert handlers.accepts(foreign("hub.global.presence"))
    assert not handlers.accepts(foreign("hub.local.secret.leaked", hub="east"))  # claims to be us: refused
    handlers.start()
    try:
        await asyncio.wait_for(handlers.ready.wait(), 10)
        other = EventService(settings.model_copy(update={"hub_id": "east"}))
        await other.connect()
        await other.publish(other.event("hub.east.audit.created", {}))
        await other.publish(other.event("hub.east.secret.leaked", {}))
        await events.publish(events.event("hub.local.secret.kept", {}))
        await until(lambda: len(seen) >= 2 and handlers.dropped >= 1)
        await asyncio.sleep(0.3)
        assert sorted(seen) == ["hub.east.audit.created", "hub.local.secret.kept"]
        await other.close()
    finally:
        await handlers.stop()
        await events.close()

    with pytest.raises(InvalidInput, match="may not publish"):
        events.build(PublishRequest(subject="hub.global.insights"))  # not exported by these rules


async def test_failures_are_redelivered_with_backoff_then_dead_lettered(
    settings: Settings, async_driver: AsyncDriver
) -> None:
    quick = settings.model_copy(
        update={"events_handler_backoff_s": [0.3, 0.6], "events_handler_max_deliver": 3}
    )
    events = EventService(quick, service="durable-test")
    await events.connect()
    tag = uuid.uuid4().hex[:6]
    flaky, failing, poison = f"flaky-{tag}", f"failing-{tag}", f"poison-{tag}"
    deliveries: Counter[str] = Counter()
    times: dict[str, list[float]] = {}
    router = HandlerRouter()

    def note(event: Event) -> None:
        deliveries[event.subject] += 1
        times.setdefault(event.subject, []).append(asyncio.get_running_loop().time())

    @router.on(f"hub.local.{flaky}.*", name=flaky)
    async def on_flaky(event: Event, _: object) -> None:
        note(event)
        if deliveries[event.subject] < 2:
            raise ConnectionError("neo4j went away")  # transient: retried

    @router.on(f"hub.local.{failing}.*", name=failing)
    async def on_failing(event: Event, _: object) -> None:
        note(event)
        raise RuntimeError("always broken")

    @router.on(f"hub.local.{poison}.*", name=poison)
    async def on_poison(event: Event, _: object) -> None:
        note(event)
        raise InvalidInput("repo is not a repository of this hub")  # redelivery cannot help

    handlers = DurableHandlers(BridgeContext(settings=quick, events=events, driver=async_driver), router)
    handlers.start()
    try:
        await asyncio.wait_for(handlers.ready.wait(), 10)
        for topic in (flaky, failing, poison):
            await events.publish(events.event(f"hub.local.{topic}.happened", {"n": 1}, correlationid=tag))
        js = events.js
        assert js is not None
        await js.publish(f"hub.local.{poison}.raw", b"not json at all")  # no envelope: a poison message
        await until(lambda: handlers.deadlettered >= 3 and deliveries[f"hub.local.{flaky}.happened"] >= 2)
        await asyncio.sleep(1.5)  # time for any (wrong) further redelivery

        # Transient: handled on the second delivery, after the first backoff step; no dead letter.
        flaky_times = times[f"hub.local.{flaky}.happened"]
        assert len(flaky_times) == 2 and flaky_times[1] - flaky_times[0] >= 0.25
        assert await dead_letters(events, flaky) == []
        # Always failing: max_deliver deliveries, spaced by the backoff list, then one dead letter.
        failing_times = times[f"hub.local.{failing}.happened"]
        assert len(failing_times) == 3
        assert failing_times[1] - failing_times[0] >= 0.25 and failing_times[2] - failing_times[1] >= 0.5
        (letter,) = await dead_letters(events, failing)
        assert letter.data["deliveries"] == 3 and "always broken" in letter.data["reason"]
        assert letter.correlationid == tag and letter.data["subject"] == f"hub.local.{failing}.happened"
        # Poison: one delivery, dead-lettered at once with the handler's reason; raw bytes too.
        assert deliveries[f"hub.local.{poison}.happened"] == 1
        letters = {e.data["subject"]: e.data for e in await dead_letters(events, poison)}
        assert "not a repository" in letters[f"hub.local.{poison}.happened"]["reason"]
        assert letters[f"hub.local.{poison}.raw"]["reason"] == "not an event envelope"
        assert letters[f"hub.local.{poison}.raw"]["payload"] == "not json at all"
        # Nothing is left pending on any of the consumers.
        for name in (flaky, failing, poison):
            info = await js.consumer_info(quick.events_stream, f"handler-local-{name}")
            assert info.num_pending == 0 and info.num_ack_pending == 0, (name, info)
            assert info.config.backoff == [0.3, 0.6] and info.config.max_deliver == 3
    finally:
        await handlers.stop()
        await events.close()


async def test_a_message_whose_worker_never_acks_is_dead_lettered_from_the_advisory(
    settings: Settings, async_driver: AsyncDriver
) -> None:
    """A handler that hangs (a worker that died holding the message): the server redelivers after
    each backoff step, gives up after max_deliver, and its advisory produces the dead letter."""
    quick = settings.model_copy(
        update={"events_handler_backoff_s": [0.3, 0.3], "events_handler_max_deliver": 3}
    )
    events = EventService(quick, service="advisory-test")
    await events.connect()
    tag = uuid.uuid4().hex[:6]
    name = f"hung-{tag}"
    router = HandlerRouter()

    @router.on(f"hub.local.{name}.*", name=name)
    async def on_hung(event: Event, _: object) -> None:
        await asyncio.Event().wait()  # never returns, never acks

    handlers = DurableHandlers(BridgeContext(settings=quick, events=events, driver=async_driver), router)
    handlers.start()
    try:
        await asyncio.wait_for(handlers.ready.wait(), 10)
        await asyncio.sleep(0.3)  # the advisory subscription follows the consumers
        ack = await events.publish(events.event(f"hub.local.{name}.happened", {}, correlationid=tag))
        js = events.js
        assert js is not None
        # Another puller on the same durable stands in for the restarted workers that also hang.
        other = await js.pull_subscribe_bind(durable=f"handler-local-{name}", stream=quick.events_stream)
        deliveries = 1  # the first went to the hung handler
        deadline = asyncio.get_running_loop().time() + 20
        letters: list[Event] = []
        while not letters:
            assert asyncio.get_running_loop().time() < deadline, "no dead letter"
            with contextlib.suppress(TimeoutError):
                deliveries += len(await other.fetch(1, timeout=0.5))
            with contextlib.suppress(TimeoutError):  # a stream read timing out on a loaded machine
                letters = await dead_letters(events, name)
        (letter,) = letters
        assert deliveries == 3
        assert letter.causationid == ack.id and letter.correlationid == tag
        assert "no ack" in letter.data["reason"] and letter.data["deliveries"] == 3
        await other.unsubscribe()
    finally:
        await handlers.stop()
        await events.close()
