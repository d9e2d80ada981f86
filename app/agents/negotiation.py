"""Negotiation: one agent hands a sub-task to another agent by capability.

The requester stores the shared context (the files, the findings that prompted the sub-check)
in Redis under ``hub:negotiate:ctx:<uuid>`` with a TTL, then sends a ``NegotiationRequest`` that
carries only the key, by NATS request-reply on ``agent.negotiate.<capability>`` with the deadline
as the request timeout. Whoever serves the capability (a queue group: one responder per request)
reads the context, does the work and answers with a ``NegotiationResponse``. The context outlives
the hand-off by at most its TTL, so a crashed responder leaves nothing behind. Both sides
validate the messages; a capability nobody declares is refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import ValidationError
from redis.asyncio import Redis

from app.agents.models import AgentResult, NegotiationRequest, NegotiationResponse
from app.core.errors import DependencyUnavailable, InvalidInput

log = logging.getLogger(__name__)
SUBJECT_PREFIX = "agent.negotiate"
CONTEXT_PREFIX = "hub:negotiate:ctx:"
DEFAULT_CONTEXT_TTL_S = 300
MAX_CONTEXT_BYTES = 4 * 1024 * 1024

SubTask = Callable[[dict[str, Any], dict[str, Any]], Awaitable[AgentResult]]  # (task, context)


class NegotiationFailed(DependencyUnavailable):
    """No responder, no answer within the deadline, or the responder refused."""


def subject(capability: str) -> str:
    return f"{SUBJECT_PREFIX}.{capability}"


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())


async def share_context(redis: Redis, context: dict[str, Any], *, ttl_s: int = DEFAULT_CONTEXT_TTL_S) -> str:
    """Store the context under a fresh key that expires after ``ttl_s``; the key."""
    payload = json.dumps(context, default=str).encode()
    if len(payload) > MAX_CONTEXT_BYTES:
        raise InvalidInput(f"negotiation context is {len(payload)} bytes; the limit is {MAX_CONTEXT_BYTES}")
    key = f"{CONTEXT_PREFIX}{uuid.uuid4().hex}"
    await redis.set(key, payload, ex=max(1, int(ttl_s)))
    return key


async def read_context(redis: Redis, key: str) -> dict[str, Any] | None:
    raw = await redis.get(key)
    return None if raw is None else dict(json.loads(raw))


async def negotiate(
    *,
    nc: Any,
    redis: Redis,
    capability: str,
    requester: str,
    context: dict[str, Any],
    task: dict[str, Any] | None = None,
    known_capabilities: set[str],
    deadline_s: float = 60.0,
    context_ttl_s: int = DEFAULT_CONTEXT_TTL_S,
    correlation_id: str | None = None,
) -> tuple[AgentResult, str]:
    """Hand a sub-task to whoever serves ``capability``; its result and the responder's name.
    Raises ``InvalidInput`` for an unknown capability or a bad request, ``NegotiationFailed`` when
    nobody answers within ``deadline_s`` or the responder refuses."""
    if capability not in known_capabilities:
        raise InvalidInput(
            f"unknown capability {capability!r}",
            hint=f"known: {', '.join(sorted(known_capabilities)) or 'none'}",
        )
    # The TTL covers at least the deadline: the responder must still find the context.
    key = await share_context(redis, context, ttl_s=max(context_ttl_s, int(deadline_s) + 1))
    try:
        request = NegotiationRequest(
            capability=capability,
            requester=requester,
            context_key=key,
            task=task or {},
            deadline_ms=max(1, int(deadline_s * 1000)),
            correlation_id=correlation_id,
        )
    except ValidationError as error:
        await redis.delete(key)
        raise InvalidInput(f"invalid negotiation request: {_problems(error)}") from None
    try:
        reply = await nc.request(subject(capability), request.model_dump_json().encode(), timeout=deadline_s)
    except NoRespondersError:
        raise NegotiationFailed(
            f"no agent serves capability {capability!r} (nothing listens on {subject(capability)})"
        ) from None
    except (NatsTimeoutError, TimeoutError):
        raise NegotiationFailed(f"no answer for capability {capability!r} within {deadline_s:g}s") from None
    try:
        response = NegotiationResponse.model_validate_json(reply.data)
    except ValidationError as error:
        raise NegotiationFailed(f"the {capability!r} responder answered badly: {_problems(error)}") from None
    if response.error or response.result is None:
        raise NegotiationFailed(f"{response.responder} refused the {capability!r} sub-task: {response.error}")
    return response.result, response.responder


async def serve_capability(nc: Any, redis: Redis, *, capability: str, responder: str, handle: SubTask) -> Any:
    """Answer ``agent.negotiate.<capability>`` (queue group: each request reaches one responder);
    the subscription (``await sub.unsubscribe()`` to stop)."""
    running: set[asyncio.Task[None]] = set()

    async def serve(msg: Any) -> None:
        response = await respond(msg.data)
        with contextlib.suppress(Exception):
            await msg.respond(response.model_dump_json().encode())

    async def respond(data: bytes) -> NegotiationResponse:
        def refuse(why: str) -> NegotiationResponse:
            return NegotiationResponse(responder=responder, error=why)

        try:
            request = NegotiationRequest.model_validate_json(data)
        except ValidationError as error:
            return refuse(f"bad request: {_problems(error)}")
        if request.capability != capability:
            return refuse(f"sent for {request.capability!r} on the subject of {capability!r}")
        context = await read_context(redis, request.context_key)
        if context is None:
            return refuse(f"context {request.context_key} expired or unknown")
        try:
            result = await asyncio.wait_for(handle(request.task, context), request.deadline_ms / 1000)
        except Exception as error:  # the sub-task's failure goes back to the requester
            return refuse(f"{type(error).__name__}: {error}")
        return NegotiationResponse(responder=responder, result=result)

    async def on_message(msg: Any) -> None:
        # One task per request: nats-py runs a subscription's callbacks one after another.
        task = asyncio.create_task(serve(msg))
        running.add(task)
        task.add_done_callback(running.discard)

    return await nc.subscribe(subject(capability), queue=f"negotiate-{capability}", cb=on_message)
