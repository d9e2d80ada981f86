"""FastAPI dependency aliases, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from neo4j import AsyncDriver

from app.config import Settings


def get_settings_from_app(request: Request) -> Settings:
    return request.app.state.settings


def get_driver(request: Request) -> AsyncDriver:
    return request.app.state.driver


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
DriverDep = Annotated[AsyncDriver, Depends(get_driver)]
