"""Applying ``constraints/`` idempotently and recording the applied version in the graph."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString, cast

from neo4j import AsyncDriver

from app.core.cypher import query, split_statements

CONSTRAINTS_ROOT = Path(__file__).resolve().parents[2] / "constraints"
# Full-text indexes the schema files create eventually consistent. An index's options cannot be
# altered in place: one created before the option (an older hub) is dropped, and its CREATE ... IF
# NOT EXISTS builds it again with the option (a rebuild, once).
EVENTUALLY_CONSISTENT_INDEXES: tuple[LiteralString, ...] = ("symbol_search",)


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


async def _drop_outdated_fulltext(driver: AsyncDriver, database: str) -> None:
    records, _, _ = await driver.execute_query(
        query("schema/fulltext_options"), names=list(EVENTUALLY_CONSISTENT_INDEXES), database_=database
    )
    for record in records:
        config = (record["options"] or {}).get("indexConfig") or {}
        if config.get("fulltext.eventually_consistent") is not True:
            name = next(n for n in EVENTUALLY_CONSISTENT_INDEXES if n == record["name"])
            drop = cast(LiteralString, f"DROP INDEX {name} IF EXISTS")  # a name of ours, not user text
            await driver.execute_query(drop, database_=database)


async def migrate(driver: AsyncDriver, *, database: str) -> MigrationResult:
    files = schema_files()
    digest = hashlib.sha256()
    statements: list[str] = []
    for path in files:
        text = path.read_text()
        digest.update(text.encode())
        statements.extend(split_statements(text))
    version = int(files[-1].name[:3]) if files else 0
    await _drop_outdated_fulltext(driver, database)
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
