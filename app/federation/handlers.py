"""The federation's part of the event bridge: the presence handler and the heartbeat loop.

Federation depends on events, never the reverse: ``app/main.py`` hands ``router`` and
``presence_loop`` to the bridge.
"""

from __future__ import annotations

import asyncio
import logging

from app.events.service import BridgeContext, Event, HandlerRouter
from app.federation.service import mark_silent_hubs, presence_event, record_presence

log = logging.getLogger(__name__)

router = HandlerRouter()


@router.on("hub.global.presence")
async def on_presence(event: Event, ctx: BridgeContext) -> None:
    await record_presence(ctx.driver, event=event, database=ctx.settings.neo4j_database)


async def presence_loop(ctx: BridgeContext) -> None:
    """Heartbeat every ``presence_interval_s``; silent hubs are looked for every second so one is
    marked offline within a second of passing ``presence_offline_after_s``."""
    settings, events = ctx.settings, ctx.events
    loop = asyncio.get_running_loop()
    next_beat = loop.time()
    while True:
        if loop.time() >= next_beat:
            next_beat = loop.time() + settings.presence_interval_s
            try:
                await events.publish(await presence_event(ctx.driver, events=events, settings=settings))
            except Exception as error:
                log.info("presence not published: %s: %s", type(error).__name__, error)
        try:
            await mark_silent_hubs(ctx.driver, settings=settings)
        except Exception as error:
            log.debug("silent hubs not checked: %s", error)
        await asyncio.sleep(min(1.0, settings.presence_interval_s))
