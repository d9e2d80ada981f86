"""``/healthz``: each dependency with its latency; 503 when any is down."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.core.deps import DriverDep, SettingsDep
from app.health.models import HealthReport
from app.health.service import check_dependencies

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthReport, responses={503: {"model": HealthReport}})
async def healthz(settings: SettingsDep, driver: DriverDep) -> JSONResponse:
    report = await check_dependencies(settings=settings, driver=driver)
    return JSONResponse(report.model_dump(), status_code=200 if report.all_up else 503)
