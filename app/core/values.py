"""Neo4j values as JSON-friendly Python values, for API responses; and the checks of user text
every service shares.

Called for every property of every node in a traversal (thousands per request), hence the type
look-up before any ``isinstance`` chain.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import UTC, datetime
from typing import Any

from app.core.errors import InvalidInput

_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def plain_value(value: Any) -> Any:
    """Any value a query returns as JSON: temporal and spatial values as ISO / text strings; lists,
    tuples and maps element-wise; nodes and relationships as ``{labels|type, properties}``; anything
    else as text. The one converter (REST, GraphQL, JSON-RPC and ``hub cypher`` all use it)."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, list | tuple):
        return [plain_value(item) for item in value]
    if isinstance(value, str | int | float | bool):  # subclasses, such as StrEnum members
        return value
    if hasattr(value, "element_id") and hasattr(value, "items"):  # a node or a relationship
        labels = sorted(getattr(value, "labels", ()))
        rel_type = getattr(value, "type", None)
        return {**({"labels": labels} if labels else {}), **({"type": rel_type} if rel_type else {}),
                "properties": plain_map(dict(value.items()))}  # fmt: skip
    if isinstance(value, Mapping):
        return {str(key): plain_value(item) for key, item in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)


def plain_map(props: Mapping[str, Any], hidden: Container[str] = ()) -> dict[str, Any]:
    return {
        key: value if type(value) in _PLAIN_TYPES else plain_value(value)
        for key, value in props.items()
        if key not in hidden
    }


def utc_now() -> str:
    """The time stamps the services write: ISO 8601, UTC, milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def clean_text(name: str, value: str | None, *, required: bool = False, limit: int = 10_000) -> str | None:
    """User text as stored: stripped; None when blank (InvalidInput when ``required``) or too long."""
    if value is None or not value.strip():
        if required:
            raise InvalidInput(f"{name} is required")
        return None
    if len(value) > limit:
        raise InvalidInput(f"{name} is longer than {limit} characters")
    return value.strip()
