"""REST, WebSocket and SSE entry points of the events domain (thin: they call EventService)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from app.core.deps import DriverDep, VisibleProjectsDep, get_visible_projects
from app.core.errors import DependencyUnavailable, HubError, InvalidInput
from app.events.models import MAX_STREAM_SEQ, EventPage, EventQuery, PublishAck, PublishRequest, check_pattern
from app.events.projection import rebuild
from app.events.service import EventService

router = APIRouter(prefix="/api/events", tags=["events"])


def get_events(request: Request) -> EventService:
    events = getattr(request.app.state, "events", None)
    if events is None:
        raise DependencyUnavailable("the event backbone is not started")
    return events


EventsDep = Annotated[EventService, Depends(get_events)]


@router.post("/publish", response_model=PublishAck, status_code=201)
async def publish(body: PublishRequest, events: EventsDep) -> PublishAck:
    return await events.publish(events.build(body))


@router.get("", response_model=EventPage)
async def query_events(
    events: EventsDep,
    driver: DriverDep,
    projects: VisibleProjectsDep,
    subject: str = "hub.>",
    since: datetime | None = None,
    until: datetime | None = None,
    correlation_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_STREAM_SEQ)] = None,
) -> EventPage:
    try:
        q = EventQuery(
            subject=subject,
            since=since,
            until=until,
            correlation_id=correlation_id,
            limit=limit,
            cursor=cursor,
        )
    except ValidationError as error:
        raise InvalidInput(f"bad query: {error.errors()[0]['msg']}") from None
    return await events.query(q, driver=driver, projects=projects)


@router.post("/projection/rebuild")
async def rebuild_projection(request: Request, events: EventsDep, driver: DriverDep) -> dict[str, int]:
    bridge = getattr(request.app.state, "bridge", None)
    removed = await rebuild(events, driver, projector=bridge.projector if bridge else None)
    return {"removed": removed}


@router.websocket("/stream")
async def stream_ws(websocket: WebSocket, subject: str = "hub.>") -> None:
    """Live events as JSON text frames. A bad pattern closes with 1008 and the reason."""
    events: EventService | None = getattr(websocket.app.state, "events", None)
    try:
        check_pattern(subject)
        if events is None:
            raise DependencyUnavailable("the event backbone is not started")
        stream = await events.subscribe(subject, projects=get_visible_projects(websocket))
    except HubError as error:
        await websocket.close(code=1008 if isinstance(error, InvalidInput) else 1011, reason=error.message)
        return
    await websocket.accept()

    async def watch_disconnect() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()

    async def pump() -> None:
        async for event in stream:
            await websocket.send_text(event.model_dump_json(exclude_none=True))

    tasks = {asyncio.create_task(watch_disconnect()), asyncio.create_task(pump())}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await stream.aclose()
    for task in done:
        error = task.exception()
        if isinstance(error, HubError):
            await websocket.close(code=1011, reason=error.message)


@router.get("/stream", response_class=StreamingResponse)
async def stream_sse(
    request: Request, events: EventsDep, projects: VisibleProjectsDep, subject: str = "hub.>"
) -> StreamingResponse:
    """The same live stream as Server-Sent Events (``id:`` is the event id)."""
    check_pattern(subject)
    stream = await events.subscribe(subject, projects=projects)

    async def body() -> AsyncIterator[str]:
        yield ": connected\n\n"
        try:
            async for event in stream:
                if await request.is_disconnected():
                    break
                data = event.model_dump_json(exclude_none=True)
                yield f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"
        finally:
            await stream.aclose()

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
