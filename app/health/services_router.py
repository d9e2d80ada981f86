"""``/api/services``: registered services with their current health, registering one, checking one now."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.core.deps import DriverDep, SettingsDep
from app.health.services_health import (
    ProbedServiceRegistration,
    ServiceCheck,
    ServiceHealth,
    check_service,
    list_services,
    register_service,
)

router = APIRouter(prefix="/api/services", tags=["health"])


@router.get("", response_model=list[ServiceHealth])
async def services(settings: SettingsDep, driver: DriverDep) -> list[ServiceHealth]:
    return await list_services(driver, database=settings.neo4j_database)


@router.post("", status_code=201)
async def register(
    body: ProbedServiceRegistration, settings: SettingsDep, driver: DriverDep
) -> dict[str, str]:
    """Register a service for probing by the worker (idempotent by name)."""
    return {"id": await register_service(driver, registration=body, database=settings.neo4j_database)}


@router.post("/{service_id}/check", response_model=ServiceCheck)
async def check(service_id: str, request: Request, settings: SettingsDep, driver: DriverDep) -> ServiceCheck:
    """Probe one service now; the sample is recorded and its health updated as in a worker round."""
    events = getattr(request.app.state, "events", None)
    return await check_service(driver, settings=settings, events=events, service_id=service_id)
