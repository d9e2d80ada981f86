"""Neo4j values as JSON-friendly Python values, for API responses.

Called for every property of every node in a traversal (thousands per request), hence the type
look-up before any ``isinstance`` chain.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def plain_value(value: Any) -> Any:
    """Temporal and spatial values as ISO / text strings; lists element-wise; the rest unchanged."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, list):
        return [plain_value(item) for item in value]
    if isinstance(value, str | int | float | bool):  # subclasses, such as StrEnum members
        return value
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)


def plain_map(props: Mapping[str, Any], hidden: Container[str] = ()) -> dict[str, Any]:
    return {
        key: value if type(value) in _PLAIN_TYPES else plain_value(value)
        for key, value in props.items()
        if key not in hidden
    }
