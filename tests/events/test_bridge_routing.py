"""Routing rules of the bridge: what another hub may send here, and what this hub may publish."""

from __future__ import annotations

import asyncio

import pytest
from neo4j import AsyncDriver

from app.config import Settings
from app.core.errors import InvalidInput
from app.events.bridge import Bridge
from app.events.handlers import HandlerRouter
from app.events.models import Event, Origin, PublishRequest
from app.events.service import EventService


def foreign(subject: str, hub: str = "east") -> Event:
    return Event(source=f"/hubs/{hub}/hub", type="t", subject=subject, origin=Origin(hub_id=hub))


async def test_import_rules_filter_other_hubs_and_handlers_run(
    settings: Settings, async_driver: AsyncDriver
) -> None:
    ruled = settings.model_copy(
        update={
            "events_import_subjects": ["hub.global.>", "hub.*.audit.*"],
            "events_export_subjects": ["hub.{hub_id}.>"],
        }
    )
    events = EventService(ruled)
    await events.connect()
    seen: list[str] = []
    router = HandlerRouter()

    @router.on("hub.*.audit.*")
    async def on_audit(event: Event, _: object) -> None:
        seen.append(event.subject)

    @router.on("hub.*.secret.*")
    async def on_secret(event: Event, _: object) -> None:
        seen.append(event.subject)

    bridge = Bridge(ruled, events, async_driver, handlers=router, presence=False)
    assert bridge.accepts(foreign("hub.east.audit.created"))
    assert not bridge.accepts(foreign("hub.east.secret.leaked"))
    assert bridge.accepts(foreign("hub.global.presence"))
    assert not bridge.accepts(foreign("hub.local.secret.leaked", hub="east"))  # claims to be us: refused
    bridge.start()
    try:
        await asyncio.sleep(0.3)
        other = EventService(settings.model_copy(update={"hub_id": "east"}))
        await other.connect()
        await other.publish(other.event("hub.east.audit.created", {}))
        await other.publish(other.event("hub.east.secret.leaked", {}))
        await events.publish(events.event("hub.local.secret.kept", {}))
        deadline = asyncio.get_running_loop().time() + 5
        while len(seen) < 2 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        assert sorted(seen) == ["hub.east.audit.created", "hub.local.secret.kept"]
        assert bridge.dropped >= 1
        await other.close()
    finally:
        await bridge.stop()
        await events.close()

    with pytest.raises(InvalidInput, match="may not publish"):
        events.build(PublishRequest(subject="hub.global.insights"))  # not exported by these rules
