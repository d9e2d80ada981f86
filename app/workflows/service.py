"""Workflow state: JetStream KV buckets (the state of record), the step-task work queue, and the
Neo4j projection of both.

- ``WF_DEFINITIONS``: workflow name -> validated definition (JSON).
- ``WF_EXECUTIONS``: execution id -> ``Execution``; status changes are compare-and-set on the
  KV revision, so two workers finishing the last two steps, or a cancel racing a finish, settle
  on one outcome.
- ``WF_RESULTS``: ``<execution>.<step>`` -> ``StepResult``, written create-only: a result is
  recorded exactly once, whoever tries second reads the first.
- ``WF_TASKS``: a work-queue stream of ``StepTask``s consumed by every worker through one durable
  pull consumer (explicit ack, ack_wait, max_deliver). A task's message id is
  ``<execution>.<step>``, so queueing it twice within the duplicate window stores it once.

Nothing lives in one process's memory: any worker can pick up any task.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext, api
from nats.js.errors import (
    BadRequestError,
    InvalidKeyError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoKeysError,
    NotFoundError,
)
from nats.js.kv import KeyValue
from neo4j import AsyncDriver

from app.config import Settings
from app.core.cypher import query as named_query
from app.core.db import run_named
from app.core.errors import InvalidInput, NotFound
from app.workflows.models import (
    TERMINAL,
    Execution,
    ExecutionStatus,
    ExecutionView,
    StepResult,
    StepTask,
    WorkflowDef,
)
from ingest.ids import stable_id

DEFINITIONS_BUCKET = "WF_DEFINITIONS"
EXECUTIONS_BUCKET = "WF_EXECUTIONS"
RESULTS_BUCKET = "WF_RESULTS"
TASK_STREAM = "WF_TASKS"
TASK_SUBJECT = "wf.task"
WORKER_CONSUMER = "wf-workers"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def result_key(execution_id: str, step_id: str) -> str:
    return f"{execution_id}.{step_id}"


def workflow_id(name: str) -> str:
    return stable_id("workflow", name)


def step_node_id(name: str, step_id: str) -> str:
    return stable_id("workflow-step", name, step_id)


class WorkflowStore:
    """The KV buckets and the task queue of one NATS connection (``open`` creates what is missing)."""

    def __init__(self, js: JetStreamContext, settings: Settings) -> None:
        self.js = js
        self.settings = settings
        self.definitions: KeyValue
        self.executions: KeyValue
        self.results: KeyValue

    @classmethod
    async def open(cls, js: JetStreamContext, settings: Settings) -> WorkflowStore:
        store = cls(js, settings)
        store.definitions = await store._bucket(DEFINITIONS_BUCKET, "workflow definitions")
        store.executions = await store._bucket(EXECUTIONS_BUCKET, "workflow executions")
        store.results = await store._bucket(RESULTS_BUCKET, "workflow step results, written once")
        await store._ensure_queue()
        return store

    async def _bucket(self, name: str, description: str) -> KeyValue:
        try:
            return await self.js.key_value(name)
        except (NotFoundError, BadRequestError):
            return await self.js.create_key_value(
                api.KeyValueConfig(
                    bucket=name, description=description, history=1, storage=api.StorageType.FILE
                )
            )

    async def _ensure_queue(self) -> None:
        config = api.StreamConfig(
            name=TASK_STREAM,
            description="workflow step tasks (work queue)",
            subjects=[f"{TASK_SUBJECT}.>"],
            retention=api.RetentionPolicy.WORK_QUEUE,
            storage=api.StorageType.FILE,
            duplicate_window=self.settings.workflow_task_dedupe_s,
        )
        try:
            await self.js.stream_info(TASK_STREAM)
        except NotFoundError:
            await self.js.add_stream(config)
        consumer = api.ConsumerConfig(
            durable_name=WORKER_CONSUMER,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self.settings.workflow_ack_wait_s,
            max_deliver=self.settings.workflow_max_deliver,
            max_ack_pending=10_000,
            filter_subject=f"{TASK_SUBJECT}.>",
        )
        try:
            info = await self.js.consumer_info(TASK_STREAM, WORKER_CONSUMER)
        except NotFoundError:
            await self.js.add_consumer(TASK_STREAM, config=consumer)
        else:
            if info.config.ack_wait != consumer.ack_wait or info.config.max_deliver != consumer.max_deliver:
                with contextlib.suppress(BadRequestError):  # older servers cannot edit a consumer
                    await self.js.add_consumer(TASK_STREAM, config=consumer)

    # --- definitions --------------------------------------------------------------------------
    async def put_definition(self, workflow: WorkflowDef) -> int:
        return await self.definitions.put(workflow.name, workflow.model_dump_json(by_alias=True).encode())

    async def get_definition(self, name: str) -> WorkflowDef:
        try:
            entry = await self.definitions.get(name)
        except (KeyNotFoundError, InvalidKeyError):  # a name that cannot be a key names nothing
            raise NotFound(f"no workflow named {name!r}", hint="`hub workflow apply FILE` first") from None
        return WorkflowDef.model_validate_json(entry.value or b"{}")

    async def list_definitions(self) -> list[WorkflowDef]:
        try:
            names = await self.definitions.keys()
        except (NotFoundError, NoKeysError):
            return []
        found = []
        for name in sorted(names):
            with contextlib.suppress(KeyNotFoundError):
                found.append(
                    WorkflowDef.model_validate_json((await self.definitions.get(name)).value or b"{}")
                )
        return found

    # --- executions ---------------------------------------------------------------------------
    async def create_execution(self, execution: Execution) -> Execution:
        execution.revision = await self.executions.create(execution.id, execution.model_dump_json().encode())
        return execution

    async def get_execution(self, execution_id: str) -> Execution:
        _check_id(execution_id)
        try:
            entry = await self.executions.get(execution_id)
        except KeyNotFoundError:
            raise NotFound(f"no workflow execution {execution_id!r}") from None
        execution = Execution.model_validate_json(entry.value or b"{}")
        execution.revision = entry.revision or 0
        return execution

    async def settle(
        self,
        execution_id: str,
        status: ExecutionStatus,
        *,
        warnings: list[str] | None = None,
        known: Execution | None = None,
    ) -> tuple[Execution, bool]:
        """Move a running execution to a final status (compare-and-set; retried on a race). Returns
        the execution and whether this call made the change. ``known`` (the execution as the
        caller last read it, with its revision) saves the first read; a stale one only costs a
        failed compare-and-set and a re-read."""
        execution = known.model_copy() if known is not None else None
        while True:
            if execution is None:
                execution = await self.get_execution(execution_id)
            if execution.status in TERMINAL:
                return execution, False
            execution.status = status
            execution.completed_at = now_iso()
            if warnings:
                execution.warnings = warnings
            try:
                execution.revision = await self.executions.update(
                    execution_id, execution.model_dump_json().encode(), last=execution.revision
                )
            except KeyWrongLastSequenceError:
                execution = None
                continue
            return execution, True

    async def list_executions(self, *, workflow: str | None = None, limit: int = 50) -> list[Execution]:
        try:
            keys = await self.executions.keys()
        except (NotFoundError, NoKeysError):
            return []
        entries = await asyncio.gather(*(self._maybe_execution(key) for key in keys))
        found = [e for e in entries if e is not None and (workflow is None or e.workflow == workflow)]
        found.sort(key=lambda e: e.started_at, reverse=True)
        return found[:limit]

    async def _maybe_execution(self, key: str) -> Execution | None:
        try:
            return await self.get_execution(key)
        except NotFound:
            return None

    # --- results ------------------------------------------------------------------------------
    async def record_result(self, result: StepResult) -> tuple[StepResult, bool]:
        """Create-only: the first result of a step wins. Returns the stored result and whether it
        is this one."""
        key = result_key(result.execution_id, result.step_id)
        try:
            await self.results.create(key, result.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            existing = await self.get_result(result.execution_id, result.step_id)
            assert existing is not None
            return existing, False
        return result, True

    async def get_result(self, execution_id: str, step_id: str) -> StepResult | None:
        try:
            entry = await self.results.get(result_key(execution_id, step_id))
        except KeyNotFoundError:
            return None
        return StepResult.model_validate_json(entry.value or b"{}")

    async def results_of(self, execution: Execution) -> dict[str, StepResult]:
        return await self.results_for(execution.id, [s.id for s in execution.definition.steps])

    async def results_for(self, execution_id: str, step_ids: list[str]) -> dict[str, StepResult]:
        """The recorded results among ``step_ids`` (read in parallel: one round trip)."""
        found = await asyncio.gather(*(self.get_result(execution_id, step_id) for step_id in step_ids))
        return {r.step_id: r for r in found if r is not None}

    # --- tasks --------------------------------------------------------------------------------
    async def enqueue(self, execution: Execution, step_ids: list[str]) -> None:
        """Queue steps, all at once (idempotent: the message id is the (execution, step) key)."""
        every_step = [s.id for s in execution.definition.steps]
        await asyncio.gather(
            *(
                self.js.publish(
                    f"{TASK_SUBJECT}.{execution.id}",
                    StepTask(execution_id=execution.id, step_id=step_id, step_ids=every_step)
                    .model_dump_json()
                    .encode(),
                    stream=TASK_STREAM,
                    headers={"Nats-Msg-Id": result_key(execution.id, step_id)},
                )
                for step_id in step_ids
            )
        )

    async def view(self, execution_id: str) -> ExecutionView:
        execution = await self.get_execution(execution_id)
        results = await self.results_of(execution)
        order = [s.id for s in execution.definition.steps]
        return ExecutionView(execution=execution, steps=[results[i] for i in order if i in results])


EXECUTION_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def _check_id(execution_id: str) -> None:
    # ASCII only: str.isalnum() accepts any Unicode letter, which a KV key cannot hold.
    if not EXECUTION_ID.fullmatch(execution_id):
        raise InvalidInput(f"{execution_id!r} is not an execution id")


def new_execution(workflow: WorkflowDef, *, event: dict[str, Any], correlation_id: str | None) -> Execution:
    execution_id = uuid.uuid4().hex
    return Execution(
        id=execution_id,
        workflow=workflow.name,
        definition=workflow,
        event=event,
        correlation_id=correlation_id or execution_id,
        started_at=now_iso(),
    )


# --- the Neo4j projection (idempotent; re-run after a crash converges) ------------------------
async def project_definition(*, driver: AsyncDriver, settings: Settings, workflow: WorkflowDef) -> None:
    steps = [
        {
            "id": step_node_id(workflow.name, s.id),
            "stepId": s.id,
            "agent": s.agent,
            "needs": s.needs,
            "onFail": s.on_fail.value,
            "condition": s.condition,
            "agentId": stable_id("agent", s.agent),
            "needIds": [step_node_id(workflow.name, need) for need in s.needs],
        }
        for s in workflow.steps
    ]
    await driver.execute_query(
        named_query("workflows/project_definition"),
        id=workflow_id(workflow.name),
        name=workflow.name,
        description=workflow.description,
        trigger=workflow.trigger.event if workflow.trigger else None,
        definition=workflow.model_dump_json(by_alias=True),
        steps=steps,
        now=now_iso(),
        database_=settings.neo4j_database,
    )


def execution_row(execution: Execution, revision: int) -> dict[str, Any]:
    return {
        "id": execution.id,
        "workflowId": workflow_id(execution.workflow),
        "status": execution.status.value,
        "startedAt": execution.started_at,
        "completedAt": execution.completed_at,
        "correlationId": execution.correlation_id,
        "revision": revision,
    }


def result_row(workflow: str, result: StepResult) -> dict[str, Any]:
    return {
        "executionId": result.execution_id,
        "workflowId": workflow_id(workflow),
        "stepNodeId": step_node_id(workflow, result.step_id),
        "status": result.status.value,
        "attempts": result.attempts,
        "startedAt": result.started_at,
        "endedAt": result.ended_at,
        "auditId": result.audit_id,
        "error": result.error[:1_000] if result.error else None,
    }


async def project_executions(*, driver: AsyncDriver, settings: Settings, rows: list[dict[str, Any]]) -> None:
    """``execution_row``s into the graph (one UNWIND write; idempotent, newest revision wins)."""
    await driver.execute_query(
        named_query("workflows/project_executions"), rows=rows, database_=settings.neo4j_database
    )


async def project_results(*, driver: AsyncDriver, settings: Settings, rows: list[dict[str, Any]]) -> None:
    """``result_row``s into the graph (one UNWIND write; idempotent)."""
    await driver.execute_query(
        named_query("workflows/project_results"), rows=rows, database_=settings.neo4j_database
    )


def encode_json(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()


async def audit_findings(
    *, driver: AsyncDriver, settings: Settings, audit_ids: list[str], limit: int = 200
) -> list[dict[str, Any]]:
    """The findings of the Audits that steps produced (the workflow view lists them under their
    step and links each to its file's node), most severe first, at most ``limit``."""
    if not audit_ids:
        return []
    records = await run_named(
        driver,
        "workflows/audit_findings",
        database=settings.neo4j_database,
        timeout_s=settings.neo4j_query_timeout_s,
        auditIds=audit_ids,
        limit=limit,
    )
    return [record.data() for record in records]
