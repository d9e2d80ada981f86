"""One probe of one service endpoint: HTTP(S) status and latency, or a TCP connect for others."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    latency_ms: float
    status_code: int | None = None
    error: str | None = None


async def probe_http(client: httpx.AsyncClient, url: str, *, timeout_s: float) -> ProbeResult:
    """Up means a 2xx or 3xx answer within the timeout (redirects are not followed)."""
    started = time.perf_counter()
    try:
        response = await client.get(url, timeout=timeout_s, follow_redirects=False)
    except httpx.HTTPError as error:
        return ProbeResult(False, _ms(started), error=type(error).__name__)
    ok = 200 <= response.status_code < 400
    return ProbeResult(
        ok,
        _ms(started),
        status_code=response.status_code,
        error=None if ok else f"HTTP {response.status_code}",
    )


async def probe_tcp(url: str, *, timeout_s: float) -> ProbeResult:
    """``tcp://host:port``: up means the connection opens within the timeout."""
    parts = urlsplit(url)
    started = time.perf_counter()
    if not parts.hostname or not parts.port:
        return ProbeResult(False, 0.0, error="tcp URLs need host and port")
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), timeout_s)
    except (OSError, TimeoutError) as error:
        return ProbeResult(False, _ms(started), error=type(error).__name__)
    writer.close()
    return ProbeResult(True, _ms(started))


async def probe(client: httpx.AsyncClient, url: str, *, kind: str, timeout_s: float) -> ProbeResult:
    if kind == "tcp" or url.startswith("tcp://"):
        return await probe_tcp(url, timeout_s=timeout_s)
    return await probe_http(client, url, timeout_s=timeout_s)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
