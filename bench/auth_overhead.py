"""What the trust boundary adds to one request, measured directly on a live runtime (Redis, Neo4j).

The end-to-end before/after comparison (``query_latency.py --before-root``) is drowned by load on a
shared machine; this measures the boundary's own work per request in-process, alternating with a
baseline of the same loop doing nothing, so the figure is the added latency of: Host/Origin/JSON
checks, the credential (cached verification + the Redis epoch/rate-limit round trip), the route
rule and the GraphQL ScopeGuard walk of a projectGraph depth 2 document.

    .venv/bin/python bench/auth_overhead.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphql import parse
from redis.asyncio import Redis

from app.auth.graphql import ScopeGuard
from app.auth.middleware import TrustBoundary
from app.auth.models import KeyRequest
from app.auth.scopes import check, route_rule
from app.auth.service import Guard, create_key
from app.config import get_settings
from app.core.db import create_async_driver
from app.core.principal import principal_of

QUERY = parse(
    "query($p: ID!, $r: [ID!], $d: Int!, $l: Int!) { projectGraph(projectId: $p, rootIds: $r, depth: $d,"
    " limit: $l) { truncated nodes { id entity label distance } edges { fromId toId type } } }"
)


async def main(requests: int) -> None:
    settings = get_settings()
    driver = create_async_driver(settings)
    redis = Redis.from_url(settings.redis_server_url)
    request = KeyRequest(name="bench-overhead", scopes=["read"])  # type: ignore[list-item]
    token = (await create_key(driver, database=settings.neo4j_database, request=request)).token
    state = SimpleNamespace(
        guard=Guard(settings.model_copy(update={"rate_limit_requests": 10**9}), driver, redis)
    )
    boundary = TrustBoundary(app=None, settings=settings)  # type: ignore[arg-type]
    guard_extension = ScopeGuard()
    variables = {"p": "0" * 32, "r": ["1" * 32], "d": 2, "l": 500}

    def scope() -> dict:
        return {"type": "http", "method": "POST", "path": "/graphql", "app": SimpleNamespace(state=state),
                "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {token}".encode()),
                            (b"content-type", b"application/json"), (b"content-length", b"300")]}  # fmt: skip

    async def with_boundary() -> None:
        s = scope()
        await boundary._admit(s)
        principal = principal_of(SimpleNamespace(scope=s))  # type: ignore[arg-type]
        check(route_rule("POST", "/graphql"), principal, what="POST /graphql")
        guard_extension._check(QUERY.definitions, None, variables, principal)

    async def baseline() -> None:
        scope()

    await with_boundary()  # the first call verifies with scrypt; every later one is the cached path
    samples: dict[str, list[float]] = {"boundary": [], "baseline": []}
    for _ in range(requests):
        for name, step in (("baseline", baseline), ("boundary", with_boundary)):
            started = time.perf_counter()
            await step()
            samples[name].append((time.perf_counter() - started) * 1000)
    await redis.aclose()
    await driver.close()
    b, a = statistics.median(samples["baseline"]), statistics.median(samples["boundary"])
    p95 = sorted(samples["boundary"])[int(0.95 * len(samples["boundary"]))]
    print("| requests | baseline median ms | boundary median ms | added median ms | boundary p95 ms |")
    print("|---|---|---|---|---|")
    print(f"| {requests} | {b:.4f} | {a:.4f} | {a - b:.4f} | {p95:.4f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    asyncio.run(main(parser.parse_args().requests))
