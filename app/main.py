"""The FastAPI application: routers and the GraphQL schema assembled in one place."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UNSET

from app import __version__
from app.agents.router import router as agents_router
from app.auth.graphql import authenticate_connection_init
from app.auth.middleware import TrustBoundary, authorize_route
from app.auth.router import router as auth_router
from app.auth.scopes import API_PREFIXES
from app.auth.service import Guard
from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.core.errors import HubError
from app.core.metrics import MetricsMiddleware, metrics_endpoint
from app.events.bridge import Bridge
from app.events.correlation import CorrelationMiddleware
from app.events.router import router as events_router
from app.events.rpc import router as rpc_router
from app.events.service import EventService
from app.federation.router import router as federation_router
from app.graph.router import router as graph_router
from app.health.router import router as health_router
from app.health.services_router import router as services_router
from app.intelligence.router import router as intelligence_router
from app.remediation.router import router as remediation_router
from app.schema import get_context, schema
from app.workflows.flows import WorkflowRuntime
from app.workflows.router import router as workflows_router

DOMAIN_ROUTERS = (
    auth_router,
    health_router,
    graph_router,
    events_router,
    agents_router,
    workflows_router,
    federation_router,
    services_router,
    intelligence_router,
    remediation_router,
    rpc_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.driver = create_async_driver(settings)
        # The trust boundary's revocation epoch and rate limits (app/auth); created lazily, so the
        # API starts while Redis is down (keys are then verified against the graph every time).
        redis_url = settings.redis_server_url
        app.state.redis = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        app.state.guard = Guard(settings, app.state.driver, app.state.redis)
        # Event backbone: connects in the background, so graph reads serve while NATS is down.
        app.state.events = EventService(settings)
        # The API handles no events and sends no heartbeat (the worker does, once per hub); its
        # bridge only links to a federation NATS when one is configured.
        app.state.bridge = Bridge(settings, app.state.events, app.state.driver)
        app.state.bridge.start()
        # Workflow state (JetStream KV + queue): connected on first use, so the API starts without NATS.
        app.state.workflows = WorkflowRuntime(settings, app.state.driver, name="hub-api-workflows")
        # Everything alive now lives as long as the app: leave it out of every GC pass, which
        # otherwise re-scans it during large graph responses (a p95 cost measured in bench/).
        gc.freeze()
        try:
            yield
        finally:
            await app.state.bridge.stop()
            await app.state.workflows.close()
            await app.state.events.close()
            await app.state.redis.aclose()
            await app.state.driver.close()

    # Every route passes its scope rule (app/auth/scopes.py); the middleware authenticates first.
    app = FastAPI(title="CommandCenter Hub", version=__version__, lifespan=lifespan,
                  dependencies=[Depends(authorize_route)])  # fmt: skip
    app.add_middleware(TrustBoundary, settings=settings)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(CorrelationMiddleware)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    for router in DOMAIN_ROUTERS:
        app.include_router(router)
    # GraphiQL is served in development only; subscriptions use both websocket protocols (default).
    graphql = HubGraphQLRouter(
        schema,
        path="/graphql",  # the route's own path, not an include prefix: its scope rule names it
        context_getter=get_context,
        graphql_ide="graphiql" if settings.environment == "development" else None,
    )
    app.include_router(graphql, include_in_schema=False)

    mount_web(app)  # last: the API routes above take precedence over the SPA fallback

    @app.exception_handler(HubError)
    async def hub_error(_: Request, error: HubError) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": error.code, "message": error.message, "hint": error.hint}},
            status_code=error.http_status,
        )

    return app


class HubGraphQLRouter(GraphQLRouter):  # type: ignore[type-arg]
    """Encodes responses with orjson: several times faster than json.dumps on large graphs. A
    websocket without a session cookie authenticates in its connection_init payload."""

    async def on_ws_connect(self, context: Any) -> Any:
        if context.principal is None:
            guard = context.request.app.state.guard
            context.principal = await authenticate_connection_init(guard, context.connection_params)
        return UNSET  # a plain connection_ack, as before

    def encode_json(self, data: object) -> str:
        # str, not bytes: the same encoder frames websocket messages, and a binary frame is
        # rejected by graphql-ws clients ("Message is missing the 'type' property").
        return orjson.dumps(data).decode()


WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"


def mount_web(app: FastAPI, dist: Path = WEB_DIST) -> None:
    """VISLZR (web/dist, built by `make web`) at /: hashed assets as static files, and every other
    path that is not the API answered with index.html so deep links load the app."""
    index = dist / "index.html"
    if not index.is_file():
        return
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="web-assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> FileResponse:
        if path.startswith(API_PREFIXES):
            raise HTTPException(status_code=404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
