"""GraphQL entry points of remediation: the approval queue, approve / reject, the timeline of
predictions and actions, per-file risk for the heat map, and the knowledge loop's record.

Thin resolvers over ``service`` / ``flows`` / ``loop``; composed into the root schema by
``app/schema.py``.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.remediation import flows, loop, service
from app.remediation.models import ActionType, FileRisk, RemediationAction, RemediationStatus, TimelineEntry

ActionTypeEnum = strawberry.enum(ActionType, name="RemediationActionType")
RemediationStatusEnum = strawberry.enum(RemediationStatus, name="RemediationStatus")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@strawberry.type(description="The prediction an action is FOR.")
class RemediationPrediction:
    id: strawberry.ID
    model_type: str
    probability: float
    confidence: float
    top_factors: JSON = strawberry.field(description="[{feature, value, contribution, text}]")
    created_at: str | None
    target_id: strawberry.ID | None
    target_path: str | None = strawberry.field(description="a File's path or a Service's name")


@strawberry.type(name="RemediationAction")
class RemediationActionType:
    id: strawberry.ID
    project_id: strawberry.ID
    action: ActionTypeEnum  # type: ignore[valid-type]
    status: RemediationStatusEnum  # type: ignore[valid-type]
    reason: str
    shadow: bool = strawberry.field(description="recorded under shadow mode: not executed")
    would_execute: bool = strawberry.field(description="confidence reached the action type's auto threshold")
    recommended: bool = strawberry.field(description="chosen by the knowledge loop")
    correlation_id: str
    created_at: str | None
    updated_at: str | None
    escalated_at: str | None
    result_id: str | None = strawberry.field(
        description="the Task / Audit / workflow execution it produced (a run_workflow's from its start)"
    )
    error: str | None
    prediction: RemediationPrediction | None

    @classmethod
    def of(cls, a: RemediationAction) -> RemediationActionType:
        p = a.prediction
        return cls(
            id=strawberry.ID(a.id),
            project_id=strawberry.ID(a.project_id),
            action=a.action,
            status=a.status,
            reason=a.reason,
            shadow=a.shadow,
            would_execute=a.would_execute,
            recommended=a.recommended,
            correlation_id=a.correlation_id,
            created_at=_iso(a.created_at),
            updated_at=_iso(a.updated_at),
            escalated_at=_iso(a.escalated_at),
            result_id=a.result_id,
            error=a.error,
            prediction=RemediationPrediction(
                id=strawberry.ID(p.id),
                model_type=p.model_type,
                probability=p.probability,
                confidence=p.confidence,
                top_factors=p.top_factors,
                created_at=_iso(p.created_at),
                target_id=strawberry.ID(p.target_id) if p.target_id else None,
                target_path=p.target_path,
            )
            if p
            else None,
        )


@strawberry.type(name="TimelineEntry")
class TimelineEntryType:
    at: str
    kind: str = strawberry.field(description="prediction | remediation")
    event: str = strawberry.field(description="predicted, or the action's status")
    prediction_id: strawberry.ID | None
    action_id: strawberry.ID | None
    action: ActionTypeEnum | None  # type: ignore[valid-type]
    status: RemediationStatusEnum | None  # type: ignore[valid-type]
    target_path: str | None
    probability: float | None
    summary: str

    @classmethod
    def of(cls, e: TimelineEntry) -> TimelineEntryType:
        return cls(
            at=e.at.isoformat(),
            kind=e.kind,
            event=e.event,
            prediction_id=strawberry.ID(e.prediction_id) if e.prediction_id else None,
            action_id=strawberry.ID(e.action_id) if e.action_id else None,
            action=e.action,
            status=e.status,
            target_path=e.target_path,
            probability=e.probability,
            summary=e.summary,
        )


@strawberry.type(name="FileRisk")
class FileRiskType:
    file_id: strawberry.ID
    path: str
    lines: int
    probability: float
    confidence: float
    top_factors: JSON

    @classmethod
    def of(cls, r: FileRisk) -> FileRiskType:
        return cls(
            file_id=strawberry.ID(r.file_id),
            path=r.path,
            lines=r.lines,
            probability=r.probability,
            confidence=r.confidence,
            top_factors=r.top_factors,
        )


@strawberry.type
class RemediationActionStats:
    action: ActionTypeEnum  # type: ignore[valid-type]
    experiences: int
    successes: int
    success_rate: float | None


@strawberry.type
class RemediationLoopStats:
    experiences: int
    judged: int
    recommended_judged: int
    recommended_succeeded: int
    hit_rate: float | None
    by_action: list[RemediationActionStats]


def _who(info: Info) -> str:
    principal = getattr(info.context, "principal", None)
    return f"key:{principal.key_id}" if principal is not None else "unknown"


@strawberry.type
class RemediationQuery:
    @strawberry.field(
        description="A project's remediation actions, newest first (approval queue: PENDING_APPROVAL)."
    )
    async def remediation_actions(
        self,
        info: Info,
        project_id: strawberry.ID,
        status: list[RemediationStatusEnum] | None = None,  # type: ignore[valid-type]
        first: int = 100,
    ) -> list[RemediationActionType]:
        found = await service.list_actions(
            driver=info.context.driver,
            settings=info.context.settings,
            project_id=str(project_id),
            statuses=status,
            first=first,
        )
        return [RemediationActionType.of(a) for a in found]

    @strawberry.field(
        description="Predictions and remediation steps of a project in time order (oldest first)."
    )
    async def prediction_timeline(
        self, info: Info, project_id: strawberry.ID, first: int = 200
    ) -> list[TimelineEntryType]:
        entries = await service.timeline(
            driver=info.context.driver,
            settings=info.context.settings,
            project_id=str(project_id),
            first=first,
        )
        return [TimelineEntryType.of(e) for e in entries]

    @strawberry.field(
        description="The newest defect risk of each predicted file of a project (the heat map)."
    )
    async def file_risks(
        self, info: Info, project_id: strawberry.ID, first: int = 10_000
    ) -> list[FileRiskType]:
        risks = await service.file_risks(
            driver=info.context.driver,
            settings=info.context.settings,
            project_id=str(project_id),
            first=first,
        )
        return [FileRiskType.of(r) for r in risks]

    @strawberry.field(description="The knowledge loop's record: experiences, success per action, hit rate.")
    async def remediation_stats(self, info: Info) -> RemediationLoopStats:
        s = await loop.stats(driver=info.context.driver, settings=info.context.settings)
        return RemediationLoopStats(
            experiences=s.experiences,
            judged=s.judged,
            recommended_judged=s.recommended_judged,
            recommended_succeeded=s.recommended_succeeded,
            hit_rate=s.hit_rate,
            by_action=[
                RemediationActionStats(
                    action=a.action,
                    experiences=a.experiences,
                    successes=a.successes,
                    success_rate=a.success_rate,
                )
                for a in s.by_action
            ],
        )


@strawberry.type
class RemediationMutation:
    @strawberry.mutation(
        description="Approve a waiting (or failed) action: it executes now (run_workflow: its run "
        "starts and the action stays APPROVED, resultId the execution, until the run settles)."
    )
    async def approve_remediation(self, info: Info, id: strawberry.ID) -> RemediationActionType:
        action = await flows.approve(
            driver=info.context.driver,
            settings=info.context.settings,
            events=info.context.events,
            action_id=str(id),
            decided_by=_who(info),
        )
        return RemediationActionType.of(action)

    @strawberry.mutation(description="Reject a waiting (or failed) action, with an optional reason.")
    async def reject_remediation(
        self, info: Info, id: strawberry.ID, reason: str | None = None
    ) -> RemediationActionType:
        action = await flows.reject(
            driver=info.context.driver,
            settings=info.context.settings,
            events=info.context.events,
            action_id=str(id),
            reason=reason,
            decided_by=_who(info),
        )
        return RemediationActionType.of(action)
