"""Who is calling: the principal the trust boundary (app/auth) attaches to every request.

Lives in core so any domain can ask "may this caller see project X" without importing auth.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from starlette.requests import HTTPConnection

from app.core.errors import HubError


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"  # tasks, spec items, links, audits
    EVENTS_PUBLISH = "events:publish"
    INGEST = "ingest"
    ADMIN = "admin"  # services, projections, communities, keys; implies every other scope


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"
    http_status = 401


class Forbidden(HubError):
    code = "FORBIDDEN"
    http_status = 403


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified caller. ``project_ids`` None means every project; else the raw ids granted."""

    key_id: str
    name: str
    kind: str  # "key" (API key), "session" (browser login)
    scopes: frozenset[Scope]
    project_ids: frozenset[str] | None = None

    def has(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes

    @property
    def all_projects(self) -> bool:
        return self.project_ids is None

    def may_see_project(self, raw_project_id: str) -> bool:
        return self.project_ids is None or raw_project_id in self.project_ids


def principal_of(connection: HTTPConnection) -> Principal | None:
    """The principal the boundary attached to this request or websocket, if any."""
    return connection.scope.get("state", {}).get("principal")


def visible_projects(principal: Principal | None) -> frozenset[str] | None:
    """The projects whose data an answer may hold: None for every project, else the raw ids
    granted. Without a principal, none (only public routes have none, and they show no data)."""
    if principal is None:
        return frozenset()
    return principal.project_ids
