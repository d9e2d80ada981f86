"""REST entry points of remediation (thin: the service, flows and loop do the work)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from app.core.deps import DriverDep, SettingsDep
from app.core.principal import principal_of
from app.remediation import flows, loop, service
from app.remediation.models import FileRisk, LoopStats, RemediationAction, RemediationStatus, TimelineEntry

router = APIRouter(prefix="/api/remediation", tags=["remediation"])


def _events(request: Request) -> Any:
    return getattr(request.app.state, "events", None)


def _who(request: Request) -> str:
    principal = principal_of(request)
    return f"key:{principal.key_id}" if principal is not None else "unknown"


EventsDep = Annotated[Any, Depends(_events)]


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=2_000)


@router.get("/projects/{project_id}/actions")
async def project_actions(
    project_id: str,
    driver: DriverDep,
    settings: SettingsDep,
    status: Annotated[list[RemediationStatus] | None, Query()] = None,
    first: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RemediationAction]:
    """A project's actions (by project id), newest first; ``status`` filters (repeatable)."""
    return await service.list_actions(
        driver=driver, settings=settings, project_id=project_id, statuses=status, first=first
    )


@router.get("/projects/{project_id}/timeline")
async def project_timeline(
    project_id: str,
    driver: DriverDep,
    settings: SettingsDep,
    first: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TimelineEntry]:
    return await service.timeline(driver=driver, settings=settings, project_id=project_id, first=first)


@router.get("/projects/{project_id}/file-risks")
async def project_file_risks(
    project_id: str,
    driver: DriverDep,
    settings: SettingsDep,
    first: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> list[FileRisk]:
    return await service.file_risks(driver=driver, settings=settings, project_id=project_id, first=first)


@router.get("/actions/{action_id}")
async def get_action(action_id: str, driver: DriverDep, settings: SettingsDep) -> RemediationAction:
    return await service.get_action(driver=driver, settings=settings, action_id=action_id)


@router.post("/actions/{action_id}/approve")
async def approve(
    action_id: str, request: Request, driver: DriverDep, settings: SettingsDep, events: EventsDep
) -> RemediationAction:
    """Approve a waiting (or failed) action: it executes now (run_workflow: its run starts and the
    action stays approved, ``resultId`` the execution, until the run settles)."""
    return await flows.approve(
        driver=driver, settings=settings, events=events, action_id=action_id, decided_by=_who(request)
    )


@router.post("/actions/{action_id}/reject")
async def reject(
    action_id: str,
    request: Request,
    driver: DriverDep,
    settings: SettingsDep,
    events: EventsDep,
    body: RejectBody | None = None,
) -> RemediationAction:
    return await flows.reject(
        driver=driver,
        settings=settings,
        events=events,
        action_id=action_id,
        reason=body.reason if body else None,
        decided_by=_who(request),
    )


@router.get("/stats")
async def stats(driver: DriverDep, settings: SettingsDep) -> LoopStats:
    """The knowledge loop's record: success per action and the hit rate of its recommendations."""
    return await loop.stats(driver=driver, settings=settings)
