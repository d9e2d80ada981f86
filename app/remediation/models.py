"""The remediation domain's vocabulary: what an action is, the states it moves through, and the
records the API returns (actions with their prediction, timeline entries, file risks, loop stats).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ActionType(StrEnum):
    CREATE_TASK = "create_task"
    TRIGGER_AUDIT = "trigger_audit"
    RUN_WORKFLOW = "run_workflow"
    NOTIFY = "notify"


class RemediationStatus(StrEnum):
    PROPOSED = "proposed"  # recorded, not yet decided (and where shadow actions stay)
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXECUTED = "executed"
    FAILED = "failed"


# A person may decide only what waits for them; an approved action that failed may be approved again.
DECIDABLE = (RemediationStatus.PENDING_APPROVAL, RemediationStatus.FAILED)


class PredictionRef(BaseModel):
    """The prediction an action is FOR, as the autonomy view shows it."""

    id: str
    model_type: str
    probability: float
    confidence: float
    top_factors: list[dict[str, Any]]
    created_at: datetime | None
    target_id: str | None
    target_path: str | None = Field(description="a File's path or a Service's name")


class RemediationAction(BaseModel):
    id: str
    project_id: str
    action: ActionType
    status: RemediationStatus
    reason: str
    shadow: bool
    would_execute: bool = Field(description="the confidence reached the auto threshold")
    recommended: bool = Field(default=False, description="chosen by the knowledge loop (not the default)")
    correlation_id: str
    created_at: datetime | None
    updated_at: datetime | None
    escalated_at: datetime | None = None
    result_id: str | None = None  # the Task / Audit / workflow execution / event it produced
    error: str | None = None
    prediction: PredictionRef | None = None


class TimelineEntry(BaseModel):
    """One point on the autonomy view's timeline: a prediction made or a remediation step."""

    at: datetime
    kind: str  # "prediction" | "remediation"
    event: str  # "predicted" or the action's step: proposed, pending_approval, executed, ...
    prediction_id: str | None
    action_id: str | None
    action: ActionType | None
    status: RemediationStatus | None
    target_path: str | None
    probability: float | None
    summary: str


class FileRisk(BaseModel):
    file_id: str
    path: str
    lines: int
    probability: float
    confidence: float
    top_factors: list[dict[str, Any]]


class ProposalRun(BaseModel):
    project_id: str
    considered: int
    proposed: int
    executed: int
    pending: int
    shadowed: int
    failed: int
    started: int = 0  # run_workflow actions approved and running; they settle later


class ActionStats(BaseModel):
    action: ActionType
    experiences: int
    successes: int
    success_rate: float | None


class LoopStats(BaseModel):
    """How well the knowledge loop's recommendations turned out."""

    experiences: int
    judged: int
    recommended_judged: int
    recommended_succeeded: int
    hit_rate: float | None = Field(description="recommended actions judged successful / judged")
    by_action: list[ActionStats]
