"""The workflow worker (``hub workflow worker``): takes step tasks from the JetStream work queue,
runs them on their agents and advances the execution. Run as many as you like, anywhere.

Why it survives SIGKILL: a task is acknowledged only after its result is recorded (create-only
KV put) and the next steps are queued; until then JetStream redelivers it after ``ack_wait``.
A redelivered task whose result already exists is not run again: the worker only repeats the
idempotent tail (queueing the next steps, the log line, settling the execution), which is what a
kill between recording and acknowledging left undone. A long step keeps its task with
in-progress heartbeats. Errors are retried with the step's backoff (a delayed NAK), a step's
``timeout`` bounds each attempt, and a cancelled execution stops its running steps at the next
heartbeat and runs no new ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.errors import KeyWrongLastSequenceError
from neo4j import AsyncDriver

import app.agents.service as agents
from app.agents.service import AgentRequest, AgentResult, Outcome
from app.config import Settings
from app.events.service import EventService
from app.workflows import service
from app.workflows.definitions import evaluate_condition, ready_steps
from app.workflows.models import (
    TERMINAL,
    Execution,
    ExecutionStatus,
    OnFail,
    StepDef,
    StepResult,
    StepStatus,
    StepTask,
)
from app.workflows.service import WORKER_CONSUMER, WorkflowStore, now_iso
from ingest.ids import stable_id

log = logging.getLogger(__name__)
TASK_STREAM = service.TASK_STREAM


def step_view(results: dict[str, StepResult]) -> dict[str, Any]:
    """Earlier steps' results as conditions and agents see them: ``steps.<id>.status|output``."""
    return {k: {"status": r.status.value, "output": r.output, "error": r.error} for k, r in results.items()}


def blocked_by(step: StepDef, execution: Execution, results: dict[str, StepResult]) -> str | None:
    """The dependency that stops this step: one that failed with on_fail=block, or was skipped
    or cancelled (its dependents skip too, as in GitHub Actions)."""
    for dep in step.needs:
        result = results.get(dep)
        if result is None:
            continue
        if result.status in (StepStatus.SKIPPED, StepStatus.CANCELLED):
            return dep
        if result.status == StepStatus.FAILED and execution.definition.step(dep).on_fail == OnFail.BLOCK:
            return dep
    return None


def outcome(execution: Execution, results: dict[str, StepResult]) -> tuple[ExecutionStatus, list[str]]:
    """The final status once every step is recorded: failed when a blocking step failed."""
    warnings: list[str] = []
    failed = False
    for step in execution.definition.steps:
        result = results[step.id]
        if result.status != StepStatus.FAILED:
            continue
        if step.on_fail == OnFail.BLOCK:
            failed = True
        elif step.on_fail == OnFail.WARN:
            warnings.append(f"step {step.id} failed: {result.error or 'failed'}")
    return (ExecutionStatus.FAILED if failed else ExecutionStatus.SUCCEEDED), warnings


class Engine:
    """Shared by the worker loop and the API (starting, cancelling): all state is in ``store``."""

    def __init__(
        self,
        *,
        settings: Settings,
        driver: AsyncDriver,
        events: EventService,
        store: WorkflowStore,
        nc: NatsClient,
    ) -> None:
        self.settings = settings
        self.driver = driver
        self.events = events
        self.store = store
        self.nc = nc

    # --- logs ---------------------------------------------------------------------------------
    async def log(
        self,
        execution: Execution,
        message: str,
        *,
        step: str | None = None,
        level: str = "info",
        key: str | None = None,
        durable: bool = False,
        **data: Any,
    ) -> None:
        """An event on ``hub.<id>.workflow.log`` with the execution's correlation id. ``key``
        makes it idempotent (a repeated tail after a crash logs the same event id: stored once).
        Only ``durable`` lines wait for JetStream's ack: the others must not add a round trip to
        every step (the stream still stores them, once per id)."""
        await self._log(execution, message, step=step, level=level, key=key, durable=durable, **data)

    async def _log(
        self,
        execution: Execution,
        message: str,
        *,
        step: str | None = None,
        level: str = "info",
        key: str | None = None,
        durable: bool = False,
        **data: Any,
    ) -> None:
        event_id = f"wf-{execution.id}-{step or 'run'}-{key}" if key else None
        event = self.events.event(
            f"hub.{self.settings.hub_id}.workflow.log",
            {
                "executionId": execution.id,
                "workflow": execution.workflow,
                "stepId": step,
                "level": level,
                "message": message,
                **data,
            },
            correlationid=execution.correlation_id,
            **({"id": event_id[:128]} if event_id else {}),
        )
        try:
            if durable:
                await self.events.publish(event)
            else:
                await self.nc.publish(
                    event.subject, self.events.encode(event), headers={"Nats-Msg-Id": event.id}
                )
        except Exception as error:  # logs never stop the work
            log.warning("workflow log not published: %s", error)

    # --- starting and cancelling --------------------------------------------------------------
    async def start(
        self,
        workflow_name: str,
        *,
        event: dict[str, Any] | None = None,
        correlation_id: str | None = None,
        execution_id: str | None = None,
    ) -> Execution:
        """Create the execution and queue its first steps. With ``execution_id`` (a trigger's
        stable id) a second start of the same execution returns the first one."""
        workflow = await self.store.get_definition(workflow_name)
        execution = service.new_execution(workflow, event=event or {}, correlation_id=correlation_id)
        if execution_id is not None:
            execution.id = execution_id
            execution.correlation_id = correlation_id or execution_id
        try:
            await self.store.create_execution(execution)
        except KeyWrongLastSequenceError:
            execution = await self.store.get_execution(execution.id)
        # The KV state is the record (the projector writes the graph from it): queue at once.
        await self.store.enqueue(execution, ready_steps(execution.definition, set()))
        await self.log(execution, f"execution of {workflow.name} started", key="started")
        return execution

    async def cancel(self, execution_id: str) -> Execution:
        execution, changed = await self.store.settle(execution_id, ExecutionStatus.CANCELLED)
        if changed:
            await self.log(execution, "execution cancelled", level="warning", key="cancelled", durable=True)
        return execution

    # --- one task -----------------------------------------------------------------------------
    async def handle(self, msg: Msg) -> None:
        received = now_iso()
        # Reset the ack timer at once (a publish, no round trip): on a loaded machine reading the
        # state before the agent's own heartbeats start can take a while, and a redelivery
        # meanwhile would run the step twice (allowed: at least once, but wasteful).
        with contextlib.suppress(Exception):
            await msg.in_progress()
        try:
            task = StepTask.model_validate_json(msg.data)
            if task.step_ids:  # the execution and its results in one round trip
                execution, results = await asyncio.gather(
                    self.store.get_execution(task.execution_id),
                    self.store.results_for(task.execution_id, task.step_ids),
                )
            else:
                execution = await self.store.get_execution(task.execution_id)
                results = await self.store.results_of(execution)
            step = execution.definition.step(task.step_id)
        except Exception as error:  # a poison task: terminated, not redelivered forever
            log.warning("dropping bad workflow task: %s", error)
            await msg.term()
            return
        existing = results.get(step.id)  # recorded before a crash: only the tail is repeated
        if existing is None:
            recorded = await self._run_step(msg, execution, step, results, received=received)
            if recorded is None:
                return  # NAKed for a retry: the task comes back after the backoff
            existing = recorded
        results = {**results, existing.step_id: existing}
        await self._after_record(execution, existing, results)
        await msg.ack()

    async def _run_step(
        self,
        msg: Msg,
        execution: Execution,
        step: StepDef,
        results: dict[str, StepResult],
        *,
        received: str,
    ) -> StepResult | None:
        started = now_iso()
        attempts = int(msg.metadata.num_delivered or 1)

        def settled(status: StepStatus, error: str | None = None, **extra: Any) -> StepResult:
            return StepResult(
                execution_id=execution.id,
                step_id=step.id,
                workflow=execution.workflow,
                status=status,
                attempts=attempts,
                started_at=started,
                ended_at=now_iso(),
                error=error,
                received_at=received,
                **extra,
            )

        if execution.status in TERMINAL:
            return await self._record(execution, settled(StepStatus.CANCELLED, "execution already settled"))
        dependency = blocked_by(step, execution, results)
        if dependency is not None:
            return await self._record(execution, settled(StepStatus.SKIPPED, f"blocked by {dependency}"))
        if step.condition:
            activation = {
                "event": execution.event,
                "context": execution.definition.context,
                "steps": step_view(results),
            }
            try:
                go = evaluate_condition(step.condition, activation)
            except ValueError as error:
                return await self._record(execution, settled(StepStatus.FAILED, f"condition: {error}"))
            if not go:
                return await self._record(execution, settled(StepStatus.SKIPPED, "condition is false"))
        self._fault("before_run", step.id)
        await self.log(
            execution,
            f"step {step.id} started on {step.agent} (attempt {attempts})",
            step=step.id,
            key=f"start-{attempts}",
        )
        request = AgentRequest(
            agent=step.agent,
            params=step.with_,
            event=execution.event,
            context=execution.definition.context,
            steps=step_view(results),
            execution_id=execution.id,
            step_id=step.id,
            correlation_id=execution.correlation_id,
        )
        timeout_s = step.timeout or self.settings.workflow_default_timeout_s
        agent_started = time.perf_counter()
        result, cancelled = await self._invoke_with_heartbeat(msg, execution, request, timeout_s)
        agent_ms = (time.perf_counter() - agent_started) * 1000
        if cancelled:
            return await self._record(execution, settled(StepStatus.CANCELLED, "execution cancelled"))
        if result.status == Outcome.ERROR and attempts <= step.retry.limit:
            delay = step.retry.delay(attempts)
            await self.log(
                execution,
                f"step {step.id} attempt {attempts} failed: {result.summary}; retrying in {delay:.1f}s",
                step=step.id,
                level="warning",
                key=f"retry-{attempts}",
            )
            await msg.nak(delay=delay)
            return None
        audit_id = None
        if result.target_id and result.status != Outcome.ERROR:
            audit_id = await agents.record_audit(
                driver=self.driver,
                settings=self.settings,
                audit_id=stable_id("audit", execution.id, step.id),
                agent=step.agent,
                result=result,
            )
        status = StepStatus.PASSED if result.status == Outcome.PASSED else StepStatus.FAILED
        output = {**result.output, "summary": result.summary, "findings": len(result.findings)}
        error = None if status == StepStatus.PASSED else result.summary
        return await self._record(
            execution, settled(status, error, output=output, audit_id=audit_id, agent_ms=round(agent_ms, 3))
        )

    async def _invoke_with_heartbeat(
        self, msg: Msg, execution: Execution, request: AgentRequest, timeout_s: float
    ) -> tuple[AgentResult, bool]:
        """The agent's result, telling JetStream the task is in progress meanwhile; stops the agent
        when the execution is cancelled (returns ``cancelled=True``)."""
        work = asyncio.create_task(
            agents.invoke(
                driver=self.driver, settings=self.settings, nc=self.nc, request=request, timeout_s=timeout_s
            )
        )
        interval = max(0.5, self.settings.workflow_ack_wait_s / 3)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                done, _ = await asyncio.wait(
                    {work}, timeout=min(interval, max(0.0, deadline - time.monotonic()))
                )
                if done:
                    try:
                        return work.result(), False
                    except Exception as error:
                        return AgentResult(
                            status=Outcome.ERROR, summary=f"{type(error).__name__}: {error}"
                        ), False
                if time.monotonic() >= deadline:
                    work.cancel()
                    return AgentResult(status=Outcome.ERROR, summary=f"timed out after {timeout_s:g}s"), False
                with contextlib.suppress(Exception):
                    await msg.in_progress()
                current = await self.store.get_execution(execution.id)
                if current.status == ExecutionStatus.CANCELLED:
                    work.cancel()
                    return AgentResult(status=Outcome.ERROR, summary="cancelled"), True
        finally:
            if not work.done():
                work.cancel()
                with contextlib.suppress(BaseException):
                    await work

    async def _record(self, execution: Execution, result: StepResult) -> StepResult:
        self._fault("before_record", result.step_id)
        stored, _ = await self.store.record_result(result)
        self._fault("after_record", result.step_id)
        return stored

    async def _after_record(
        self, execution: Execution, result: StepResult, results: dict[str, StepResult]
    ) -> None:
        """The idempotent tail: queue what is ready, then log, and settle when every step is
        recorded (the graph follows from the KV state: ``projection.py``). ``results`` are
        those read with the task plus this one; a dependent that also waits on a step not among
        them (a fan-in) has that result read again, since a sibling may have been recorded
        meanwhile by another worker."""
        definition = execution.definition
        dependents = [s for s in definition.steps if result.step_id in s.needs and s.id not in results]
        unknown = sorted({need for s in dependents for need in s.needs if need not in results})
        if len(results) < len(definition.steps) and (unknown or not dependents):
            # Without dependents this may be the last step to settle: the others may have been
            # recorded since the task was read.
            missing = [s.id for s in definition.steps if s.id not in results]
            results = {**results, **await self.store.results_for(execution.id, missing)}
        ready = [s.id for s in dependents if all(need in results for need in s.needs)]
        if ready:  # first: the next steps' clock is running
            await self.store.enqueue(execution, ready)
        level = "info" if result.status in (StepStatus.PASSED, StepStatus.SKIPPED) else "warning"
        detail = f": {result.error}" if result.error else ""
        await self.log(
            execution,
            f"step {result.step_id} {result.status.value}{detail}",
            step=result.step_id,
            level=level,
            key="done",
            status=result.status.value,
        )
        if len(results) == len(definition.steps):
            status, warnings = outcome(execution, results)
            settled, changed = await self.store.settle(
                execution.id, status, warnings=warnings, known=execution
            )
            if changed:
                await self.log(
                    settled,
                    f"execution {settled.status.value}",
                    key="settled",
                    status=settled.status.value,
                    durable=True,
                )

    def _fault(self, point: str, step_id: str) -> None:
        """Fault injection for the crash tests (``HUB_WORKFLOW_FAULT=<point>:<step id>``)."""
        if self.settings.workflow_fault == f"{point}:{step_id}":
            os.kill(os.getpid(), signal.SIGKILL)


def queued_after(msg: Msg) -> int:
    """How many tasks the consumer still holds after this one (0 when unknown)."""
    try:
        return int(msg.metadata.num_pending or 0)
    except Exception:
        return 0


class Worker:
    """Takes tasks from the durable pull consumer and handles up to ``concurrency`` at once.

    Why ``fetch(1)`` first: nats-py's ``fetch(n)`` on an empty queue turns into a lingering pull
    that, once a first task arrives, keeps waiting for the other ``n - 1`` until its timeout, so
    a step queued while the worker was idle sat in the client for up to the whole fetch timeout.
    ``fetch(1)`` returns the moment a task arrives and the task starts at once. Its metadata says
    how many more are queued (``num_pending``); only then a second ``fetch`` takes up to that many
    (bounded by the free slots), so a backlog still drains in batches. Probing with a timed fetch
    on every task would cost each its timeout (the server treats a pull with ``expires`` as
    lingering even with ``no_wait``): that was 10 ms a step. One pull at a time, so a worker
    never holds a task it has no room to run."""

    def __init__(self, engine: Engine, *, concurrency: int) -> None:
        self.engine = engine
        self.concurrency = concurrency
        self.running: set[asyncio.Task[None]] = set()
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        sub = await self.engine.store.js.pull_subscribe_bind(durable=WORKER_CONSUMER, stream=TASK_STREAM)
        while not self.stopping.is_set():
            free = self.concurrency - len(self.running)
            if free <= 0:
                await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                first = await sub.fetch(1, timeout=5.0)
            except TimeoutError:
                continue
            except Exception as error:
                log.warning("fetching workflow tasks failed: %s", error)
                await asyncio.sleep(0.5)
                continue
            self._start(first)
            backlog = min(free - 1, queued_after(first[-1]), 256)
            if backlog > 0:
                with contextlib.suppress(TimeoutError):
                    self._start(await sub.fetch(backlog, timeout=0.05))
        if self.running:
            await asyncio.wait(self.running)

    def _start(self, msgs: list[Msg]) -> None:
        for msg in msgs:
            task = asyncio.create_task(self._guarded(msg))
            self.running.add(task)
            task.add_done_callback(self.running.discard)

    async def _guarded(self, msg: Msg) -> None:
        try:
            await self.engine.handle(msg)
        except Exception:  # left unacknowledged: redelivered after ack_wait, resumed then
            log.exception("workflow task failed; it will be redelivered")
