"""FastAPI dependency aliases, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from neo4j import AsyncDriver
from starlette.requests import HTTPConnection

from app.config import Settings
from app.core.principal import principal_of, visible_projects


def get_settings_from_app(request: Request) -> Settings:
    return request.app.state.settings


def get_driver(request: Request) -> AsyncDriver:
    return request.app.state.driver


def get_visible_projects(connection: HTTPConnection) -> frozenset[str] | None:
    """The caller's projects (None: all); operations that span projects filter their answers by
    it (issue 12: a project-limited key sees nothing of another project)."""
    return visible_projects(principal_of(connection))


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
DriverDep = Annotated[AsyncDriver, Depends(get_driver)]
VisibleProjectsDep = Annotated[frozenset[str] | None, Depends(get_visible_projects)]
