"""GraphQL mutations of the compliance domain; the Audit type is the graph's (Node interface)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app.compliance import service
from app.compliance.models import AuditKind
from app.graph.schema import Audit

AuditKindEnum = strawberry.enum(AuditKind, name="AuditKind")


@strawberry.type
class TriggerAuditResult:
    audit: Audit
    published: bool = strawberry.field(
        description="False when the event log was unreachable; the Audit stays pending."
    )
    subject: str


@strawberry.type
class ComplianceMutation:
    @strawberry.mutation
    async def trigger_audit(
        self,
        info: Info,
        target_id: strawberry.ID,
        kind: AuditKindEnum,  # type: ignore[valid-type]
    ) -> TriggerAuditResult:
        request = await service.request_audit(
            driver=info.context.driver,
            settings=info.context.settings,
            events=info.context.events,
            target_id=target_id,
            kind=kind,
        )
        return TriggerAuditResult(
            audit=Audit.of(request.audit), published=request.published, subject=request.subject
        )
