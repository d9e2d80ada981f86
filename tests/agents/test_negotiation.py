"""Negotiation on real NATS and Redis: a sub-task handed to the agent serving a capability, the
shared context in Redis expiring after its TTL, and clear errors for a missing responder, an
unknown capability, a bad message and a responder slower than the deadline."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from redis.asyncio import Redis

from app.agents import service as agents
from app.agents.models import AgentResult, NegotiationRequest, Outcome
from app.agents.negotiation import NegotiationFailed, negotiate, serve_capability, share_context, subject
from app.config import Settings
from app.core.db import create_async_driver
from app.core.errors import InvalidInput

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "eslint_js"
KNOWN = {"lint", "security", "slow"}


@pytest.fixture
async def wire(settings: Settings) -> AsyncIterator[tuple[Any, Redis]]:
    nc = await nats.connect(settings.nats_server_url)
    redis = Redis.from_url(settings.redis_server_url)
    yield nc, redis
    await nc.drain()
    await redis.aclose()


async def test_the_linter_takes_a_sub_task_and_its_context_expires(
    settings: Settings, wire: tuple[Any, Redis], tmp_path: Path
):
    nc, redis = wire
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURE, repo)
    settings = settings.model_copy(update={"ingest_roots": [tmp_path.resolve()]})  # may be checked
    driver = create_async_driver(settings)
    responders = await agents.serve_negotiation(driver=driver, settings=settings, nc=nc, redis=redis)
    seen: list[NegotiationRequest] = []

    async def record(msg: Any) -> None:
        seen.append(NegotiationRequest.model_validate_json(msg.data))

    monitor = await nc.subscribe(subject("lint"), cb=record)  # outside the queue group: sees each request
    try:
        result, responder = await negotiate(
            nc=nc,
            redis=redis,
            capability="lint",
            requester="graph-review",
            context={"repo": str(repo), "files": ["src/cart.js"]},
            known_capabilities=KNOWN,
            deadline_s=60,
            context_ttl_s=2,
        )
    finally:
        await monitor.unsubscribe()
        for sub in responders:
            await sub.unsubscribe()
        await driver.close()
    assert responder == "linter" and result.status == Outcome.FAILED
    assert {(f.rule, f.path, f.line) for f in result.findings} == {
        ("eslint:eqeqeq", "src/cart.js", 5),
        ("eslint:no-unused-vars", "src/cart.js", 2),
    }
    (request,) = seen
    assert request.requester == "graph-review" and request.task == {}
    assert str(repo) not in json.dumps(request.model_dump())  # the message carries the key, not the data
    key = request.context_key
    assert json.loads(await redis.get(key))["files"] == ["src/cart.js"]
    assert 0 < await redis.ttl(key) <= 61  # the TTL covers at least the deadline
    await redis.expire(key, 1)
    await asyncio.sleep(1.5)
    assert await redis.get(key) is None


async def test_context_ttl(wire: tuple[Any, Redis]):
    _, redis = wire
    key = await share_context(redis, {"files": ["a.py"]}, ttl_s=1)
    assert json.loads(await redis.get(key)) == {"files": ["a.py"]}
    await asyncio.sleep(1.6)
    assert await redis.get(key) is None


async def test_a_missing_responder_is_a_clear_error_within_the_deadline(wire: tuple[Any, Redis]):
    nc, redis = wire
    began = time.monotonic()
    with pytest.raises(NegotiationFailed, match="no agent serves capability 'security'"):
        await negotiate(
            nc=nc, redis=redis, capability="security", requester="graph-review",
            context={"repo": "/tmp", "files": []}, known_capabilities=KNOWN, deadline_s=5,
        )  # fmt: skip
    assert time.monotonic() - began < 5


async def test_a_responder_slower_than_the_deadline(wire: tuple[Any, Redis]):
    nc, redis = wire

    async def slow(task: dict[str, Any], context: dict[str, Any]) -> AgentResult:
        await asyncio.sleep(5)
        return AgentResult(status=Outcome.PASSED)

    sub = await serve_capability(nc, redis, capability="slow", responder="sloth", handle=slow)
    try:
        began = time.monotonic()
        with pytest.raises(NegotiationFailed, match=r"no answer for capability 'slow' within 0\.5s"):
            await negotiate(
                nc=nc, redis=redis, capability="slow", requester="graph-review",
                context={}, known_capabilities=KNOWN, deadline_s=0.5,
            )  # fmt: skip
        assert time.monotonic() - began < 2
    finally:
        await sub.unsubscribe()


async def test_unknown_capabilities_and_bad_messages_are_refused(wire: tuple[Any, Redis]):
    nc, redis = wire
    before = len([k async for k in redis.scan_iter("hub:negotiate:ctx:*")])
    with pytest.raises(InvalidInput, match="unknown capability 'telepathy'"):
        await negotiate(
            nc=nc, redis=redis, capability="telepathy", requester="graph-review",
            context={"x": 1}, known_capabilities=KNOWN,
        )  # fmt: skip
    assert len([k async for k in redis.scan_iter("hub:negotiate:ctx:*")]) == before  # nothing stored

    async def never(task: dict[str, Any], context: dict[str, Any]) -> AgentResult:
        raise AssertionError("a bad request must not reach the handler")

    sub = await serve_capability(nc, redis, capability="slow", responder="sloth", handle=never)
    try:
        reply = await nc.request(subject("slow"), b'{"capability": "slow", "requester": "x"}', timeout=5)
        answer = json.loads(reply.data)
        assert answer["result"] is None
        assert "context_key" in answer["error"] and "deadline_ms" in answer["error"]
        missing = NegotiationRequest(
            capability="slow", requester="x", context_key="hub:negotiate:ctx:" + "0" * 32, deadline_ms=1000
        )
        reply = await nc.request(subject("slow"), missing.model_dump_json().encode(), timeout=5)
        assert "expired or unknown" in json.loads(reply.data)["error"]
        wrong = missing.model_copy(update={"capability": "lint"})
        reply = await nc.request(subject("slow"), wrong.model_dump_json().encode(), timeout=5)
        assert "sent for 'lint'" in json.loads(reply.data)["error"]
    finally:
        await sub.unsubscribe()
