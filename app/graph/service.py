"""All data access of the query API: keyword-only functions handed the driver and settings.

Every query is a named file in ``cypher/graph/``, runs with ``settings.neo4j_query_timeout_s`` as
its transaction timeout, and gets labels, relationship types and index names only from the enums
in :mod:`app.graph.models`. GraphQL resolvers and REST views both call these functions.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.core.db import run_named
from app.core.errors import InvalidInput, LimitExceeded, NotFound
from app.core.values import plain_map, utc_now
from app.graph.models import (
    DEFAULT_GRAPH_NODES,
    DEPENDENCY_EDGES,
    IMPACT_EDGES,
    MAX_DEPENDENCY_DEPTH,
    MAX_GRAPH_DEPTH,
    MAX_GRAPH_EDGES,
    MAX_GRAPH_NODES,
    MAX_IMPACT_DEPTH,
    MAX_PATH_DEPTH,
    MAX_ROOTS,
    SEARCH_INDEXES,
    CountByKey,
    Direction,
    EdgeType,
    Entity,
    EntityRecord,
    Graph,
    GraphEdge,
    GraphFilters,
    GraphNode,
    GraphStats,
    LinkType,
    Page,
    PathResult,
    SearchHit,
    SearchPage,
    SearchScope,
    SymbolKind,
    check_page_size,
    decode_cursor,
    parse_id,
)

# (entity, field) -> (relationship type, direction, target entity, property to order by).
# The only relationship lists the API exposes; nested GraphQL fields name a key here.
RELATIONS: dict[tuple[Entity, str], tuple[EdgeType, str, Entity, str]] = {
    (Entity.PROJECT, "repos"): (EdgeType.HAS_REPO, "OUT", Entity.REPO, "path"),
    (Entity.REPO, "files"): (EdgeType.CONTAINS, "OUT", Entity.FILE, "path"),
    (Entity.REPO, "commits"): (EdgeType.HAS_COMMIT, "OUT", Entity.COMMIT, "time"),
    (Entity.FILE, "symbols"): (EdgeType.DECLARES, "OUT", Entity.SYMBOL, "rangeStart"),
    (Entity.FILE, "imports"): (EdgeType.IMPORTS, "OUT", Entity.FILE, "path"),
    (Entity.FILE, "importedBy"): (EdgeType.IMPORTS, "IN", Entity.FILE, "path"),
    (Entity.FILE, "commits"): (EdgeType.MODIFIED, "IN", Entity.COMMIT, "time"),
    (Entity.FILE, "repo"): (EdgeType.CONTAINS, "IN", Entity.REPO, "path"),
    (Entity.SYMBOL, "file"): (EdgeType.DECLARES, "IN", Entity.FILE, "path"),
    (Entity.SYMBOL, "members"): (EdgeType.HAS_MEMBER, "OUT", Entity.SYMBOL, "rangeStart"),
    (Entity.SYMBOL, "calls"): (EdgeType.CALLS, "OUT", Entity.SYMBOL, "qualifiedName"),
    (Entity.SYMBOL, "calledBy"): (EdgeType.CALLS, "IN", Entity.SYMBOL, "qualifiedName"),
    (Entity.SYMBOL, "extends"): (EdgeType.EXTENDS, "OUT", Entity.SYMBOL, "qualifiedName"),
    (Entity.SYMBOL, "implementedBy"): (EdgeType.IMPLEMENTS, "IN", Entity.TASK, "title"),
    (Entity.COMMIT, "files"): (EdgeType.MODIFIED, "OUT", Entity.FILE, "path"),
    (Entity.COMMIT, "authors"): (EdgeType.AUTHORED, "IN", Entity.PERSON, "name"),
    (Entity.PERSON, "commits"): (EdgeType.AUTHORED, "OUT", Entity.COMMIT, "time"),
    (Entity.SERVICE, "integrations"): (EdgeType.INTEGRATES, "OUT", Entity.SERVICE, "name"),
    (Entity.SPEC_ITEM, "tasks"): (EdgeType.HAS_TASK, "OUT", Entity.TASK, "title"),
    (Entity.TASK, "specItems"): (EdgeType.HAS_TASK, "IN", Entity.SPEC_ITEM, "title"),
    (Entity.TASK, "implements"): (EdgeType.IMPLEMENTS, "OUT", Entity.SYMBOL, "qualifiedName"),
}

_ENTITY_LABELS = tuple(entity.value for entity in Entity)
# A node's entity is its first label in Entity order; a dict look-up per label keeps this cheap for
# the thousands of nodes in a traversal.
_ENTITY_RANK = {entity.value: (rank, entity) for rank, entity in enumerate(Entity)}
_SYMBOL_KIND_LABELS = frozenset(kind.value for kind in SymbolKind)
_DISPLAY_KEYS: dict[Entity, tuple[str, ...]] = {
    Entity.PROJECT: ("name",),
    Entity.REPO: ("url", "path"),
    Entity.FILE: ("path",),
    Entity.SYMBOL: ("qualifiedName", "name"),
    Entity.COMMIT: ("message", "sha"),
    Entity.PERSON: ("name", "email"),
    Entity.SERVICE: ("name",),
    Entity.TASK: ("title",),
    Entity.SPEC_ITEM: ("title",),
    Entity.AUDIT: ("kind",),
}
_HIDDEN_PROPS = frozenset({"id", "edgesHash"})


# -- running queries -------------------------------------------------------------------------
async def _run(
    driver: AsyncDriver, settings: Settings, name: str, /, *, write: bool = False, **params: Any
) -> list[Any]:
    """One named query of ``cypher/graph/``, on the configured database and timeout."""
    return await run_named(
        driver,
        f"graph/{name}",
        database=settings.neo4j_database,
        timeout_s=settings.neo4j_query_timeout_s,
        write=write,
        **params,
    )


def entity_of(labels: Iterable[str]) -> Entity | None:
    found = [_ENTITY_RANK[label] for label in labels if label in _ENTITY_RANK]
    return min(found)[1] if found else None


def _raw_id(props: dict[str, Any]) -> str:
    return str(props.get("id") or props.get("sha") or "")


def _display(entity: Entity, props: dict[str, Any]) -> str:
    for key in _DISPLAY_KEYS[entity]:
        value = props.get(key)
        if value:
            text = str(value)
            return text.splitlines()[0][:120] if entity is Entity.COMMIT else text
    return _raw_id(props)


def graph_node(
    props: dict[str, Any], labels: Sequence[str], distance: int | None = None, *, with_metadata: bool = True
) -> GraphNode | None:
    """The graph item of a node read from Neo4j; None for a node of no Entity.

    A plain dataclass: every value is already of its field's type (computed here from the node),
    and a traversal builds hundreds of these per request (see app/graph/models.py)."""
    entity = entity_of(labels)
    if entity is None:
        return None
    metadata = {}
    if with_metadata:
        metadata = plain_map(props, _HIDDEN_PROPS)
        if entity is Entity.SYMBOL:
            metadata["labels"] = [label for label in labels if label in _SYMBOL_KIND_LABELS]
    return GraphNode(_raw_id(props), entity, _display(entity, props), metadata, distance)


def entity_record(entity: Entity, row: Any) -> EntityRecord:
    """A row of ``props`` and ``elementId`` as the record every domain's GraphQL types read."""
    props = dict(row["props"])
    return EntityRecord(entity=entity, id=_raw_id(props), props=props, element_id=row["elementId"])


# -- nodes and lists ------------------------------------------------------------------------
async def get_node(
    *, driver: AsyncDriver, settings: Settings, node_id: str, expected: Entity | None = None
) -> EntityRecord:
    """The node with a raw or global id; NotFound when absent or of another entity."""
    entity, raw_id = parse_id(node_id)
    rows = await _run(driver, settings, "node_by_id", id=raw_id)
    wanted = expected or entity
    if not rows or (wanted is not None and rows[0]["entity"] != wanted):
        raise NotFound(f"no {wanted or 'node'} with id {node_id!r}")
    return entity_record(Entity(rows[0]["entity"]), rows[0])


async def list_projects(
    *, driver: AsyncDriver, settings: Settings, first: int, after: str | None = None
) -> Page:
    offset = decode_cursor(after)
    rows = await _run(driver, settings, "projects", offset=offset, limit=check_page_size(first) + 1)
    items = [entity_record(Entity.PROJECT, row) for row in rows[:first]]
    return Page(items=items, offset=offset, has_next=len(rows) > first)


async def related_pages(
    *,
    driver: AsyncDriver,
    settings: Settings,
    parents: Sequence[EntityRecord],
    relation: str,
    first: int,
    after: str | None = None,
    path_prefix: str | None = None,
    min_confidence: float = 0.0,
) -> list[Page]:
    """For each parent (all of one entity), a page of its neighbours along one of the
    allow-listed :data:`RELATIONS`: one query for all of them (a level of nested connections).
    Edges below ``min_confidence`` (CALLS guesses) are left out."""
    _check_confidence(min_confidence)
    if not parents:
        return []
    entity = parents[0].entity
    try:
        rel_type, direction, target, order_by = RELATIONS[(entity, relation)]
    except KeyError:
        raise InvalidInput(f"{entity} has no relation {relation!r}") from None
    if any(parent.entity is not entity for parent in parents):
        raise InvalidInput("related_pages takes parents of one entity")
    offset = decode_cursor(after)
    rows = await _run(
        driver,
        settings,
        "related",
        parents=[{"index": i, "elementId": p.element_id, "id": p.id} for i, p in enumerate(parents)],
        type=rel_type.value,
        direction=direction,
        targetLabel=target.value,
        orderBy=order_by,
        pathPrefix=path_prefix,
        minConfidence=min_confidence,
        offset=offset,
        limit=check_page_size(first) + 1,
    )
    found = {row["index"]: row["page"] for row in rows}
    pages = []
    for index in range(len(parents)):
        items = []
        page = found.get(index, [])
        for item in page[:first]:
            record = entity_record(target, item)
            record.rel_props = dict(item["relProps"])
            items.append(record)
        pages.append(Page(items=items, offset=offset, has_next=len(page) > first))
    return pages


async def related(
    *,
    driver: AsyncDriver,
    settings: Settings,
    parent: EntityRecord,
    relation: str,
    first: int,
    after: str | None = None,
    path_prefix: str | None = None,
    min_confidence: float = 0.0,
) -> Page:
    """A page of ``parent``'s neighbours along one of the allow-listed :data:`RELATIONS`; edges
    below ``min_confidence`` (CALLS guesses) are left out."""
    (page,) = await related_pages(
        driver=driver, settings=settings, parents=[parent], relation=relation, first=first, after=after,
        path_prefix=path_prefix, min_confidence=min_confidence,
    )  # fmt: skip
    return page


async def audit_target(*, driver: AsyncDriver, settings: Settings, audit: EntityRecord) -> EntityRecord:
    target_id = audit.props.get("targetId")
    if not target_id:
        raise NotFound(f"audit {audit.id} has no target")
    return await get_node(driver=driver, settings=settings, node_id=str(target_id))


# -- traversals ------------------------------------------------------------------------------
def _check_range(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}")
    return value


def _whitelist(labels: Iterable[str]) -> str:
    return "+" + "|".join(labels)


# Containment from a hub node is followed downward only: a file's neighbourhood then holds its
# symbols, imports, callers and history, not every sibling file of its repo (which would fill any
# limit with noise and cost a scan of the repo's CONTAINS and HAS_COMMIT relationships).
DOWNWARD_ONLY = frozenset({EdgeType.CONTAINS, EdgeType.HAS_COMMIT})


def _rel_filter(types: Iterable[EdgeType], direction: Direction = Direction.BOTH) -> str:
    arrow = {Direction.OUTGOING: "{}>", Direction.INCOMING: "<{}", Direction.BOTH: "{}"}
    return "|".join(
        arrow[
            Direction.OUTGOING if direction is Direction.BOTH and edge in DOWNWARD_ONLY else direction
        ].format(edge.value)
        for edge in types
    )


async def _traverse(
    *,
    driver: AsyncDriver,
    settings: Settings,
    start_ids: list[str],
    depth: int,
    relationship_filter: str,
    label_filter: str,
    edge_types: Iterable[EdgeType],
    limit: int,
    with_metadata: bool = True,
    min_confidence: float = 0.0,
) -> tuple[list[GraphNode], list[GraphEdge], bool, dict[str, dict[str, Any]]]:
    """Nodes, edges, whether capped, and each node's properties as read (all of them, or with
    ``with_metadata`` false the few that name, place and own it)."""
    rows = await _run(
        driver,
        settings,
        "traverse",
        withProps=with_metadata,
        startIds=start_ids,
        maxLevel=depth,
        relationshipFilter=relationship_filter,
        labelFilter=label_filter,
        edgeTypes=[edge.value for edge in edge_types],
        limit=limit,
        edgeLimit=MAX_GRAPH_EDGES,
        minConfidence=min_confidence,
    )
    if not rows:
        return [], [], False, {}
    return _graph_parts(rows[0], with_metadata=with_metadata)


def _graph_parts(
    row: Any, *, with_metadata: bool
) -> tuple[list[GraphNode], list[GraphEdge], bool, dict[str, dict[str, Any]]]:
    """A traversal row's nodes, edges, whether capped, and each node's properties as read (edges
    built without validation like :func:`graph_node`: ids, type and properties come as strings and
    a map from the named query)."""
    nodes: list[GraphNode] = []
    raw: dict[str, dict[str, Any]] = {}
    for item in row["nodes"]:
        node = graph_node(item["props"], item["labels"], item["distance"], with_metadata=with_metadata)
        if node is not None:
            nodes.append(node)
            raw[node.id] = item["props"]
    edges = [
        GraphEdge(
            edge["fromId"], edge["toId"], edge["type"], plain_map(edge["props"]) if with_metadata else {}
        )
        for edge in row["edges"]
    ]
    return nodes, edges, bool(row["truncated"]), raw


def _graph(
    nodes: list[GraphNode], edges: list[GraphEdge], truncated: bool, depth: int, started: float
) -> Graph:
    kept = {node.id for node in nodes}
    edges = [edge for edge in edges if edge.fromId in kept and edge.toId in kept]
    return Graph(
        nodes=nodes,
        edges=edges,
        truncated=truncated,
        stats=GraphStats(
            nodeCount=len(nodes),
            edgeCount=len(edges),
            byEntity=[
                CountByKey(key=k, count=c) for k, c in Counter(n.entity.value for n in nodes).most_common()
            ],
            byEdgeType=[CountByKey(key=k, count=c) for k, c in Counter(e.type for e in edges).most_common()],
            depth=depth,
            elapsedMs=round((time.perf_counter() - started) * 1000, 2),
        ),
    )


def _apply_file_filters(
    nodes: list[GraphNode], props: dict[str, dict[str, Any]], filters: GraphFilters, start_ids: set[str]
) -> list[GraphNode]:
    """Languages and path prefix: keep Files that match, and Symbols declared in Files that match."""
    if not filters.languages and filters.path_prefix is None:
        return nodes
    langs = set(filters.languages)

    def matches(file_props: dict[str, Any]) -> bool:
        if langs and file_props.get("lang") not in langs:
            return False
        return filters.path_prefix is None or str(file_props.get("path", "")).startswith(filters.path_prefix)

    kept: list[GraphNode] = []
    for node in nodes:
        if node.id in start_ids:
            kept.append(node)
        elif node.entity is Entity.FILE:
            if matches(props[node.id]):
                kept.append(node)
        elif node.entity is Entity.SYMBOL:
            owner = props.get(str(props[node.id].get("fileId")))
            if owner is not None and matches(owner):
                kept.append(node)
        else:
            kept.append(node)
    return kept


async def project_graph(
    *,
    driver: AsyncDriver,
    settings: Settings,
    project_id: str,
    depth: int = 2,
    filters: GraphFilters | None = None,
    root_ids: Sequence[str] = (),
    limit: int = DEFAULT_GRAPH_NODES,
    with_metadata: bool = True,
    min_confidence: float = 0.0,
    all_edges: bool = False,
) -> Graph:
    """A breadth-first subgraph from the project (or from ``root_ids`` in it), ring by ring.

    ``truncated`` is true when the traversal reached ``limit`` nodes before exhausting ``depth``;
    ``with_metadata`` false leaves nodes' and edges' metadata empty (a GraphQL selection without it).
    Edges are those the expansion crossed: every allowed edge from a node nearer than ``depth`` to
    another returned node (what a nested neighbourhood query shows). ``all_edges`` adds the edges
    among the outermost ring too (every edge among the returned nodes), which costs reading every
    relationship of that ring: about twice the database work at depth 2.
    """
    started = time.perf_counter()
    filters = filters or GraphFilters()
    _check_range("depth", depth, 0, MAX_GRAPH_DEPTH)
    _check_range("limit", limit, 1, MAX_GRAPH_NODES)
    _check_confidence(min_confidence)
    if len(root_ids) > MAX_ROOTS:
        raise InvalidInput(f"at most {MAX_ROOTS} rootIds")
    if filters.path_prefix is not None and len(filters.path_prefix) > 1000:
        raise InvalidInput("pathPrefix is too long")
    entity, raw_project_id = parse_id(project_id)
    if entity not in (None, Entity.PROJECT):
        raise NotFound(f"no {Entity.PROJECT} with id {project_id!r}")
    starts = [parse_id(root)[1] for root in root_ids] or [raw_project_id]

    entities = list(filters.entities or Entity)
    labels = [entity.value for entity in entities if entity is not Entity.SYMBOL]
    if Entity.SYMBOL in entities:
        labels += [kind.value for kind in filters.symbol_kinds] or [Entity.SYMBOL.value]
    edge_types = filters.edge_types or tuple(EdgeType)
    rows = await _run(
        driver,
        settings,
        "project_graph",
        projectId=raw_project_id,
        startIds=starts,
        maxLevel=depth,
        labels=labels,
        bothTypes=[edge.value for edge in edge_types if edge not in DOWNWARD_ONLY],
        downTypes=[edge.value for edge in edge_types if edge in DOWNWARD_ONLY],
        edgeTypes=[edge.value for edge in edge_types],
        limit=limit,
        edgeLimit=MAX_GRAPH_EDGES,
        withProps=with_metadata,
        fileProps=bool(filters.languages) or filters.path_prefix is not None,
        allEdges=all_edges,
        minConfidence=min_confidence,
    )
    if not rows:
        raise NotFound(f"no {Entity.PROJECT} with id {project_id!r}")
    repo_ids = set(rows[0]["repoIds"])
    nodes, edges, truncated, props = _graph_parts(rows[0], with_metadata=with_metadata)
    found = {node.id: node for node in nodes if node.distance == 0}
    missing = [root for root in starts if root not in found]
    if missing:
        raise NotFound(f"no node with id {missing[0]!r}")
    outside = [root for root in starts if not _in_project(found[root], props[root], raw_project_id, repo_ids)]
    if outside:
        raise NotFound(f"node {outside[0]!r} is not in project {project_id!r}")
    nodes = _apply_file_filters(nodes, props, filters, set(starts))
    return _graph(nodes, edges, truncated, depth, started)


def _check_confidence(min_confidence: float) -> None:
    if not 0.0 <= min_confidence <= 1.0:
        raise InvalidInput("minConfidence must be between 0 and 1")


def _in_project(node: GraphNode, props: dict[str, Any], project_id: str, repo_ids: set[str]) -> bool:
    """Code entities belong to the project's repos; people, services, tasks, spec items and audits
    are shared across the estate and may root any project's graph."""
    if node.entity is Entity.PROJECT:
        return node.id == project_id
    if node.entity is Entity.REPO:
        return node.id in repo_ids
    if node.entity in (Entity.FILE, Entity.SYMBOL, Entity.COMMIT):
        return props.get("repoId") in repo_ids
    return True


async def symbol_dependencies(
    *,
    driver: AsyncDriver,
    settings: Settings,
    symbol_id: str,
    direction: Direction = Direction.OUTGOING,
    depth: int = 1,
    edge_types: Sequence[EdgeType] = (),
    limit: int = DEFAULT_GRAPH_NODES,
    with_metadata: bool = True,
    min_confidence: float = 0.0,
) -> Graph:
    """What a symbol depends on (OUTGOING), what depends on it (INCOMING), or both, with distance."""
    started = time.perf_counter()
    _check_confidence(min_confidence)
    _check_range("depth", depth, 1, MAX_DEPENDENCY_DEPTH)
    _check_range("limit", limit, 1, MAX_GRAPH_NODES)
    types = tuple(edge_types) or DEPENDENCY_EDGES
    allowed = {*DEPENDENCY_EDGES, EdgeType.TESTS, EdgeType.HAS_MEMBER}
    if not set(types) <= allowed:
        raise InvalidInput(f"edgeTypes must be among {sorted(allowed)}")
    entity, raw_id = parse_id(symbol_id)
    if entity not in (None, Entity.SYMBOL):
        raise NotFound(f"no Symbol with id {symbol_id!r}")
    nodes, edges, truncated, _ = await _traverse(
        driver=driver,
        settings=settings,
        start_ids=[raw_id],
        depth=depth,
        relationship_filter=_rel_filter(types, direction),
        label_filter=_whitelist([Entity.SYMBOL.value]),
        edge_types=types,
        limit=limit,
        with_metadata=with_metadata,
        min_confidence=min_confidence,
    )
    if not nodes or nodes[0].entity is not Entity.SYMBOL:
        raise NotFound(f"no Symbol with id {symbol_id!r}")
    return _graph(nodes, edges, truncated, depth, started)


async def impact(
    *,
    driver: AsyncDriver,
    settings: Settings,
    node_id: str,
    depth: int = 3,
    limit: int = DEFAULT_GRAPH_NODES,
    with_metadata: bool = True,
    min_confidence: float = 0.0,
) -> Graph:
    """Everything that depends on a node, transitively (incoming dependency edges), with distance."""
    started = time.perf_counter()
    _check_confidence(min_confidence)
    _check_range("depth", depth, 1, MAX_IMPACT_DEPTH)
    _check_range("limit", limit, 1, MAX_GRAPH_NODES)
    _, raw_id = parse_id(node_id)
    nodes, edges, truncated, _ = await _traverse(
        driver=driver,
        settings=settings,
        start_ids=[raw_id],
        depth=depth,
        relationship_filter=_rel_filter(IMPACT_EDGES, Direction.INCOMING),
        label_filter=_whitelist(_ENTITY_LABELS),
        edge_types=IMPACT_EDGES,
        limit=limit,
        with_metadata=with_metadata,
        min_confidence=min_confidence,
    )
    if not nodes:
        raise NotFound(f"no node with id {node_id!r}")
    return _graph(nodes, edges, truncated, depth, started)


async def find_path(
    *, driver: AsyncDriver, settings: Settings, from_id: str, to_id: str, max_depth: int = 4
) -> PathResult:
    """The shortest path (any allow-listed edge type, either direction) between two nodes."""
    started = time.perf_counter()
    _check_range("maxDepth", max_depth, 1, MAX_PATH_DEPTH)
    source, target = await asyncio.gather(
        get_node(driver=driver, settings=settings, node_id=from_id),
        get_node(driver=driver, settings=settings, node_id=to_id),
    )
    rows = await _run(
        driver,
        settings,
        "shortest_path",
        fromElementId=source.element_id,
        toElementId=target.element_id,
        maxLevel=max_depth,
        relationshipFilter="|".join(edge.value for edge in EdgeType),  # any direction
        labelFilter=_whitelist(_ENTITY_LABELS),
    )
    if not rows:
        return PathResult(found=False, length=None, graph=_graph([], [], False, max_depth, started))
    nodes = [
        node
        for index, item in enumerate(rows[0]["nodes"])
        if (node := graph_node(item["props"], item["labels"], index)) is not None
    ]
    edges = [
        GraphEdge(
            fromId=e["fromId"],
            toId=e["toId"],
            type=e["type"],
            metadata=plain_map(e["props"]),
        )
        for e in rows[0]["edges"]
    ]
    return PathResult(found=True, length=len(edges), graph=_graph(nodes, edges, False, max_depth, started))


# -- search ----------------------------------------------------------------------------------
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
MAX_SEARCH_TERMS = 8
MAX_SEARCH_OFFSET = 1_000  # deepest search page start (issue 12: offsets bound database work)
# For a project-limited caller each index yields up to this many hits before they are filtered
# by project: the database work stays bounded; a key's hits ranked below that many of other
# projects' hits are not found (narrow the query).
SEARCH_FILTER_WINDOW = 5_000


def lucene_query(text: str) -> str:
    """User text as a Lucene query that treats every character literally.

    Each term matches exactly (boosted) or as a prefix; all terms must match. Terms are lowercased,
    as the index's analyzer does, which also keeps AND/OR/NOT from acting as operators.
    """
    terms = [_LUCENE_SPECIAL.sub(r"\\\1", term.lower()) for term in text.split()][:MAX_SEARCH_TERMS]
    if not terms or len(text) > 200:
        raise InvalidInput("search text must be 1-200 characters")
    return " AND ".join(f"({term}^4 OR {term}*)" for term in terms)


async def search(
    *,
    driver: AsyncDriver,
    settings: Settings,
    text: str,
    scopes: Sequence[SearchScope] = (),
    first: int = 20,
    after: str | None = None,
    project_ids: frozenset[str] | None = None,
) -> SearchPage:
    """Full-text search across scopes, ranked by score; cursors page through the ranking.

    ``project_ids`` (a project-limited caller) keeps only hits in those projects, filtered in
    the query before paging; None searches every project."""
    offset = decode_cursor(after)
    check_page_size(first)
    if offset > MAX_SEARCH_OFFSET:
        # Each full-text index returns offset + first hits before paging: deep pages cost the
        # database that many hits per scope. Refused here, before Neo4j.
        raise LimitExceeded(
            f"search offset {offset} exceeds the limit of {MAX_SEARCH_OFFSET}",
            hint="narrow the query or the scope instead of paging deeper",
        )
    chosen = list(dict.fromkeys(scopes)) or list(SearchScope)
    rows = await _run(
        driver,
        settings,
        "search",
        scopes=[{"scope": scope.value, "index": SEARCH_INDEXES[scope][0]} for scope in chosen],
        query=lucene_query(text),
        offset=offset,
        limit=first,
        projectIds=None if project_ids is None else sorted(project_ids),
        window=offset + first + 1 if project_ids is None else SEARCH_FILTER_WINDOW,
    )
    hits = [
        SearchHit(node=node, score=float(row["score"]), scope=SearchScope(row["scope"]))
        for row in rows[:first]
        if (node := graph_node(row["props"], row["labels"])) is not None
    ]
    page = Page(items=hits, offset=offset, has_next=len(rows) > first)
    return SearchPage(hits=hits, endCursor=page.end_cursor, hasNextPage=page.has_next)


# -- mutations -------------------------------------------------------------------------------
async def link(
    *, driver: AsyncDriver, settings: Settings, from_id: str, to_id: str, link_type: LinkType
) -> bool:
    """Create ``(from)-[:<type>]->(to)`` once; True when it was created now."""
    source, target = await asyncio.gather(
        get_node(driver=driver, settings=settings, node_id=from_id),
        get_node(driver=driver, settings=settings, node_id=to_id),
    )
    if source.element_id == target.element_id:
        raise InvalidInput("cannot link a node to itself")
    rows = await _run(
        driver,
        settings,
        "link",
        write=True,
        fromElementId=source.element_id,
        toElementId=target.element_id,
        type=LinkType(link_type).value,
        now=utc_now(),
    )
    return bool(rows and rows[0]["created"])


async def push_project(
    *, driver: AsyncDriver, settings: Settings, repo: str, project: str | None
) -> tuple[str, str]:
    """The folder and project a ``code.pushed`` may ingest: a Repo already in the graph (its
    registered project wins when the push names another), or a folder under
    ``HUB_INGEST_ROOTS``. Anything else is refused: an event must not make the hub read, or run
    git in, an arbitrary folder."""
    folder = Path(repo).resolve()
    if not folder.is_dir():
        raise InvalidInput(f"repo {repo!r} is not a folder on this machine")
    rows = await _run(driver, settings, "repo_projects", path=str(folder))
    registered = [row["project"] for row in rows]
    if registered:
        return str(folder), project if project in registered else registered[0]
    if any(folder.is_relative_to(root) for root in settings.ingest_roots):
        return str(folder), project or folder.name
    raise InvalidInput(
        f"repo {repo!r} is not a repository of this hub",
        hint="ingest it once with `hub graph ingest`, or list its parent folder in HUB_INGEST_ROOTS",
    )
