"""The Neo4j driver: created once per process at the boundary, then passed in."""

from __future__ import annotations

from neo4j import AsyncDriver, AsyncGraphDatabase, Driver, GraphDatabase

from app.config import Settings


def create_async_driver(settings: Settings) -> AsyncDriver:
    return AsyncGraphDatabase.driver(
        settings.neo4j_bolt_uri,
        auth=settings.neo4j_auth(),
        max_connection_pool_size=100,
        connection_acquisition_timeout=10.0,
        notifications_min_severity="OFF",
    )


def create_driver(settings: Settings) -> Driver:
    """The sync driver, for worker processes and the ingestion pipeline's writer thread."""
    return GraphDatabase.driver(
        settings.neo4j_bolt_uri,
        auth=settings.neo4j_auth(),
        notifications_min_severity="OFF",
    )
