"""The request guard in front of every route: browsers kept out, callers authenticated, rates
limited; then each route's scope rule (app/auth/scopes.py) checked once it is known.

Order: Host allow-list (DNS rebinding) -> Origin on state-changing requests and websocket upgrades
(cross-site requests) -> JSON bodies only -> credential (Bearer header, else the session cookie)
-> rate limit -> the rule of the route. Pure ASGI, so streaming responses are not buffered.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import WebSocketException
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.scopes import API_PREFIXES, PLAIN_ROUTE_RULES, PUBLIC, STATIC_PREFIXES, check, route_rule
from app.auth.service import SESSION_COOKIE, Guard
from app.config import Settings
from app.core.errors import HubError
from app.core.principal import Forbidden, Unauthenticated, principal_of

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Neither is a CORS-safelisted type: a cross-site page cannot send one without a preflight, which
# this hub never answers (no CORS), so both are safe from browsers; text/plain and forms are not.
BODY_MEDIA_TYPES = frozenset({"application/json", "application/yaml"})
OPEN_PATHS = frozenset({"/healthz", "/login", "/logout"})


def _host_name(host: str) -> str:
    if host.startswith("["):  # [::1]:8000
        return host[: host.find("]") + 1].lower()
    return host.rsplit(":", 1)[0].lower() if ":" in host else host.lower()


class TrustBoundary:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.allowed_hosts = frozenset(
            [*LOOPBACK_HOSTS, *(h.lower() for h in settings.allowed_hosts)]
            + ([settings.api_host.lower()] if settings.api_host not in ("0.0.0.0", "::") else [])  # noqa: S104
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            await self._admit(scope)
        except HubError as error:
            await _refuse(scope, send, error, retry_after=getattr(error, "retry_after", None))
            return
        await self.app(scope, receive, send)

    async def _admit(self, scope: Scope) -> None:
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if _host_name(host) not in self.allowed_hosts:
            raise HostRefused(f"host {host[:100]!r} is not one of this hub's names",
                              hint="add it to HUB_ALLOWED_HOSTS")  # fmt: skip
        websocket = scope["type"] == "websocket"
        method = "WS" if websocket else scope["method"]
        if websocket or method in UNSAFE_METHODS:
            _same_origin(headers, host)
        if method in UNSAFE_METHODS and _has_body(headers):
            media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type not in BODY_MEDIA_TYPES:
                raise UnsupportedMediaType(
                    "request bodies are JSON: send Content-Type: application/json "
                    "(a workflow document may also be application/yaml)"
                )

        path: str = scope["path"]
        token = _credential(headers)
        principal = None
        if token is not None:
            guard: Guard = scope["app"].state.guard
            principal, retry_after = await guard.check(token)
            if principal is None and not _open(path, method):
                raise Unauthenticated("the credential is not valid (unknown, revoked, rotated or expired)")
            if retry_after is not None:
                limit, window = self.settings.rate_limit_requests, self.settings.rate_limit_window_s
                raise RateLimited(f"rate limit of {limit} requests per {window:g} s reached", retry_after)
        scope.setdefault("state", {})["principal"] = principal

        plain = PLAIN_ROUTE_RULES.get(path)
        if plain is not None:
            public = path == "/metrics" and self.settings.metrics_public
            check(PUBLIC if public else plain, principal, what=f"{method} {path}")
        # Everything but VISLZR's files, the login and /healthz needs a credential; the GraphQL
        # websocket may bring it in its connection_init message instead.
        elif principal is None and not _open(path, method) and not (websocket and path == "/graphql"):
            hint = "Authorization: Bearer hub_... (`hub token create`)"
            raise Unauthenticated(f"{method} {path} needs a credential", hint=hint)


def _open(path: str, method: str) -> bool:
    if path in OPEN_PATHS:
        return True
    if method not in ("GET", "HEAD"):
        return False
    return path.startswith(STATIC_PREFIXES) or not path.lstrip("/").startswith(API_PREFIXES)


def _credential(headers: Headers) -> str | None:
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("use Authorization: Bearer <token>")
        return value.strip()
    cookie = headers.get("cookie")
    if cookie:
        return cookie_parser(cookie).get(SESSION_COOKIE) or None
    return None


def _same_origin(headers: Headers, host: str) -> None:
    """A browser names the page that sent a request in Origin; only this hub's own pages pass."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise OriginRefused("cross-site requests are refused")
    origin = headers.get("origin")
    if origin is None:
        return  # not sent by a browser page (curl, the CLI, agents): the credential decides
    if origin not in (f"http://{host}", f"https://{host}"):
        raise OriginRefused(f"origin {origin[:100]!r} is not this hub")


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


class HostRefused(HubError):
    code = "HOST_NOT_ALLOWED"
    http_status = 400


class OriginRefused(Forbidden):
    code = "ORIGIN_REFUSED"


class UnsupportedMediaType(HubError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415


class RateLimited(HubError):
    code = "RATE_LIMITED"
    http_status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


async def _refuse(scope: Scope, send: Send, error: HubError, *, retry_after: float | None) -> None:
    if scope["type"] == "websocket":  # before accept: the server answers the upgrade with 403
        await send({"type": "websocket.close", "code": 1008, "reason": error.message[:120]})
        return
    body = orjson.dumps({"error": {"code": error.code, "message": error.message, "hint": error.hint}})
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json"),
                                          (b"content-length", str(len(body)).encode())]  # fmt: skip
    if retry_after is not None:
        headers.append((b"retry-after", str(max(1, round(retry_after + 0.499))).encode()))
    if error.http_status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="hub"'))
    await send({"type": "http.response.start", "status": error.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def authorize_route(connection: HTTPConnection) -> None:
    """An app-wide dependency: the matched route's rule, with its project path parameter."""
    route: Any = connection.scope.get("route")
    websocket = connection.scope["type"] == "websocket"
    method = "WS" if websocket else connection.scope["method"]
    path = getattr(route, "path", connection.scope["path"])
    rule = route_rule(method, path)
    project = connection.path_params.get(rule.project) if rule and rule.project else None
    principal = principal_of(connection)
    if websocket and principal is None and rule is not None and rule.delegated:
        return  # the GraphQL websocket authenticates with its connection_init payload
    try:
        check(rule, principal, what=f"{method} {path}", project=project)
    except HubError as error:
        if websocket:
            raise WebSocketException(code=1008, reason=error.message) from None
        raise
