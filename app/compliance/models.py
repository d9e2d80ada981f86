"""The compliance domain's vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.graph.service import EntityRecord


class AuditKind(StrEnum):
    CODE_REVIEW = "code-review"
    SECURITY_SCAN = "security-scan"
    LICENSE_SCAN = "license-scan"
    DEPENDENCY_AUDIT = "dependency-audit"
    ARCHITECTURE_REVIEW = "architecture-review"
    COMPLIANCE_CHECK = "compliance-check"


@dataclass(frozen=True, slots=True)
class AuditRequest:
    audit: EntityRecord
    published: bool
    subject: str
