"""Health of registered ``(:Service)`` nodes: probing, HealthSample history, up/degraded/down.

Rules (``classify``), over a service's newest ``health_down_after`` samples (3 by default):
- **down**: the newest ``health_down_after`` samples all failed (consecutive failures);
- **degraded**: the newest sample succeeded but took longer than ``health_slow_ms`` (1000 ms), or
  at least one of the recent samples failed (but not all of them);
- **up**: all recent samples succeeded and the newest was fast;
- **unknown**: never probed.
A sample succeeds on an HTTP 2xx/3xx answer within ``health_timeout_s`` (3 s), or for ``tcp://``
URLs on an opened connection. Each probe round publishes ``hub.<hub_id>.health.<service>`` per
service probed, and ``hub.global.health`` with the summary; samples beyond
``health_sample_retention`` per service are deleted.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from neo4j import AsyncDriver
from pydantic import BaseModel, Field, ValidationError

from app.config import Settings
from app.core.cypher import query as named_query
from app.core.errors import InvalidInput, NotFound
from app.core.values import utc_now
from app.events.service import EventService
from app.health.probes import ProbeResult, probe
from ingest.ids import stable_id

MAX_CONCURRENT_PROBES = 32


# The one URL rule of the registry: a health URL is something the worker can probe; an endpoint
# is where clients reach the service.
HEALTH_URL = r"^(https?|tcp)://[^\s/?#]+[^\s]*$"
ENDPOINT_URL = r"^(https?|grpc|nats|tcp)://[^\s/?#]+[^\s]*$"


class ServiceRegistration(BaseModel):
    """A registration states the whole service: what it leaves out is cleared on re-registration."""

    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    healthUrl: str | None = Field(default=None, pattern=HEALTH_URL, max_length=2048)
    kind: str = Field(default="http", pattern=r"^(http|tcp)$")
    intervalS: float = Field(default=15.0, ge=1.0, le=86_400.0)
    type: str | None = Field(default=None, max_length=100)
    endpoint: str | None = Field(default=None, pattern=ENDPOINT_URL, max_length=2048)


class ProbedServiceRegistration(ServiceRegistration):
    """``POST /api/services``: registering a service for probing, so the health URL is required."""

    healthUrl: str = Field(pattern=HEALTH_URL, max_length=2048)


def registration(**fields: Any) -> ServiceRegistration:
    """A registration from loose input (GraphQL), bad values as :class:`InvalidInput`."""
    try:
        return ServiceRegistration(**{key: value for key, value in fields.items() if value is not None})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(f"{where}: {first['msg']}") from None


class ServiceHealth(BaseModel):
    id: str
    name: str
    healthUrl: str | None = None
    kind: str = "http"
    health: str = "unknown"
    latencyMs: float | None = None
    lastCheckedAt: str | None = None
    healthChangedAt: str | None = None


def service_id(name: str) -> str:
    """Services are keyed by name, like every entity with a natural key."""
    return stable_id("service", name)


def classify(recent: Sequence[dict[str, Any]], *, down_after: int, slow_ms: float) -> str:
    """``recent`` newest first: [{ok, latencyMs}, ...]. See the module docstring."""
    if not recent:
        return "unknown"
    window = list(recent[:down_after])
    failures = sum(1 for sample in window if not sample["ok"])
    if len(window) >= down_after and failures == len(window):
        return "down"
    newest = window[0]
    if not newest["ok"]:
        return "degraded" if len(window) < down_after or failures < len(window) else "down"
    if failures or (newest.get("latencyMs") or 0) > slow_ms:
        return "degraded"
    return "up"


def _token(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "service"


async def register_service(driver: AsyncDriver, *, registration: ServiceRegistration, database: str) -> str:
    """The one way a Service is registered (REST ``POST /api/services`` and GraphQL
    ``registerService``); returns its id."""
    name = registration.name.strip()
    records, _, _ = await driver.execute_query(
        named_query("health/upsert_service"),
        id=service_id(name),
        name=name,
        type=registration.type or registration.kind,
        endpoint=registration.endpoint or registration.healthUrl,
        healthUrl=registration.healthUrl,
        kind=registration.kind,
        intervalS=registration.intervalS,
        now=utc_now(),
        database_=database,
    )
    return str(records[0]["props"]["id"])


async def list_services(driver: AsyncDriver, *, database: str, limit: int = 1000) -> list[ServiceHealth]:
    records, _, _ = await driver.execute_query(
        named_query("health/list_services"), limit=limit, database_=database, routing_="r"
    )
    return [ServiceHealth(**record.data()) for record in records]


async def probe_services(
    driver: AsyncDriver, *, settings: Settings, events: EventService | None, only_due: bool = True
) -> list[ServiceHealth]:
    """One round: probe the due services, record samples, update health, publish the results."""
    records = await _due_services(driver, settings=settings, only_due=only_due)
    if not records:
        return []
    services, _ = await _probe_and_record(driver, settings=settings, events=events, records=records)
    return services


class ServiceCheck(BaseModel):
    """One on-demand probe: its own result (up/degraded/down) and the service's health after it."""

    result: str
    ok: bool
    statusCode: int | None = None
    latencyMs: float
    error: str | None = None
    service: ServiceHealth


async def check_service(
    driver: AsyncDriver, *, settings: Settings, events: EventService | None, service_id: str
) -> ServiceCheck:
    """Probe one service now (whether due or not), recorded like a worker round's sample."""
    candidates = await _due_services(driver, settings=settings, only_due=False)
    records = [r for r in candidates if r["id"] == service_id]
    if not records:
        raise NotFound(f"no service {service_id!r} with a health URL")
    services, results = await _probe_and_record(driver, settings=settings, events=events, records=records)
    result = results[service_id]
    slow = result.latency_ms > settings.health_slow_ms
    return ServiceCheck(
        result="down" if not result.ok else "degraded" if slow else "up",
        ok=result.ok,
        statusCode=result.status_code,
        latencyMs=result.latency_ms,
        error=result.error,
        service=next(s for s in services if s.id == service_id),
    )


async def _due_services(driver: AsyncDriver, *, settings: Settings, only_due: bool) -> list[Any]:
    records, _, _ = await driver.execute_query(
        named_query("health/due_services"),
        onlyDue=only_due,
        defaultIntervalS=settings.health_interval_s,
        limit=10_000,
        database_=settings.neo4j_database,
    )
    return list(records)


async def _probe_and_record(
    driver: AsyncDriver, *, settings: Settings, events: EventService | None, records: Sequence[Any]
) -> tuple[list[ServiceHealth], dict[str, ProbeResult]]:
    """Probe ``records``, record samples, update health, publish; the probed services and results."""
    database = settings.neo4j_database
    gate = asyncio.Semaphore(MAX_CONCURRENT_PROBES)

    async with httpx.AsyncClient(trust_env=False) as client:

        async def one(record: Any) -> tuple[Any, ProbeResult]:
            async with gate:
                return record, await probe(
                    client, record["healthUrl"], kind=record["kind"], timeout_s=settings.health_timeout_s
                )

        results = await asyncio.gather(*(one(record) for record in records))
    now = datetime.now(UTC).isoformat()
    rows = [
        {
            "serviceId": record["id"],
            "id": uuid.uuid4().hex,
            "time": now,
            "ok": result.ok,
            "statusCode": result.status_code,
            "latencyMs": result.latency_ms,
            "error": result.error,
        }
        for record, result in results
    ]
    recent, _, _ = await driver.execute_query(
        named_query("health/record_samples"), rows=rows, window=settings.health_down_after, database_=database
    )
    updates = [
        {
            "id": r["id"],
            "name": r["name"],
            "previous": r["previous"],
            "health": classify(
                r["recent"], down_after=settings.health_down_after, slow_ms=settings.health_slow_ms
            ),
        }
        for r in recent
    ]
    await driver.execute_query(named_query("health/set_health"), rows=updates, database_=database)
    await driver.execute_query(
        named_query("health/prune_samples"),
        ids=[u["id"] for u in updates],
        keep=settings.health_sample_retention,
        database_=database,
    )
    if events is not None and events.connected:
        by_id = {record["id"]: result for record, result in results}
        published = []
        for update in updates:
            result = by_id[update["id"]]
            published.append(
                events.event(
                    f"hub.{settings.hub_id}.health.{_token(update['name'])}",
                    {
                        "service_id": update["id"],
                        "name": update["name"],
                        "health": update["health"],
                        "previous": update["previous"],
                        "ok": result.ok,
                        "status_code": result.status_code,
                        "latency_ms": result.latency_ms,
                        "error": result.error,
                    },
                )
            )
        await events.publish_many(published)
    services = await list_services(driver, database=database)
    if events is not None and events.connected:
        summary: dict[str, int] = {}
        for service in services:
            summary[service.health] = summary.get(service.health, 0) + 1
        await events.publish(
            events.event("hub.global.health", {"hub_id": settings.hub_id, "services": summary})
        )
    probed = {u["id"] for u in updates}
    return [s for s in services if s.id in probed], {record["id"]: result for record, result in results}
