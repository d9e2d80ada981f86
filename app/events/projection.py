"""Keeping the Neo4j ``(:Event)`` projection in step with the stream, and rebuilding it.

A durable pull consumer (``projection-<hub_id>``, ack-all) feeds batches to ``project``; a batch
is acknowledged only after Neo4j has committed it, so a crash replays it (MERGE makes that
harmless). Its ack floor is the projection's watermark, which queries use to read the rest from
the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.js import api
from nats.js.errors import NotFoundError
from neo4j import AsyncDriver
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_fixed

from app.core.cypher import query as named_query
from app.events.service import EventService, project_rows, projection_consumer, projection_row

log = logging.getLogger(__name__)
BATCH = 5000


class Projector:
    def __init__(self, events: EventService, driver: AsyncDriver) -> None:
        self.events = events
        self.driver = driver
        self.database = events.settings.neo4j_database
        self._task: asyncio.Task[None] | None = None
        self.projected = 0

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="event-projection")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        # NATS or Neo4j away: wait a second and resume from the ack floor (cancellation, a
        # BaseException, is not retried).
        async for attempt in AsyncRetrying(
            wait=wait_fixed(1.0), retry=retry_if_exception_type(Exception), before_sleep=_paused
        ):
            with attempt:
                await self.events.ready.wait()
                await self._consume()

    async def _consume(self) -> None:
        _, js = self.events._client()
        name = projection_consumer(self.events.settings)
        config = api.ConsumerConfig(
            durable_name=name,
            ack_policy=api.AckPolicy.ALL,
            ack_wait=60.0,
            max_ack_pending=-1,
            deliver_policy=api.DeliverPolicy.ALL,
            filter_subject="hub.>",
        )
        sub = await js.pull_subscribe(
            "hub.>", durable=name, stream=self.events.settings.events_stream, config=config
        )
        try:
            while True:
                try:
                    msgs = await sub.fetch(BATCH, timeout=1.0)
                except nats.errors.TimeoutError:
                    continue
                rows = [
                    row
                    for row in (projection_row(msg.data, msg.metadata.sequence.stream) for msg in msgs)
                    if row
                ]
                await project_rows(self.driver, rows, database=self.database)
                await msgs[-1].ack()  # ack-all: everything up to here is in Neo4j
                self.projected += len(rows)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()


def _paused(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.info("event projection paused: %s: %s", type(error).__name__, error)


async def rebuild(events: EventService, driver: AsyncDriver, *, projector: Projector | None = None) -> int:
    """Drop the projection and its consumer; the projector then rebuilds it from the stream's
    first message. Returns the number of ``(:Event)`` nodes removed."""
    if projector is not None:
        await projector.stop()
    _, js = events._client()
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(events.settings.events_stream, projection_consumer(events.settings))
    removed = 0
    while True:
        records, _, _ = await driver.execute_query(
            named_query("events/delete_batch"), batch=10_000, database_=events.settings.neo4j_database
        )
        deleted = int(records[0]["deleted"])
        removed += deleted
        if deleted == 0:
            break
    if projector is not None:
        projector.start()
    return removed
