"""Workflow definitions (what a YAML file declares) and execution state (what the KV buckets hold).

The JSON Schema in ``workflow.schema.json`` is the published contract for the YAML; these models
are what the engine reads after validation (``definitions.parse`` checks both).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OnFail(StrEnum):
    BLOCK = "block"  # dependents are skipped, the execution fails
    WARN = "warn"  # dependents run; the execution succeeds with a warning
    CONTINUE = "continue"  # dependents run; the failure does not count against the execution


class Retry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=0, ge=0, le=10)
    backoff: float = Field(default=1.0, ge=0, le=3600)

    def delay(self, attempt: int) -> float:
        """Seconds before retry number ``attempt`` (1-based): backoff, then doubled each time."""
        return self.backoff * (2 ** max(0, attempt - 1))


class Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str
    condition: str | None = None


class StepDef(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str
    agent: str
    needs: list[str] = Field(default_factory=list)
    condition: str | None = None
    on_fail: OnFail = OnFail.BLOCK
    retry: Retry = Field(default_factory=Retry)
    timeout: float | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")


class WorkflowDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str | None = None
    trigger: Trigger | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepDef]

    def step(self, step_id: str) -> StepDef:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


class ExecutionStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED})


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # its condition was false, or a dependency failed with on_fail=block
    CANCELLED = "cancelled"


class Execution(BaseModel):
    """One run of a workflow: the definition is copied in, so a later `apply` never changes a
    running execution."""

    id: str
    workflow: str
    definition: WorkflowDef
    event: dict[str, Any] = Field(default_factory=dict)
    status: ExecutionStatus = ExecutionStatus.RUNNING
    correlation_id: str
    started_at: str
    completed_at: str | None = None
    warnings: list[str] = Field(default_factory=list)
    revision: int = Field(default=0, exclude=True)  # the KV revision this copy was read at


class StepResult(BaseModel):
    """A step's outcome, written once per (execution, step) with a create-only KV put."""

    execution_id: str
    step_id: str
    status: StepStatus
    workflow: str = ""  # the workflow's name (the projector needs it; empty in older results)
    attempts: int = 1
    started_at: str
    ended_at: str
    output: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    audit_id: str | None = None
    agent_ms: float = 0.0  # time inside the agent, to tell engine overhead from agent time
    # When a worker received the task: splits a step's overhead into queue wait and handling.
    received_at: str | None = None


class StepTask(BaseModel):
    """The work-queue message: ids only; the worker reads everything else from the KV state."""

    execution_id: str
    step_id: str
    # Every step id of the execution: lets the worker read the execution and the recorded
    # results at once (one round trip, not two). Empty in tasks queued by an older worker.
    step_ids: list[str] = Field(default_factory=list)


class ExecutionView(BaseModel):
    """An execution with its step results, as the API and CLI show it."""

    execution: Execution
    steps: list[StepResult]
