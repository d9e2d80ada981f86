"""``/api/services``: registered services with their current health, and registering one."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.deps import DriverDep, SettingsDep
from app.health.services_health import ServiceHealth, ServiceRegistration, list_services, register_service

router = APIRouter(prefix="/api/services", tags=["health"])


@router.get("", response_model=list[ServiceHealth])
async def services(settings: SettingsDep, driver: DriverDep) -> list[ServiceHealth]:
    return await list_services(driver, database=settings.neo4j_database)


@router.post("", status_code=201)
async def register(body: ServiceRegistration, settings: SettingsDep, driver: DriverDep) -> dict[str, str]:
    """Register a service for probing by the worker (idempotent by name)."""
    return {"id": await register_service(driver, registration=body, database=settings.neo4j_database)}
