"""kill -9 of nats-server in the middle of a stream of publishes, then a restart: every event
whose publish JetStream acknowledged is stored exactly once (retries reuse the event id)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter

from app.config import Settings
from app.events.service import EventService
from app.runtime.services import LocalNats


async def test_acknowledged_events_survive_kill_9_exactly_once(settings: Settings) -> None:
    events = EventService(settings, service="fault-test")
    await events.connect()
    run = "k" + uuid.uuid4().hex[:8]
    batch = [events.event(f"hub.local.{run}.tick", {"i": i}) for i in range(6000)]
    acked: dict[str, int] = {}
    failed_rounds = 0
    nats_server = LocalNats(settings, settings.nats_port)

    async def publisher() -> None:
        nonlocal failed_rounds
        for start in range(0, len(batch), 100):
            chunk = batch[start : start + 100]
            try:
                acks = await events.publish_many(chunk, partial=True)
            except Exception:
                acks = []
            for ack in acks:
                acked[ack.id] = ack.seq
            if len(acks) < len(chunk):
                failed_rounds += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(publisher())
    while len(acked) < 1500:
        await asyncio.sleep(0.01)
    await asyncio.to_thread(nats_server.process.kill)
    killed_at = len(acked)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(nats_server.start)
    await asyncio.to_thread(nats_server.wait_ready, time.monotonic() + 30)
    await task
    assert killed_at < len(batch), "the kill happened after the stream had ended"
    assert failed_rounds > 0, "no publish failed: the kill did not hit the stream"

    # Retry what was not acknowledged, with the same ids, until everything is.
    deadline = time.monotonic() + 60
    while len(acked) < len(batch):
        assert time.monotonic() < deadline, f"only {len(acked)} of {len(batch)} acknowledged"
        missing = [event for event in batch if event.id not in acked]
        try:
            for ack in await events.publish_many(missing[:500], partial=True):
                acked[ack.id] = ack.seq
        except Exception:
            await asyncio.sleep(0.5)

    stored = Counter([e.id async for e in events.replay(f"hub.local.{run}.tick")])
    assert set(stored) == {event.id for event in batch}
    assert max(stored.values()) == 1, [i for i, n in stored.items() if n > 1][:5]
    await events.close()
