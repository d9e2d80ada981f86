"""The query API's vocabulary: allow-listed enums, records read from Neo4j, and REST shapes.

Every label, relationship type and full-text index name that reaches Cypher comes from one of
the enums here, never from user text.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from app.core.errors import InvalidInput

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_GRAPH_DEPTH = 4
MAX_DEPENDENCY_DEPTH = 5
MAX_IMPACT_DEPTH = 5
MAX_PATH_DEPTH = 6
MAX_GRAPH_NODES = 5000
DEFAULT_GRAPH_NODES = 500
MAX_GRAPH_EDGES = 20000
MAX_ROOTS = 50

_RAW_ID = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{40}$")  # entity ids, and commit shas


class Entity(StrEnum):
    """The API's entities; the value is the Neo4j label."""

    PROJECT = "Project"
    REPO = "Repo"
    FILE = "File"
    SYMBOL = "Symbol"
    COMMIT = "Commit"
    PERSON = "Person"
    SERVICE = "Service"
    TASK = "Task"
    SPEC_ITEM = "SpecItem"
    AUDIT = "Audit"


class SymbolKind(StrEnum):
    MODULE = "Module"
    CLASS = "Class"
    FUNCTION = "Function"
    METHOD = "Method"
    INTERFACE = "Interface"
    TYPE = "Type"
    VAR = "Var"
    TEST = "Test"


class EdgeType(StrEnum):
    HAS_REPO = "HAS_REPO"
    CONTAINS = "CONTAINS"
    DECLARES = "DECLARES"
    HAS_MEMBER = "HAS_MEMBER"
    IMPORTS = "IMPORTS"
    CALLS = "CALLS"
    EXTENDS = "EXTENDS"
    IMPLEMENTS = "IMPLEMENTS"
    USES = "USES"
    TESTS = "TESTS"
    DOCUMENTS = "DOCUMENTS"
    DEPENDS_ON = "DEPENDS_ON"
    HAS_COMMIT = "HAS_COMMIT"
    MODIFIED = "MODIFIED"
    AUTHORED = "AUTHORED"
    INTEGRATES = "INTEGRATES"
    HAS_TASK = "HAS_TASK"
    LINKS_TO = "LINKS_TO"
    ABOUT = "ABOUT"


# Symbol-to-symbol dependency edges: what symbolDependencies and impact follow by default.
DEPENDENCY_EDGES = (EdgeType.CALLS, EdgeType.EXTENDS, EdgeType.IMPLEMENTS, EdgeType.USES)
# What "depends on" a node, followed backwards by impact (a file is depended on through IMPORTS).
IMPACT_EDGES = (*DEPENDENCY_EDGES, EdgeType.IMPORTS, EdgeType.TESTS, EdgeType.DEPENDS_ON)


class Direction(StrEnum):
    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"
    BOTH = "BOTH"


class SearchScope(StrEnum):
    SYMBOLS = "symbols"
    FILES = "files"
    TASKS = "tasks"
    SERVICES = "services"
    SPEC_ITEMS = "specItems"


# scope -> (full-text index, entity); the index names exist in constraints/003_fulltext.cypher.
SEARCH_INDEXES: dict[SearchScope, tuple[str, Entity]] = {
    SearchScope.SYMBOLS: ("symbol_search", Entity.SYMBOL),
    SearchScope.FILES: ("file_search", Entity.FILE),
    SearchScope.TASKS: ("task_search", Entity.TASK),
    SearchScope.SERVICES: ("service_search", Entity.SERVICE),
    SearchScope.SPEC_ITEMS: ("spec_item_search", Entity.SPEC_ITEM),
}


class LinkType(StrEnum):
    IMPLEMENTS = "IMPLEMENTS"
    TESTS = "TESTS"
    DOCUMENTS = "DOCUMENTS"
    DEPENDS_ON = "DEPENDS_ON"


# Relay global ids: base64 of "<Entity>:<id>". Raw ids are accepted wherever a global id is.
def to_global_id(entity: Entity | str, raw_id: str) -> str:
    return base64.b64encode(f"{entity}:{raw_id}".encode()).decode()


def parse_id(value: str) -> tuple[Entity | None, str]:
    """``(entity, raw id)`` of a global or raw id; InvalidInput when it is neither."""
    value = value.strip()
    if _RAW_ID.match(value):
        return None, value
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(f"not an id: {value[:80]!r}") from None
    entity_name, _, raw_id = decoded.partition(":")
    if entity_name not in Entity.__members__.values() or not _RAW_ID.match(raw_id):
        raise InvalidInput(f"not an id: {value[:80]!r}")
    return Entity(entity_name), raw_id


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset after ``cursor``: cursors are opaque to clients, offsets inside."""
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("malformed cursor") from None
    if kind != "offset" or offset < 0 or offset > 1_000_000:
        raise InvalidInput("malformed cursor")
    return offset + 1


def check_page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}")
    return first


@dataclass(slots=True)
class EntityRecord:
    """One node as the API sees it. ``element_id`` lets nested fields seek it in constant time."""

    entity: Entity
    id: str
    props: dict[str, Any]
    element_id: str = ""
    rel_props: dict[str, Any] = field(default_factory=dict)  # of the edge it was reached by

    @property
    def global_id(self) -> str:
        return to_global_id(self.entity, self.id)


@dataclass(slots=True)
class Page:
    items: list[Any]
    offset: int
    has_next: bool

    def cursor(self, index: int) -> str:
        return encode_cursor(self.offset + index)

    @property
    def end_cursor(self) -> str | None:
        return self.cursor(len(self.items) - 1) if self.items else None


# REST / VISLZR shapes (also the service's return types for traversals and search).
# GraphNode and GraphEdge are plain slotted dataclasses, not pydantic models: a depth-2
# traversal builds ~800 of them per request, and pydantic's model_construct cost ~8 us each (about
# 6 ms of Python per request on the 1M-node graph) where a dataclass costs ~1 us. Every value is
# computed by the service from a stored node, so there is nothing to validate; pydantic still
# serialises them inside Graph for REST. The GraphQL types of the same names read their fields
# directly (see app/graph/schema.py), so no second object per node is made either.
@dataclass(slots=True)
class GraphNode:
    id: str
    entity: Entity
    label: str
    metadata: dict[str, Any] = field(default_factory=dict)
    distance: int | None = None


@dataclass(slots=True)
class GraphEdge:
    fromId: str
    toId: str
    type: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def from_id(self) -> str:  # the GraphQL type's attribute name
        return self.fromId

    @property
    def to_id(self) -> str:
        return self.toId


class CountByKey(BaseModel):
    key: str
    count: int


class GraphStats(BaseModel):
    nodeCount: int
    edgeCount: int
    byEntity: list[CountByKey]
    byEdgeType: list[CountByKey]
    depth: int
    elapsedMs: float


class Graph(BaseModel):
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    stats: GraphStats


class PathResult(BaseModel):
    found: bool
    length: int | None
    graph: Graph


class SearchHit(BaseModel):
    node: GraphNode
    score: float
    scope: SearchScope


class SearchPage(BaseModel):
    hits: list[SearchHit]
    endCursor: str | None
    hasNextPage: bool


class ProjectOut(BaseModel):
    id: str
    globalId: str
    name: str
    hubId: str | None = None


class ProjectPage(BaseModel):
    items: list[ProjectOut]
    endCursor: str | None
    hasNextPage: bool


@dataclass(frozen=True, slots=True)
class GraphFilters:
    """Filters of projectGraph: entities and symbol kinds and edge types bound the traversal
    itself; languages and path prefix restrict the File nodes returned and the Symbols in them."""

    entities: tuple[Entity, ...] = ()
    symbol_kinds: tuple[SymbolKind, ...] = ()
    edge_types: tuple[EdgeType, ...] = ()
    languages: tuple[str, ...] = ()
    path_prefix: str | None = None
