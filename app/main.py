"""The FastAPI application: routers and the GraphQL schema assembled in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app import __version__
from app.agents.router import router as agents_router
from app.compliance.router import router as compliance_router
from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.core.errors import HubError
from app.core.metrics import MetricsMiddleware, metrics_endpoint
from app.events.router import router as events_router
from app.federation.router import router as federation_router
from app.graph.router import router as graph_router
from app.health.router import router as health_router
from app.intelligence.router import router as intelligence_router

DOMAIN_ROUTERS = (
    health_router,
    graph_router,
    events_router,
    agents_router,
    compliance_router,
    intelligence_router,
    federation_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.driver = create_async_driver(settings)
        try:
            yield
        finally:
            await app.state.driver.close()

    app = FastAPI(title="CommandCenter Hub", version=__version__, lifespan=lifespan)
    app.add_middleware(MetricsMiddleware)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    for router in DOMAIN_ROUTERS:
        app.include_router(router)

    @app.exception_handler(HubError)
    async def hub_error(_: Request, error: HubError) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": error.code, "message": error.message, "hint": error.hint}},
            status_code=error.http_status,
        )

    return app
