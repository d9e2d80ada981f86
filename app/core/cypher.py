"""The catalogue of named Cypher queries in ``cypher/``.

Each ``cypher/<domain>/<name>.cypher`` file is one query, taking ``$parameters`` only; it is
loaded once and referred to as ``"<domain>/<name>"``. An analyst can paste the same file into
Neo4j Browser.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import LiteralString, cast

from app.core.errors import NotFound

CYPHER_ROOT = Path(__file__).resolve().parents[2] / "cypher"


@cache
def catalogue() -> dict[str, LiteralString]:
    queries: dict[str, LiteralString] = {}
    for path in sorted(CYPHER_ROOT.rglob("*.cypher")):
        name = path.relative_to(CYPHER_ROOT).with_suffix("").as_posix()
        queries[name] = cast(LiteralString, path.read_text())
    return queries


def query(name: str) -> LiteralString:
    try:
        return catalogue()[name]
    except KeyError:
        raise NotFound(f"no named query {name!r}") from None


def split_statements(text: str) -> list[str]:
    """Statements of a schema file: ``;``-separated, ``//`` comment lines dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]
