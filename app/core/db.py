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


def create_driver(settings: Settings, *, retry_seconds: float = 15.0) -> Driver:
    """The sync driver, for worker processes and the ingestion pipeline.

    ``retry_seconds`` bounds how long a transaction is retried while the server is away.
    """
    return GraphDatabase.driver(
        settings.neo4j_bolt_uri,
        auth=settings.neo4j_auth(),
        notifications_min_severity="OFF",
        max_transaction_retry_time=retry_seconds,
        connection_timeout=5.0,
    )
