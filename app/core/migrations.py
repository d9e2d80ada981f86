"""Applying ``constraints/`` idempotently and recording the applied version in the graph."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString, cast

from neo4j import AsyncDriver

from app.core.cypher import query, split_statements

CONSTRAINTS_ROOT = Path(__file__).resolve().parents[2] / "constraints"


@dataclass(frozen=True, slots=True)
class MigrationResult:
    version: int
    checksum: str
    statements: int
    created: int  # constraints and indexes that did not exist before
    changed: bool


def schema_files() -> list[Path]:
    return sorted(CONSTRAINTS_ROOT.glob("[0-9][0-9][0-9]_*.cypher"))


async def _schema_objects(driver: AsyncDriver, database: str) -> set[str]:
    names: set[str] = set()
    for listing in ("SHOW CONSTRAINTS YIELD name", "SHOW INDEXES YIELD name"):
        records, _, _ = await driver.execute_query(listing, database_=database)
        names.update(record["name"] for record in records)
    return names


async def migrate(driver: AsyncDriver, *, database: str) -> MigrationResult:
    files = schema_files()
    digest = hashlib.sha256()
    statements: list[str] = []
    for path in files:
        text = path.read_text()
        digest.update(text.encode())
        statements.extend(split_statements(text))
    version = int(files[-1].name[:3]) if files else 0
    before = await _schema_objects(driver, database)
    for statement in statements:
        # Schema files are ours, versioned in the repo, never user text.
        await driver.execute_query(cast(LiteralString, statement), database_=database)
    await driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    after = await _schema_objects(driver, database)
    records, _, _ = await driver.execute_query(
        query("schema/record_version"),
        version=version,
        checksum=digest.hexdigest(),
        database_=database,
    )
    return MigrationResult(
        version=version,
        checksum=digest.hexdigest(),
        statements=len(statements),
        created=len(after - before),
        changed=bool(records[0]["changed"]),
    )
