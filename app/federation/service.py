"""Presence, the ``(:Hub)`` registry and metrics of the federation.

Every hub publishes ``hub.global.presence`` every ``presence_interval_s`` (5 s) and upserts a
``(:Hub)`` from every presence it hears (its own included). A hub silent for
``presence_offline_after_s`` (30 s) is marked offline and pruned from the active registry
(``GET /api/federation/hubs`` lists online hubs unless asked for offline ones); its node is
deleted after ten times that. Metrics go to ``hub.global.metrics.<hub_id>`` every 30 s.
"""

from __future__ import annotations

import time
from typing import Any

from neo4j import AsyncDriver

from app import __version__
from app.config import Settings
from app.core.cypher import query as named_query
from app.events.service import Event, EventService
from app.federation.models import HubInfo

MAX_ANNOUNCED_PROJECTS = 200


async def local_summary(driver: AsyncDriver, *, database: str) -> dict[str, Any]:
    records, _, _ = await driver.execute_query(
        named_query("federation/local_summary"),
        maxProjects=MAX_ANNOUNCED_PROJECTS,
        database_=database,
        routing_="r",
    )
    record = records[0]
    services = {row["health"]: row["count"] for row in record["services"] if row["count"]}
    return {
        "projects": list(record["projects"]),
        "project_count": record["projectCount"],
        "services": services,
    }


async def presence_event(driver: AsyncDriver, *, events: EventService, settings: Settings) -> Event:
    """This hub's heartbeat. Sent even when Neo4j is away (then without projects)."""
    try:
        summary = await local_summary(driver, database=settings.neo4j_database)
    except Exception:
        summary = {"projects": [], "project_count": None, "services": {}}
    return events.event(
        "hub.global.presence",
        {
            "hub_id": settings.hub_id,
            "name": settings.hub_name,
            "version": __version__,
            "projects": summary["projects"],
            "services": sum(summary["services"].values()),
        },
        correlationid=f"presence-{settings.hub_id}",
    )


async def record_presence(driver: AsyncDriver, *, event: Event, database: str) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    hub_id = event.origin.hub_id  # the sender's identity is its origin, not a payload claim
    projects = [str(p) for p in data.get("projects", [])][:MAX_ANNOUNCED_PROJECTS]
    await driver.execute_query(
        named_query("federation/record_presence"),
        hubId=hub_id,
        name=str(data.get("name") or hub_id),
        version=str(data.get("version") or ""),
        projects=projects,
        services=int(data.get("services") or 0),
        eventId=event.id,
        database_=database,
    )


async def mark_silent_hubs(driver: AsyncDriver, *, settings: Settings) -> dict[str, Any]:
    offline_ms = int(settings.presence_offline_after_s * 1000)
    records, _, _ = await driver.execute_query(
        named_query("federation/mark_offline"),
        offlineMs=offline_ms,
        forgetMs=offline_ms * 10,
        database_=settings.neo4j_database,
    )
    return {"offline": list(records[0]["offline"]), "pruned": records[0]["pruned"]}


async def list_hubs(
    driver: AsyncDriver, *, database: str, include_offline: bool = False, limit: int = 1000
) -> list[HubInfo]:
    records, _, _ = await driver.execute_query(
        named_query("federation/list_hubs"),
        includeOffline=include_offline,
        limit=limit,
        database_=database,
        routing_="r",
    )
    return [HubInfo(**record.data()) for record in records]


async def metrics_event(
    driver: AsyncDriver, *, events: EventService, settings: Settings, state: dict[str, Any]
) -> Event:
    """Projects, services by health, event throughput since the last report, stream storage."""
    summary = await local_summary(driver, database=settings.neo4j_database)
    _, js = events._client()
    info = await js.stream_info(settings.events_stream)
    now = time.monotonic()
    last_seq = int(info.state.last_seq)
    previous = state.get("metrics_previous")
    rate = None
    if previous is not None and now > previous[0]:
        rate = round((last_seq - previous[1]) / (now - previous[0]), 2)
    state["metrics_previous"] = (now, last_seq)
    return events.event(
        f"hub.global.metrics.{settings.hub_id}",
        {
            "hub_id": settings.hub_id,
            "projects": summary["project_count"],
            "services_by_health": summary["services"],
            "events_per_s": rate,
            "events_stored": int(info.state.messages),
            "stream_bytes": int(info.state.bytes),
        },
        correlationid=f"metrics-{settings.hub_id}",
    )
