"""GraphQL subscriptions events(subject) and graphChanged(projectId) against real NATS."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace

import strawberry

from app.config import Settings
from app.core.principal import Principal, Scope
from app.events.schema import EventsSubscription
from app.events.service import EventService


@strawberry.type
class Query:
    ping: str = "pong"


READER = Principal(key_id="test", name="test", kind="key", scopes=frozenset({Scope.READ}))

schema = strawberry.Schema(query=Query, subscription=EventsSubscription)


async def first_result(generator, publish) -> dict:  # type: ignore[no-untyped-def]
    task = asyncio.ensure_future(generator.__anext__())
    await asyncio.sleep(0.2)  # the resolver subscribes on its first step
    await publish()
    result = await asyncio.wait_for(task, 5)
    await generator.aclose()
    assert result.errors is None, result.errors
    return result.data


async def test_events_subscription(settings: Settings) -> None:
    events = EventService(settings)
    await events.connect()
    d = "g" + uuid.uuid4().hex[:8]
    sent = events.event(f"hub.local.{d}.created", {"k": 1}, correlationid="gql-1")
    generator = await schema.subscribe(
        f'subscription {{ events(subject: "hub.local.{d}.*") {{ id subject hubId correlationId data }} }}',
        # a caller with every project: estate-wide events are hidden from project-limited keys
        context_value=SimpleNamespace(events=events, principal=READER),
    )
    data = await first_result(generator, lambda: events.publish(sent))
    assert data["events"] == {
        "id": sent.id,
        "subject": sent.subject,
        "hubId": "local",
        "correlationId": "gql-1",
        "data": {"k": 1},
    }
    await events.close()


async def test_graph_changed_subscription_filters_by_project(settings: Settings) -> None:
    events = EventService(settings)
    await events.connect()
    project = "p" + uuid.uuid4().hex[:8]

    async def publish() -> None:
        await events.publish(events.event("hub.local.graph.updated", {"project_id": "someone-else"}))
        await events.publish(
            events.event("hub.local.graph.updated", {"project_id": project, "counts": {"files": 3}})
        )

    generator = await schema.subscribe(
        f'subscription {{ graphChanged(projectId: "{project}") {{ projectId subject counts }} }}',
        context_value={"events": events},
    )
    data = await first_result(generator, publish)
    assert data["graphChanged"] == {
        "projectId": project,
        "subject": "hub.local.graph.updated",
        "counts": {"files": 3},
    }
    await events.close()


WS_GRAPHQL = "ws://127.0.0.1:8000/graphql"  # the TestClient's websocket_connect ignores base_url


def test_the_app_answers_graphql_ws_in_text_frames(settings: Settings, admin_token: str) -> None:
    """Browsers' graphql-ws clients reject binary frames; the app's JSON encoder must yield text."""
    import json

    from tests_support import api_client

    from app.main import create_app

    with (
        api_client(create_app(settings), admin_token) as client,
        client.websocket_connect(WS_GRAPHQL, subprotocols=["graphql-transport-ws"]) as socket,
    ):
        socket.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {admin_token}"}})
        assert json.loads(socket.receive_text()) == {"type": "connection_ack"}
