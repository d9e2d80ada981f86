"""Workflow work that spans domains: applying a definition (agents must exist), running one, the
worker process, and starting workflows whose trigger matches an event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import nats
from neo4j import AsyncDriver
from redis.asyncio import Redis

import app.agents.service as agents
from app.config import Settings
from app.events.service import EventService, subject_matches
from app.workflows import definitions, service
from app.workflows.engine import Engine, Worker
from app.workflows.models import TERMINAL, Execution, ExecutionView, WorkflowDef
from app.workflows.projection import Projector
from app.workflows.service import WorkflowStore

log = logging.getLogger(__name__)


async def _quiet(_: Exception) -> None:
    """nats-py prints reconnect failures with a traceback unless given a callback."""


class WorkflowRuntime:
    """One process's handles on the workflow state: NATS (KV + queue), Neo4j, the event service."""

    def __init__(self, settings: Settings, driver: AsyncDriver, *, name: str = "workflows") -> None:
        self.settings = settings
        self.driver = driver
        self.name = name
        self.nc: Any = None
        self.events = EventService(settings, service=name)
        self.engine: Engine | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> Engine:
        async with self._lock:
            if self.engine is None:
                self.nc = await nats.connect(
                    self.settings.nats_server_url,
                    name=f"{self.name}@{self.settings.hub_id}",
                    connect_timeout=2,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.25,
                    error_cb=_quiet,
                )
                await self.events.connect()
                store = await WorkflowStore.open(self.nc.jetstream(timeout=10), self.settings)
                self.engine = Engine(
                    settings=self.settings, driver=self.driver, events=self.events, store=store, nc=self.nc
                )
        return self.engine

    async def close(self) -> None:
        await self.events.close()
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.drain()
        self.engine = None


async def apply_workflow(runtime: WorkflowRuntime, document: Any) -> WorkflowDef:
    """Validate everything first (schema, agents, cycles, CEL), then store: an invalid document
    changes nothing. The KV definition is the record; the graph is its projection."""
    known = await agents.agent_names(driver=runtime.driver, settings=runtime.settings)
    workflow = definitions.parse(document, known_agents=known)
    engine = await runtime.connect()
    await agents.ensure_builtin_agents(driver=runtime.driver, settings=runtime.settings)
    await engine.store.put_definition(workflow)
    await service.project_definition(driver=runtime.driver, settings=runtime.settings, workflow=workflow)
    return workflow


async def run_workflow(
    runtime: WorkflowRuntime,
    name: str,
    *,
    event: dict[str, Any] | None = None,
    correlation_id: str | None = None,
) -> Execution:
    engine = await runtime.connect()
    return await engine.start(name, event=event, correlation_id=correlation_id)


async def wait_for(
    runtime: WorkflowRuntime, execution_id: str, *, timeout_s: float = 3600.0, poll_s: float = 0.05
) -> ExecutionView:
    """The execution once it has settled (polls the KV state)."""
    engine = await runtime.connect()
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        view = await engine.store.view(execution_id)
        if view.execution.status in TERMINAL or asyncio.get_running_loop().time() > deadline:
            return view
        await asyncio.sleep(poll_s)


async def run_worker(settings: Settings, driver: AsyncDriver, *, concurrency: int | None = None) -> None:
    """``hub workflow worker``: serve step tasks until cancelled."""
    runtime = WorkflowRuntime(settings, driver, name="workflow-worker")
    engine = await runtime.connect()
    await agents.ensure_builtin_agents(driver=driver, settings=settings)
    worker = Worker(engine, concurrency=concurrency or settings.workflow_concurrency)
    projector = Projector(settings=settings, driver=driver, store=engine.store)
    redis = Redis.from_url(settings.redis_server_url)
    negotiation = await agents.serve_negotiation(driver=driver, settings=settings, nc=runtime.nc, redis=redis)
    background = [
        asyncio.create_task(follow_triggers(runtime), name="workflow-triggers"),
        asyncio.create_task(projector.run(), name="workflow-projection"),
    ]
    try:
        await worker.run()
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        for subscription in negotiation:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        await redis.aclose()
        await runtime.close()


class AuditRunner:
    """Answers triggerAudit (``hub.<id>.audit.requested``, read by the trigger consumer): runs the
    agent with the audit's capability and completes the Audit. Audits left pending while no
    worker ran (or by a worker killed mid-audit) are picked up at start."""

    def __init__(self, runtime: WorkflowRuntime, *, parallel: int = 4) -> None:
        self.runtime = runtime
        self.gate = asyncio.Semaphore(parallel)
        self.running: set[asyncio.Task[None]] = set()

    def spawn(self, audit_id: str, kind: str, target_id: str) -> None:
        task = asyncio.create_task(self._fulfil(audit_id, kind, target_id))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    def on_event(self, data: Any) -> None:
        if isinstance(data, dict) and all(
            isinstance(data.get(k), str) for k in ("auditId", "kind", "targetId")
        ):
            self.spawn(data["auditId"], data["kind"], data["targetId"])
        else:
            log.warning("ignoring a malformed audit request")

    async def sweep(self) -> None:
        settings, driver = self.runtime.settings, self.runtime.driver
        for audit in await agents.pending_audits(driver=driver, settings=settings):
            if audit["kind"] and audit["targetId"]:
                self.spawn(audit["id"], audit["kind"], audit["targetId"])

    async def _fulfil(self, audit_id: str, kind: str, target_id: str) -> None:
        async with self.gate:
            try:
                await agents.fulfil_audit(
                    driver=self.runtime.driver,
                    settings=self.runtime.settings,
                    nc=self.runtime.nc,
                    audit_id=audit_id,
                    kind=kind,
                    target_id=target_id,
                )
            except Exception as error:
                log.warning("audit %s not completed: %s", audit_id, error)


TRIGGER_CONSUMER = "wf-triggers"


async def follow_triggers(runtime: WorkflowRuntime) -> None:
    """Start the workflows whose trigger matches each new event on the hub's stream. One durable
    consumer shared by every worker: each event is handled by one of them, and the execution id
    is derived from (event id, workflow), so a redelivered event starts nothing twice."""
    from nats.js import api
    from nats.js.errors import NotFoundError

    from app.events.service import decode

    engine = await runtime.connect()
    js = engine.store.js
    stream = runtime.settings.events_stream
    try:
        await js.consumer_info(stream, TRIGGER_CONSUMER)
    except NotFoundError:
        config = api.ConsumerConfig(
            durable_name=TRIGGER_CONSUMER,
            deliver_policy=api.DeliverPolicy.NEW,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=30,
            max_deliver=5,
        )
        await js.add_consumer(stream, config=config)
    sub = await js.pull_subscribe_bind(durable=TRIGGER_CONSUMER, stream=stream)
    audits = AuditRunner(runtime)
    await audits.sweep()
    audit_subject = f"hub.{runtime.settings.hub_id}.audit.requested"
    while True:
        try:
            msgs = await sub.fetch(100, timeout=1.0)
        except TimeoutError:
            continue
        except Exception as error:
            log.warning("reading trigger events failed: %s", error)
            await asyncio.sleep(1.0)
            continue
        for msg in msgs:
            event = decode(msg.data)
            if event is not None and event.subject == audit_subject:
                audits.on_event(event.data)
            if event is not None and ".workflow." not in event.subject:
                try:
                    await start_triggered(
                        runtime,
                        subject=event.subject,
                        event=event.model_dump(mode="json"),
                        correlation_id=event.correlationid,
                        event_id=event.id,
                    )
                except Exception as error:  # a bad trigger never blocks the others
                    log.warning("triggering workflows on %s failed: %s", event.subject, error)
            await msg.ack()


async def start_triggered(
    runtime: WorkflowRuntime,
    *,
    subject: str,
    event: dict[str, Any],
    correlation_id: str | None,
    event_id: str | None = None,
) -> list[Execution]:
    """Start every workflow whose trigger matches the event (and its CEL condition holds)."""
    engine = await runtime.connect()
    started = []
    for workflow in await engine.store.list_definitions():
        trigger = workflow.trigger
        if trigger is None or not subject_matches(trigger.event, subject):
            continue
        if trigger.condition:
            try:
                if not definitions.evaluate_condition(
                    trigger.condition, {"event": event, "context": workflow.context}
                ):
                    continue
            except ValueError as error:
                log.warning("trigger condition of %s failed on %s: %s", workflow.name, subject, error)
                continue
        execution_id = service.stable_id("trigger", event_id, workflow.name) if event_id else None
        started.append(
            await engine.start(
                workflow.name, event=event, correlation_id=correlation_id, execution_id=execution_id
            )
        )
    return started


def log_entry(event: Any) -> dict[str, Any]:
    data = event.data if isinstance(event.data, dict) else {}
    return {
        "id": event.id,
        "time": event.time.isoformat(),
        "executionId": data.get("executionId"),
        "stepId": data.get("stepId"),
        "level": data.get("level", "info"),
        "message": data.get("message", ""),
        "status": data.get("status"),
    }


async def execution_logs(runtime: WorkflowRuntime, execution_id: str) -> list[dict[str, Any]]:
    """The stored log events of one execution (by its correlation id), oldest first."""
    from app.events.service import EventQuery

    engine = await runtime.connect()
    execution = await engine.store.get_execution(execution_id)
    query = EventQuery(
        subject=f"hub.{runtime.settings.hub_id}.workflow.log",
        correlation_id=execution.correlation_id,
        limit=10_000,
    )
    page = await runtime.events.query(query, driver=runtime.driver)
    return [
        log_entry(event)
        for event in page.events
        if isinstance(event.data, dict) and event.data.get("executionId") == execution_id
    ]


async def follow_logs(runtime: WorkflowRuntime, execution_id: str) -> Any:
    """Stored log entries, then live ones, until the execution has settled (an async iterator)."""
    engine = await runtime.connect()
    live = await runtime.events.subscribe(f"hub.{runtime.settings.hub_id}.workflow.log")
    seen: set[str] = set()
    try:
        for entry in await execution_logs(runtime, execution_id):
            seen.add(entry["id"])
            yield entry
        if (await engine.store.get_execution(execution_id)).status in TERMINAL:
            return
        while True:
            try:
                event = await asyncio.wait_for(live.__anext__(), timeout=2.0)
            except TimeoutError:
                if (await engine.store.get_execution(execution_id)).status in TERMINAL:
                    return
                continue
            entry = log_entry(event)
            if entry["executionId"] != execution_id or entry["id"] in seen:
                continue
            seen.add(entry["id"])
            yield entry
            if entry["stepId"] is None and entry["status"] in {s.value for s in TERMINAL}:
                return
    finally:
        await live.aclose()
