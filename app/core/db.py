"""The Neo4j driver: created once per process at the boundary, then passed in."""

from __future__ import annotations

from typing import Any

from neo4j import AsyncDriver, AsyncGraphDatabase, Driver, GraphDatabase, Query, Record, RoutingControl
from neo4j.exceptions import ClientError

from app.config import Settings
from app.core.cypher import query
from app.core.errors import LimitExceeded

_TIMEOUT_CODES = ("TransactionTimedOut", "Terminated", "LockClientStopped")


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


async def run_named(
    driver: AsyncDriver,
    name: str,
    /,
    *,
    database: str | None,
    timeout_s: float,
    write: bool = False,
    **params: Any,
) -> list[Record]:
    """One named query of ``cypher/`` in its own transaction, on the configured database, bounded by
    ``timeout_s``; a timed-out transaction is reported as :class:`LimitExceeded`.

    The one place the app's services run a named query: every call names its database, so a hub on
    a non-default ``HUB_NEO4J_DATABASE`` reads and writes there.
    """
    try:
        records, _, _ = await driver.execute_query(
            Query(query(name), timeout=timeout_s),
            params,
            routing_=RoutingControl.WRITE if write else RoutingControl.READ,
            database_=database,
        )
    except ClientError as error:
        # A timed-out transaction is reported as such, or, when it was waiting on a lock, as a
        # stopped lock client.
        if any(mark in (error.code or "") for mark in _TIMEOUT_CODES):
            raise LimitExceeded(
                f"the query took longer than {timeout_s:g} s", hint="lower depth or limit, or add filters"
            ) from None
        raise
    return records
