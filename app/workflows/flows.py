"""Workflow work that spans domains: applying a definition (agents must exist), running one, the
worker process, and starting workflows whose trigger matches an event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import nats
from neo4j import AsyncDriver

import app.agents.service as agents
from app.config import Settings
from app.events.models import subject_matches
from app.events.service import EventService
from app.workflows import definitions, service
from app.workflows.engine import Engine, Worker
from app.workflows.models import TERMINAL, Execution, ExecutionView, WorkflowDef
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
    try:
        await worker.run()
    finally:
        await runtime.close()


async def start_triggered(
    runtime: WorkflowRuntime, *, subject: str, event: dict[str, Any], correlation_id: str | None
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
        started.append(await engine.start(workflow.name, event=event, correlation_id=correlation_id))
    return started
