"""EventService on the real JetStream: publish, dedupe, query by subject/time/correlation, replay."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from neo4j import AsyncDriver

from app.config import Settings
from app.core.errors import InvalidInput
from app.events.models import EventQuery, PublishRequest, subject_matches
from app.events.projection import Projector, rebuild
from app.events.service import EventService, PayloadTooLarge


@pytest.fixture
async def events(settings: Settings) -> AsyncIterator[EventService]:
    service = EventService(settings, service="tests")
    await service.connect()
    yield service
    await service.close()


def unique_domain() -> str:
    return "t" + uuid.uuid4().hex[:10]


async def test_publish_query_by_subject_and_time_and_replay(events: EventService) -> None:
    domain = unique_domain()
    before = datetime.now(UTC)
    first = [events.event(f"hub.local.{domain}.created", {"n": i}) for i in range(3)]
    await events.publish_many(first)
    await asyncio.sleep(0.05)
    middle = datetime.now(UTC)
    await asyncio.sleep(0.05)
    second = [events.event(f"hub.local.{domain}.deleted", {"n": i}) for i in range(2)]
    for event in second:
        await events.publish(event)

    everything = await events.query(EventQuery(subject=f"hub.*.{domain}.>", since=before))
    assert [e.id for e in everything.events] == [e.id for e in first + second]
    assert everything.next_cursor is None

    created = await events.query(EventQuery(subject=f"hub.local.{domain}.created", since=before))
    assert [e.data["n"] for e in created.events] == [0, 1, 2]

    late = await events.query(EventQuery(subject=f"hub.local.{domain}.*", since=middle))
    assert [e.id for e in late.events] == [e.id for e in second]
    early = await events.query(EventQuery(subject=f"hub.local.{domain}.*", since=before, until=middle))
    assert [e.id for e in early.events] == [e.id for e in first]

    # cursors: two pages of 3 + 2
    page1 = await events.query(EventQuery(subject=f"hub.local.{domain}.*", since=before, limit=3))
    assert len(page1.events) == 3 and page1.next_cursor == page1.events[-1].seq
    page2 = await events.query(EventQuery(subject=f"hub.local.{domain}.*", limit=3, cursor=page1.next_cursor))
    assert [e.id for e in page2.events] == [e.id for e in second] and page2.next_cursor is None

    replayed = [e.id async for e in events.replay(f"hub.local.{domain}.deleted", since=before)]
    assert replayed == [e.id for e in second]


async def test_duplicate_publish_is_stored_once(events: EventService) -> None:
    domain = unique_domain()
    event = events.event(f"hub.local.{domain}.created", {"x": 1})
    first = await events.publish(event)
    again = await events.publish(event)
    assert not first.duplicate and again.duplicate and again.seq == first.seq
    batch = await events.publish_many([event, event])
    assert all(ack.duplicate for ack in batch)
    page = await events.query(EventQuery(subject=f"hub.local.{domain}.>"))
    assert [e.id for e in page.events] == [event.id]


async def test_bad_events_are_refused_with_reasons(events: EventService, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="wildcards"):
        events.build(PublishRequest(subject="hub.local.*.created"))
    with pytest.raises(InvalidInput, match="too short"):
        events.build(PublishRequest(subject="hub.local.created"))
    with pytest.raises(InvalidInput, match="may not publish"):
        events.build(PublishRequest(subject="hub.otherhub.project.created"))
    big = events.event("hub.local.blob.created", {"x": "a" * (settings.events_max_payload_bytes + 1)})
    with pytest.raises(PayloadTooLarge):
        await events.publish(big)


async def test_live_subscription_sees_new_events(events: EventService) -> None:
    domain = unique_domain()
    stream = await events.subscribe(f"hub.local.{domain}.*")
    receiver = asyncio.ensure_future(stream.__anext__())
    event = events.event(f"hub.local.{domain}.created", {"live": True})
    await events.publish(event)
    received = await asyncio.wait_for(receiver, 5)
    assert received.id == event.id
    await stream.aclose()


async def test_correlation_query_uses_projection_and_stream_tail(
    events: EventService, async_driver: AsyncDriver, settings: Settings
) -> None:
    domain = unique_domain()
    correlation = uuid.uuid4().hex
    mine = [events.event(f"hub.local.{domain}.step", {"i": i}, correlationid=correlation) for i in range(4)]
    others = [events.event(f"hub.local.{domain}.step", {"i": i}) for i in range(4)]
    await events.publish_many([x for pair in zip(mine, others, strict=True) for x in pair])

    # Before any projection: read straight from the stream (read-your-writes).
    page = await events.query(EventQuery(correlation_id=correlation), driver=async_driver)
    assert [e.id for e in page.events] == [e.id for e in mine]

    projector = Projector(events, async_driver)
    projector.start()
    try:
        last = await events.last_seq()
        deadline = asyncio.get_running_loop().time() + 30
        while await events.projection_watermark() < last:
            assert asyncio.get_running_loop().time() < deadline, "projection did not catch up"
            await asyncio.sleep(0.2)
        more = events.event(f"hub.local.{domain}.step", {"i": 99}, correlationid=correlation)
        await events.publish(more)
        page = await events.query(EventQuery(correlation_id=correlation), driver=async_driver)
        assert page.source == "projection"
        assert [e.id for e in page.events] == [e.id for e in [*mine, more]]
        paged = await events.query(EventQuery(correlation_id=correlation, limit=2), driver=async_driver)
        assert [e.id for e in paged.events] == [e.id for e in mine[:2]] and paged.next_cursor
        records, _, _ = await async_driver.execute_query(
            "MATCH (e:Event {correlationId: $c}) RETURN count(e) AS n", c=correlation
        )
        assert records[0]["n"] >= 4

        removed = await rebuild(events, async_driver, projector=projector)
        assert removed >= 4
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            records, _, _ = await async_driver.execute_query(
                "MATCH (e:Event {correlationId: $c}) RETURN count(e) AS n", c=correlation
            )
            if records[0]["n"] == 5:
                break
            assert asyncio.get_running_loop().time() < deadline, "projection was not rebuilt"
            await asyncio.sleep(0.2)
    finally:
        await projector.stop()


def test_subject_matching_follows_nats_semantics() -> None:
    assert subject_matches("hub.*.audit.*", "hub.local.audit.created")
    assert not subject_matches("hub.*.audit.*", "hub.local.audit.created.extra")
    assert subject_matches("hub.>", "hub.local.audit.created.extra")
    assert not subject_matches("hub.local.>", "hub.local")
    assert subject_matches("hub.global.metrics.*", "hub.global.metrics.east")


def test_query_window_helpers() -> None:
    q = EventQuery(since=datetime.now(UTC) - timedelta(hours=1))
    assert q.subject == "hub.>" and q.limit == 100
