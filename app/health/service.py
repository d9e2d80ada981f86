"""The health domain's public functions: probing the hub's own dependencies (Neo4j, NATS, Redis:
one function each, all run concurrently), and the Service registry of
:mod:`app.health.services_health`, re-exported here as the one door other domains use
(``register_service``, ``registration``, ``list_services``, ``service_id``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import nats
import redis.asyncio as aioredis
from neo4j import AsyncDriver

from app.config import Settings, redact_url
from app.core.nats import quiet_nats_error
from app.health.models import DependencyStatus, HealthReport
from app.health.services_health import (
    ServiceHealth,
    ServiceRegistration,
    list_services,
    register_service,
    registration,
    service_id,
)

__all__ = [
    "ServiceHealth",
    "ServiceRegistration",
    "check_dependencies",
    "list_services",
    "register_service",
    "registration",
    "service_id",
]

PROBE_TIMEOUT_S = 3.0


async def _components(driver: AsyncDriver) -> Any:
    # A plain session, not execute_query: a probe must not sit in the driver's retry loop.
    async with driver.session(database="system") as session:
        result = await session.run(
            "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition"
        )
        return await result.single(strict=True)


async def probe_neo4j(settings: Settings, driver: AsyncDriver | None) -> DependencyStatus:
    status = DependencyStatus(name="neo4j", url=settings.neo4j_bolt_uri, up=False,
                              managed=settings.neo4j_managed)  # fmt: skip
    started = time.perf_counter()
    if driver is None:
        status.detail = "no credentials: run `hub up` or set HUB_NEO4J_PASSWORD"
        return status
    try:
        record = await asyncio.wait_for(_components(driver), PROBE_TIMEOUT_S)
        status.up = True
        status.version = f"{record['v']} {record['edition']}"
    except Exception as error:
        status.detail = type(error).__name__ + (f": {error}" if str(error) else "")
    status.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return status


async def probe_nats(settings: Settings) -> DependencyStatus:
    url = settings.nats_server_url
    status = DependencyStatus(name="nats", url=redact_url(url), up=False, managed=settings.nats_managed)
    started = time.perf_counter()
    client = None
    try:
        client = await asyncio.wait_for(
            nats.connect(
                url,
                connect_timeout=PROBE_TIMEOUT_S,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                error_cb=quiet_nats_error,
            ),
            PROBE_TIMEOUT_S,
        )
        await client.flush(timeout=PROBE_TIMEOUT_S)
        account = await client.jetstream().account_info()
        status.up = True
        version = client.connected_server_version
        status.version = f"{version.major}.{version.minor}.{version.patch}"
        status.detail = f"jetstream streams={account.streams}"
    except Exception as error:
        status.detail = type(error).__name__ + (f": {error}" if str(error) else "")
    finally:
        if client is not None:
            await client.close()
    status.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return status


async def probe_redis(settings: Settings) -> DependencyStatus:
    url = settings.redis_server_url
    status = DependencyStatus(name="redis", url=redact_url(url), up=False, managed=settings.redis_managed)
    started = time.perf_counter()
    client = aioredis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_S, socket_timeout=PROBE_TIMEOUT_S)
    try:
        await client.ping()
        info = await client.info("server")
        status.up = True
        status.version = str(info.get("redis_version"))
    except Exception as error:
        status.detail = type(error).__name__ + (f": {error}" if str(error) else "")
    finally:
        await client.aclose()
    status.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return status


async def check_dependencies(*, settings: Settings, driver: AsyncDriver | None) -> HealthReport:
    results = await asyncio.gather(probe_neo4j(settings, driver), probe_nats(settings), probe_redis(settings))
    report = HealthReport(status="ok", hub_id=settings.hub_id, dependencies=list(results))
    if not report.all_up:
        report.status = "degraded"
    return report


async def probe_registered_services(*, driver: AsyncDriver, settings: Settings) -> list[Any]:
    """Probe every registered Service now, recorded like a worker round (the health-checker
    agent's entry into this domain)."""
    from app.health.services_health import probe_services

    return await probe_services(driver, settings=settings, events=None, only_due=False)
