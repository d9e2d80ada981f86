"""``/healthz``: each dependency with its latency; 503 when any is down."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.core.deps import DriverDep, SettingsDep
from app.core.principal import principal_of
from app.health.models import HealthReport
from app.health.service import check_dependencies

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthReport, responses={503: {"model": HealthReport}})
async def healthz(request: Request, settings: SettingsDep, driver: DriverDep) -> JSONResponse:
    """Without a credential only up/down: versions and URLs help an attacker more than a prober."""
    report = await check_dependencies(settings=settings, driver=driver)
    status = 200 if report.all_up else 503
    if principal_of(request) is None:
        return JSONResponse({"status": "up" if report.all_up else "down"}, status_code=status)
    return JSONResponse(report.model_dump(), status_code=status)
