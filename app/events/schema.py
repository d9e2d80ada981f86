"""GraphQL subscriptions of the events domain: ``events(subject)`` and ``graphChanged(projectId)``.

``EventsSubscription`` is merged into the root Subscription type by ``app/schema.py``. The
resolvers find the process's EventService on the app state of the request or WebSocket in the
context (or ``context["events"]``), and translate live events; no logic of their own.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.core.errors import DependencyUnavailable
from app.core.principal import visible_projects
from app.events.models import Event
from app.events.service import EventService

GRAPH_CHANGE_SUBJECTS = "hub.*.graph.updated"


@strawberry.type
class EventMessage:
    id: str
    subject: str
    type: str
    source: str
    time: datetime
    hub_id: str
    correlation_id: str
    causation_id: str | None
    traceparent: str | None
    data: JSON | None

    @classmethod
    def of(cls, event: Event) -> EventMessage:
        return cls(
            id=event.id,
            subject=event.subject,
            type=event.type,
            source=event.source,
            time=event.time,
            hub_id=event.origin.hub_id,
            correlation_id=event.correlationid,
            causation_id=event.causationid,
            traceparent=event.traceparent,
            data=event.data,
        )


@strawberry.type
class GraphChange:
    project_id: str
    event_id: str
    subject: str
    time: datetime
    counts: JSON | None


def _events(info: Info[Any, Any]) -> EventService:
    context = info.context
    found = context.get("events") if isinstance(context, dict) else getattr(context, "events", None)
    if found is None:
        request = context.get("request") if isinstance(context, dict) else getattr(context, "request", None)
        found = getattr(getattr(getattr(request, "app", None), "state", None), "events", None)
    if found is None:
        raise DependencyUnavailable("the event backbone is not started")
    return found


def _project_of(event: Event) -> str | None:
    data = event.data if isinstance(event.data, dict) else {}
    value = data.get("project_id") or data.get("projectId") or data.get("project")
    return str(value) if value is not None else None


@strawberry.type
class EventsSubscription:
    @strawberry.subscription(description="Live events on a NATS subject pattern (* one token, > the rest).")
    async def events(
        self, info: Info[Any, Any], subject: str = "hub.>"
    ) -> AsyncGenerator[EventMessage, None]:
        projects = visible_projects(getattr(info.context, "principal", None))
        stream = await _events(info).subscribe(subject, projects=projects)
        try:
            async for event in stream:
                yield EventMessage.of(event)
        finally:
            await stream.aclose()

    @strawberry.subscription(description="The graph of a project changed (an ingest finished): for VISLZR.")
    async def graph_changed(self, info: Info[Any, Any], project_id: str) -> AsyncGenerator[GraphChange, None]:
        stream = await _events(info).subscribe(GRAPH_CHANGE_SUBJECTS)
        try:
            async for event in stream:
                project = _project_of(event)
                data = event.data if isinstance(event.data, dict) else {}
                names = {project, str(data.get("project_name") or "")}
                if project_id in names:
                    yield GraphChange(
                        project_id=project_id,
                        event_id=event.id,
                        subject=event.subject,
                        time=event.time,
                        counts=data.get("counts"),
                    )
        finally:
            await stream.aclose()
