"""Correlation and trace context of the work in hand, carried into every event it emits.

``CorrelationMiddleware`` (pure ASGI, so streaming responses stay unbuffered) takes
``X-Correlation-ID`` from the request or makes one, echoes it on the response, and keeps the W3C
``traceparent``: a valid incoming one is continued with a new span id, otherwise a new trace
starts. ``EventService.publish`` reads both from the context variables below.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)


def new_correlation_id() -> str:
    return secrets.token_hex(16)


def child_traceparent(parent: str | None) -> str:
    """The same trace with a new span id, or a new sampled trace when there is no valid parent."""
    match = _TRACEPARENT.match(parent or "")
    if match and match.group(2) != "0" * 32 and match.group(1) != "ff":
        return f"00-{match.group(2)}-{secrets.token_hex(8)}-{match.group(4)}"
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        incoming = headers.get(CORRELATION_HEADER, "")
        cid = incoming if _VALID_ID.match(incoming) else new_correlation_id()
        trace = child_traceparent(headers.get("traceparent"))
        cid_token = correlation_id.set(cid)
        trace_token = traceparent.set(trace)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-correlation-id", cid.encode()), (b"traceparent", trace.encode())]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            correlation_id.reset(cid_token)
            traceparent.reset(trace_token)
