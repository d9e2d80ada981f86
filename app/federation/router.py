"""REST entry points of the federation domain."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.deps import DriverDep, SettingsDep
from app.federation.models import HubList
from app.federation.service import list_hubs

router = APIRouter(prefix="/api/federation", tags=["federation"])


@router.get("/hubs", response_model=HubList)
async def hubs(settings: SettingsDep, driver: DriverDep, include_offline: bool = False) -> HubList:
    """The registry as this hub has heard it: online hubs, or all with ``include_offline``."""
    found = await list_hubs(driver, database=settings.neo4j_database, include_offline=include_offline)
    return HubList(hubs=found)
