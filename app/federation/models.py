from __future__ import annotations

from pydantic import BaseModel


class HubInfo(BaseModel):
    id: str
    name: str | None = None
    version: str | None = None
    status: str  # "online" or "offline"
    lastSeen: str | None = None
    projects: list[str] = []
    services: int = 0


class HubList(BaseModel):
    hubs: list[HubInfo]
