from __future__ import annotations

from pydantic import BaseModel


class DependencyStatus(BaseModel):
    name: str
    url: str
    up: bool
    version: str | None = None
    latency_ms: float | None = None
    detail: str | None = None
    managed: bool = True


class HealthReport(BaseModel):
    status: str  # "ok" or "degraded"
    hub_id: str
    dependencies: list[DependencyStatus]

    @property
    def all_up(self) -> bool:
        return all(dependency.up for dependency in self.dependencies)
