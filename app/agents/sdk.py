"""Serving an agent as a NATS micro service (``$SRV.PING/INFO/STATS`` discovery for free).

Each instance answers on two endpoints: ``agent.<name>.run`` (a queue group: any instance) and
``agent.<name>.<instance id>.run`` (this instance only, so the hub can send a step to the
least-loaded one). Its load (requests in flight) is reported as the endpoints' stats ``data``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.micro import ServiceConfig, add_service
from nats.micro.request import Request
from nats.micro.service import Service

from app.agents.models import AgentRequest, AgentResult, Outcome

AgentHandler = Callable[[AgentRequest], Awaitable[AgentResult]]


def shared_subject(name: str) -> str:
    return f"agent.{name}.run"


def instance_subject(name: str, instance_id: str) -> str:
    return f"agent.{name}.{instance_id}.run"


async def serve_agent(
    nc: NatsClient,
    *,
    name: str,
    handler: AgentHandler,
    version: str = "1.0.0",
    description: str | None = None,
) -> Service:
    """Start one instance of agent ``name`` on ``nc``; stop it with ``await service.stop()``."""
    in_flight = 0

    def report_load(_: Any) -> dict[str, int]:
        return {"load": in_flight}

    service = await add_service(
        nc,
        ServiceConfig(name=name, version=version, description=description, stats_handler=report_load),
    )

    tasks: set[asyncio.Task[None]] = set()

    async def handle(request: Request) -> None:
        # nats-py runs a subscription's callbacks one after another: each request gets its own
        # task so that one instance serves several at once (and its load means something).
        task = asyncio.create_task(serve(request))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def serve(request: Request) -> None:
        nonlocal in_flight
        in_flight += 1
        try:
            try:
                agent_request = AgentRequest.model_validate_json(request.data)
            except ValueError as error:
                await request.respond_error("400", f"bad request: {error}")
                return
            try:
                result = await handler(agent_request)
            except Exception as error:  # the agent's own failure: reported, the service lives on
                result = AgentResult(status=Outcome.ERROR, summary=f"{type(error).__name__}: {error}")
            await request.respond(result.model_dump_json().encode())
        finally:
            in_flight -= 1

    await service.add_endpoint(name="run", subject=shared_subject(name), handler=handle)
    await service.add_endpoint(
        name="direct", subject=instance_subject(name, service.id), handler=handle, queue_group=service.id
    )
    return service


def load_of(stats: dict[str, Any]) -> int:
    """The load an instance reported in its $SRV.STATS answer (0 when it reports none)."""
    loads = [
        int((endpoint.get("data") or {}).get("load", 0))
        for endpoint in stats.get("endpoints") or []
        if isinstance(endpoint.get("data"), dict)
    ]
    return max(loads, default=0)


def encode(request: AgentRequest) -> bytes:
    payload = request.model_dump(mode="json")
    if request.credentials:
        payload["credentials"] = request.credentials
    return json.dumps(payload).encode()
