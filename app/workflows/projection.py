"""The Neo4j projection of the workflow state, kept off the steps' path.

The KV buckets are the record; the graph (`(:WorkflowExecution)-[:OF]->(:Workflow)`,
`-[:RAN]->(:WorkflowStep)`, `-[:PRODUCED]->(:Audit)`) is a view of them. Writing it inside each
step made every step wait for a Neo4j transaction, and a hundred executions' steps MERGEing
relationships onto the same few `(:WorkflowStep)` nodes at once deadlocked and were retried
about a second later. Instead the worker follows the buckets' own streams (`KV_WF_EXECUTIONS`,
`KV_WF_RESULTS`) with durable consumers and writes what arrived in one UNWIND per batch.
Durable and idempotent: a batch is acked after its write, so a worker killed mid-write leaves
it to be redelivered; any number of workers share the consumers; the newest execution revision
wins over an older one written late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError
from neo4j import AsyncDriver

from app.config import Settings
from app.workflows import service
from app.workflows.models import Execution, StepResult

log = logging.getLogger(__name__)
BATCH = 500
EXECUTIONS_CONSUMER = "wf-projector-executions"
RESULTS_CONSUMER = "wf-projector-results"

Write = Callable[[list[Msg]], Awaitable[None]]


class Projector:
    def __init__(self, *, settings: Settings, driver: AsyncDriver, store: service.WorkflowStore) -> None:
        self.settings = settings
        self.driver = driver
        self.store = store

    async def run(self) -> None:
        await asyncio.gather(
            self._follow(service.EXECUTIONS_BUCKET, EXECUTIONS_CONSUMER, self._executions),
            self._follow(service.RESULTS_BUCKET, RESULTS_CONSUMER, self._results),
        )

    async def _follow(self, bucket: str, durable: str, write: Write) -> None:
        js: JetStreamContext = self.store.js
        stream = f"KV_{bucket}"
        try:
            await js.consumer_info(stream, durable)
        except NotFoundError:
            config = api.ConsumerConfig(
                durable_name=durable,
                deliver_policy=api.DeliverPolicy.ALL,  # a first start projects what is already there
                ack_policy=api.AckPolicy.EXPLICIT,
                ack_wait=30,
                max_ack_pending=20_000,
            )
            await js.add_consumer(stream, config=config)
        sub = await js.pull_subscribe_bind(durable=durable, stream=stream)
        while True:
            try:  # fetch(1) returns the moment something arrives; then take what else is there
                msgs = await sub.fetch(1, timeout=5.0)
            except TimeoutError:
                continue
            except Exception as error:
                log.warning("workflow projection: fetch failed: %s", error)
                await asyncio.sleep(1.0)
                continue
            with contextlib.suppress(TimeoutError):
                msgs += await sub.fetch(BATCH - 1, timeout=0.02)
            try:
                await write(msgs)
            except Exception as error:  # Neo4j away: the batch comes back
                log.warning("workflow projection: %d changes not written yet: %s", len(msgs), error)
                for msg in msgs:
                    with contextlib.suppress(Exception):
                        await msg.nak(delay=2.0)
                continue
            for msg in msgs:
                with contextlib.suppress(Exception):
                    await msg.ack()

    async def _executions(self, msgs: list[Msg]) -> None:
        rows = []
        for msg in msgs:
            if _deleted(msg):
                continue
            try:
                execution = Execution.model_validate_json(msg.data)
            except ValueError as error:  # nothing to project; acked with the batch
                log.warning("workflow projection: skipping a bad execution record: %s", error)
                continue
            rows.append(service.execution_row(execution, msg.metadata.sequence.stream))
        if rows:
            await service.project_executions(driver=self.driver, settings=self.settings, rows=rows)

    async def _results(self, msgs: list[Msg]) -> None:
        rows = []
        for msg in msgs:
            if _deleted(msg):
                continue
            try:
                result = StepResult.model_validate_json(msg.data)
            except ValueError as error:
                log.warning("workflow projection: skipping a bad step result: %s", error)
                continue
            workflow = result.workflow or (await self.store.get_execution(result.execution_id)).workflow
            rows.append(service.result_row(workflow, result))
        if rows:
            await service.project_results(driver=self.driver, settings=self.settings, rows=rows)


def _deleted(msg: Msg) -> bool:
    """A KV delete or purge marker (no value to project)."""
    headers: dict[str, Any] = msg.headers or {}
    return headers.get("KV-Operation") in ("DEL", "PURGE")
