"""NATS handlers of the federation domain (wired into the worker's router by ``app/worker.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

from neo4j import AsyncDriver

from app.config import Settings
from app.events.models import Event
from app.federation.service import record_presence


async def record_presence_event(event: Event, *, driver: AsyncDriver, settings: Settings) -> bool:
    """Upsert the sender's ``(:Hub)``. A heartbeat older than the offline threshold (replayed
    after the worker was down) says nothing about now and is skipped."""
    age = (datetime.now(UTC) - event.time).total_seconds()
    if age > settings.presence_offline_after_s:
        return False
    await record_presence(driver, event=event, database=settings.neo4j_database)
    return True
