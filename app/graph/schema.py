"""GraphQL types and resolvers of the graph domain. Resolvers are thin: they translate arguments
and call :mod:`app.graph.service`; the service owns validation and every query."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar, cast

import strawberry
from neo4j import AsyncDriver
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from app.config import Settings
from app.core.principal import visible_projects
from app.core.values import plain_value
from app.graph import models, service
from app.graph.models import DEFAULT_GRAPH_NODES, DEFAULT_PAGE, EntityRecord

# Enums: GraphQL names are the Python member names; values are what reaches the allow-lists.
EntityEnum = strawberry.enum(models.Entity, name="Entity")
SymbolKindEnum = strawberry.enum(models.SymbolKind, name="SymbolKind")
EdgeTypeEnum = strawberry.enum(models.EdgeType, name="EdgeType")
DirectionEnum = strawberry.enum(models.Direction, name="Direction")
# The spelling (`scope: [symbols, files, tasks, services, specItems]`), the same words as REST.
SearchScopeEnum = strawberry.enum(
    models.SearchScope,
    name="SearchScope",
    description="Where search looks: one full-text index per scope.",
    graphql_name_from="value",
)
LinkTypeEnum = strawberry.enum(models.LinkType, name="LinkType")


class GraphContext(Protocol):
    """What the root schema's context gives these resolvers (see app/schema.py)."""

    driver: AsyncDriver
    settings: Settings
    events: Any  # app.events.service.EventService, or None
    loaders: dict[str, Any]  # per-request DataLoaders, by name


def _deps(info: Info) -> dict[str, Any]:
    context: GraphContext = info.context
    return {"driver": context.driver, "settings": context.settings}


# -- Relay: Node interface and cursor connections --------------------------------------------
@strawberry.interface(description="Relay Node: `id` is a global id, base64 of '<Entity>:<id>'.")
class Node:
    id: strawberry.ID
    entity_id: str = strawberry.field(description="The raw 32-hex id (a commit's sha) used in Graph nodes.")


T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @classmethod
    def of(cls, page: models.Page, convert: Callable[[Any], T]) -> Connection[T]:
        return cls(
            edges=[Edge(cursor=page.cursor(i), node=convert(item)) for i, item in enumerate(page.items)],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.offset > 0,
                start_cursor=page.cursor(0) if page.items else None,
                end_cursor=page.end_cursor,
            ),
        )


# -- nested connections, generated from service.RELATIONS --------------------------------------
# Each (entity, field) of RELATIONS is a GraphQL field of that entity's type: a cursor connection,
# or for the ones in _SINGLE the one neighbour. Their pages are loaded per level: every sibling
# asking for the same relation (and arguments) is answered by one query (a DataLoader per request).
_SINGLE = frozenset({(models.Entity.SYMBOL, "file")})
_NOT_EXPOSED = frozenset({(models.Entity.FILE, "repo")})
_WITH_PATH_PREFIX = frozenset({(models.Entity.REPO, "files")})
_WITH_CONFIDENCE = frozenset({(models.Entity.SYMBOL, "calls"), (models.Entity.SYMBOL, "calledBy")})
_CALLS = (
    "Symbols this one calls; `confidence` and `evidence` of each call are on the edge's node; "
    "minConfidence leaves out calls below it (0.3: unique-name guesses)."
)
_DESCRIPTIONS = {(models.Entity.SYMBOL, "calls"): _CALLS}
_TYPE_NAMES = {entity: entity.name.title().replace("_", "") for entity in models.Entity}

# (entity, relation, first, after, pathPrefix, minConfidence, parent element id, parent id)
_PageKey = tuple[models.Entity, str, int, str | None, str | None, float, str, str]


async def _load_pages(context: GraphContext, keys: list[_PageKey]) -> list[models.Page | BaseException]:
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key[:6], []).append(index)

    async def load(group: tuple[Any, ...], indexes: list[int]) -> list[models.Page]:
        entity, relation, first, after, path_prefix, min_confidence = group
        parents = [
            EntityRecord(entity=entity, id=keys[i][7], props={}, element_id=keys[i][6]) for i in indexes
        ]
        return await service.related_pages(
            driver=context.driver, settings=context.settings, parents=parents, relation=relation,
            first=first, after=after, path_prefix=path_prefix, min_confidence=min_confidence,
        )  # fmt: skip

    # A group that fails (a bad cursor, a timeout) fails its own fields only: the DataLoader
    # raises an exception value for exactly the keys it is returned for.
    results = await asyncio.gather(
        *(load(group, indexes) for group, indexes in groups.items()), return_exceptions=True
    )
    pages: list[models.Page | BaseException] = [models.Page(items=[], offset=0, has_next=False)] * len(keys)
    for indexes, found in zip(groups.values(), results, strict=True):
        for position, index in enumerate(indexes):
            pages[index] = found if isinstance(found, BaseException) else found[position]
    return pages


def _page_loader(info: Info) -> DataLoader[_PageKey, models.Page]:
    loaders: dict[str, Any] = info.context.loaders
    if "graph.related" not in loaders:
        context: GraphContext = info.context
        loaders["graph.related"] = DataLoader(load_fn=functools.partial(_load_pages, context))
    loader: DataLoader[_PageKey, models.Page] = loaders["graph.related"]
    return loader


async def _related(
    info: Info,
    parent: EntityRecord,
    relation: str,
    first: int,
    after: str | None,
    path_prefix: str | None,
    min_confidence: float = 0.0,
) -> models.Page:
    key = (parent.entity, relation, first, after, path_prefix, min_confidence, parent.element_id, parent.id)
    return await _page_loader(info).load(key)


def _relation_field(entity: models.Entity, relation: str, target: models.Entity) -> Any:
    """The GraphQL field of one RELATIONS entry; its types are named as strings, resolved by
    Strawberry in this module once every type exists."""
    description = _DESCRIPTIONS.get((entity, relation))
    target_name = _TYPE_NAMES[target]
    if (entity, relation) in _SINGLE:

        async def single(self: Any, info: Info) -> Any:
            page = await _related(info, self.record, relation, 1, None, None)
            return to_node(page.items[0]) if page.items else None

        single.__annotations__ = {"info": Info, "return": f"{target_name} | None"}
        return strawberry.field(resolver=single, description=description)

    if (entity, relation) in _WITH_CONFIDENCE:

        async def with_confidence(
            self: Any,
            info: Info,
            first: int = DEFAULT_PAGE,
            after: str | None = None,
            min_confidence: float = 0.0,
        ) -> Any:
            page = await _related(info, self.record, relation, first, after, None, min_confidence)
            return Connection.of(page, to_node)

        resolver: Callable[..., Any] = with_confidence
        resolver.__annotations__ = {"info": Info, "first": int, "after": str | None, "min_confidence": float}
    elif (entity, relation) in _WITH_PATH_PREFIX:

        async def with_prefix(
            self: Any,
            info: Info,
            first: int = DEFAULT_PAGE,
            after: str | None = None,
            path_prefix: str | None = None,
        ) -> Any:
            return Connection.of(
                await _related(info, self.record, relation, first, after, path_prefix), to_node
            )

        resolver = with_prefix
        resolver.__annotations__ = {
            "info": Info,
            "first": int,
            "after": str | None,
            "path_prefix": str | None,
        }
    else:

        async def plain(self: Any, info: Info, first: int = DEFAULT_PAGE, after: str | None = None) -> Any:
            return Connection.of(await _related(info, self.record, relation, first, after, None), to_node)

        resolver = plain
        resolver.__annotations__ = {"info": Info, "first": int, "after": str | None}
    resolver.__annotations__["return"] = f"Connection[{target_name}]"
    return strawberry.field(resolver=resolver, description=description)


def entity_type(entity: models.Entity) -> Callable[[type[T]], type[T]]:
    """A class decorator (under ``@strawberry.type``) for the GraphQL type of one entity: adds the
    entity's RELATIONS as fields and ``of(record)``, which fills each declared field from the
    property of the same name in camelCase (``str`` fields never null, lists never null)."""

    def add(cls: type[T]) -> type[T]:
        for (owner, relation), (_, _, target, _) in service.RELATIONS.items():
            if owner is entity and (owner, relation) not in _NOT_EXPOSED:
                setattr(cls, _snake(relation), _relation_field(owner, relation, target))
        columns = [
            (name, _camel(name), str(kind)) for name, kind in cls.__annotations__.items() if name != "record"
        ]

        def of(record: EntityRecord) -> T:
            values: dict[str, Any] = {}
            for name, key, kind in columns:
                value = plain_value(record.props.get(key))
                if kind == "str":
                    value = "" if value is None else str(value)
                elif kind.startswith("list["):
                    value = list(value or [])
                values[name] = value
            return cls(id=strawberry.ID(record.global_id), entity_id=record.id, record=record, **values)

        cls.of = staticmethod(of)  # type: ignore[attr-defined]
        return cls

    return add


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# -- entities --------------------------------------------------------------------------------
@strawberry.type
@entity_type(models.Entity.PROJECT)
class Project(Node):
    name: str
    hub_id: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.REPO)
class Repo(Node):
    url: str | None
    path: str | None
    default_branch: str | None
    head: str | None
    project_id: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.FILE)
class File(Node):
    path: str
    lang: str | None
    loc: int | None
    size: int | None
    hash: str | None
    repo_id: str | None
    last_indexed_at: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.SYMBOL)
class Symbol(Node):
    kind: str
    name: str
    qualified_name: str
    signature: str | None
    range_start: int | None
    range_end: int | None
    exported: bool | None
    file_id: str | None
    repo_id: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.COMMIT)
class Commit(Node):
    sha: str
    time: str | None
    message: str | None
    is_fix: bool | None
    repo_id: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.PERSON)
class Person(Node):
    name: str | None
    email: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.SERVICE)
class Service(Node):
    name: str
    type: str | None
    endpoint: str | None
    health_url: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.TASK)
class Task(Node):
    title: str
    description: str | None
    status: str | None
    assignee: str | None
    labels: list[str]
    created_at: str | None
    updated_at: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.SPEC_ITEM)
class SpecItem(Node):
    title: str
    description: str | None
    status: str | None
    project_id: str | None
    created_at: str | None
    record: strawberry.Private[EntityRecord]


@strawberry.type
@entity_type(models.Entity.AUDIT)
class Audit(Node):
    kind: str
    status: str
    created_at: str | None
    target_id: str | None
    summary: str | None  # the agent's verdict once it has run (issue 14)
    record: strawberry.Private[EntityRecord]

    @strawberry.field
    async def target(self, info: Info) -> Node:
        return to_node(await service.audit_target(**_deps(info), audit=self.record))


_TYPES: dict[models.Entity, Callable[[EntityRecord], Node]] = {
    models.Entity.PROJECT: Project.of,
    models.Entity.REPO: Repo.of,
    models.Entity.FILE: File.of,
    models.Entity.SYMBOL: Symbol.of,
    models.Entity.COMMIT: Commit.of,
    models.Entity.PERSON: Person.of,
    models.Entity.SERVICE: Service.of,
    models.Entity.TASK: Task.of,
    models.Entity.SPEC_ITEM: SpecItem.of,
    models.Entity.AUDIT: Audit.of,
}


def to_node(record: EntityRecord) -> Node:
    return _TYPES[record.entity](record)


def asks_for(selections: Sequence[Selection], name: str) -> bool:
    """Whether a field called ``name`` is selected anywhere below (fragments included; @skip and
    @include are not evaluated, so the answer errs towards fetching)."""
    return any(
        (isinstance(item, SelectedField) and item.name == name) or asks_for(item.selections, name)
        for item in selections
    )


# -- the VISLZR graph shape ------------------------------------------------------------------
@strawberry.type(description="A node of a traversal result, in the shape VISLZR draws.")
class GraphNode:
    id: str
    entity: EntityEnum  # type: ignore[valid-type]
    label: str
    metadata: JSON
    distance: int | None = strawberry.field(description="Hops from the nearest start node.")

    @staticmethod
    def of(node: models.GraphNode) -> GraphNode:
        return GraphNode(
            id=node.id, entity=node.entity, label=node.label, metadata=node.metadata, distance=node.distance
        )


@strawberry.type
class GraphEdge:
    from_id: str
    to_id: str
    type: str
    metadata: JSON


@strawberry.type
class CountByKey:
    key: str
    count: int


@strawberry.type
class GraphStats:
    node_count: int
    edge_count: int
    by_entity: list[CountByKey]
    by_edge_type: list[CountByKey]
    depth: int
    elapsed_ms: float


@strawberry.type
class Graph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    stats: GraphStats

    @staticmethod
    def of(graph: models.Graph) -> Graph:
        s = graph.stats
        # The service's GraphNode/GraphEdge dataclasses carry these types' fields under the same
        # attribute names, so they are served as they are: no second object per node and edge.
        return Graph(
            nodes=cast(list[GraphNode], graph.nodes),
            edges=cast(list[GraphEdge], graph.edges),
            truncated=graph.truncated,
            stats=GraphStats(
                node_count=s.nodeCount,
                edge_count=s.edgeCount,
                depth=s.depth,
                elapsed_ms=s.elapsedMs,
                by_entity=[CountByKey(key=c.key, count=c.count) for c in s.byEntity],
                by_edge_type=[CountByKey(key=c.key, count=c.count) for c in s.byEdgeType],
            ),
        )


@strawberry.type
class PathResult:
    found: bool
    length: int | None
    graph: Graph


@strawberry.type
class SearchHit:
    score: float
    scope: SearchScopeEnum  # type: ignore[valid-type]
    node: GraphNode


@strawberry.input(
    description="Entities, symbol kinds and edge types bound the traversal; languages and "
    "pathPrefix keep only matching Files and the Symbols declared in them."
)
class GraphFilter:
    entities: list[EntityEnum] | None = None  # type: ignore[valid-type]
    symbol_kinds: list[SymbolKindEnum] | None = None  # type: ignore[valid-type]
    edge_types: list[EdgeTypeEnum] | None = None  # type: ignore[valid-type]
    languages: list[str] | None = None
    path_prefix: str | None = None

    def to_model(self) -> models.GraphFilters:
        return models.GraphFilters(
            entities=tuple(self.entities or ()),
            symbol_kinds=tuple(self.symbol_kinds or ()),
            edge_types=tuple(self.edge_types or ()),
            languages=tuple(self.languages or ()),
            path_prefix=self.path_prefix,
        )


@strawberry.type
class GraphQuery:
    @strawberry.field
    async def projects(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Project]:
        return Connection.of(await service.list_projects(**_deps(info), first=first, after=after), Project.of)

    @strawberry.field
    async def project(self, info: Info, id: strawberry.ID) -> Project:
        return Project.of(await service.get_node(**_deps(info), node_id=id, expected=models.Entity.PROJECT))

    @strawberry.field(description="Any entity by its global or raw id; NOT_FOUND when there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> Node:
        return to_node(await service.get_node(**_deps(info), node_id=id))

    @strawberry.field(
        description="Breadth-first subgraph from the project or rootIds: depth <= 4, "
        "limit <= 5000 nodes; truncated when capped. Edges: those the expansion crossed (each "
        "from a node nearer than depth to another returned node); allEdges adds the edges among "
        "the outermost ring, i.e. every edge among the nodes (about twice the database work)."
    )
    async def project_graph(
        self,
        info: Info,
        project_id: strawberry.ID,
        depth: int = 2,
        filters: GraphFilter | None = None,
        root_ids: list[strawberry.ID] | None = None,
        limit: int = DEFAULT_GRAPH_NODES,
        min_confidence: float = 0.0,
        all_edges: bool = False,
    ) -> Graph:
        graph = await service.project_graph(
            **_deps(info),
            project_id=project_id,
            depth=depth,
            filters=filters.to_model() if filters else None,
            root_ids=list(root_ids or ()),
            limit=limit,
            with_metadata=asks_for(info.selected_fields, "metadata"),
            min_confidence=min_confidence,
            all_edges=all_edges,
        )
        return Graph.of(graph)

    @strawberry.field
    async def symbol_dependencies(
        self,
        info: Info,
        symbol_id: strawberry.ID,
        direction: DirectionEnum = models.Direction.OUTGOING,  # type: ignore[valid-type]
        depth: int = 1,
        edge_types: list[EdgeTypeEnum] | None = None,  # type: ignore[valid-type]
        limit: int = DEFAULT_GRAPH_NODES,
        min_confidence: float = 0.0,
    ) -> Graph:
        graph = await service.symbol_dependencies(
            **_deps(info),
            symbol_id=symbol_id,
            direction=direction,
            depth=depth,
            edge_types=tuple(edge_types or ()),
            limit=limit,
            with_metadata=asks_for(info.selected_fields, "metadata"),
            min_confidence=min_confidence,
        )
        return Graph.of(graph)

    @strawberry.field(description="What depends on a node, transitively, with each node's distance.")
    async def impact(
        self,
        info: Info,
        id: strawberry.ID,
        depth: int = 3,
        limit: int = DEFAULT_GRAPH_NODES,
        min_confidence: float = 0.0,
    ) -> Graph:
        graph = await service.impact(
            **_deps(info), node_id=id, depth=depth, limit=limit,
            with_metadata=asks_for(info.selected_fields, "metadata"), min_confidence=min_confidence,
        )  # fmt: skip
        return Graph.of(graph)

    @strawberry.field(description="The shortest path between two nodes, up to maxDepth hops.")
    async def path(
        self, info: Info, from_id: strawberry.ID, to_id: strawberry.ID, max_depth: int = 4
    ) -> PathResult:
        result = await service.find_path(**_deps(info), from_id=from_id, to_id=to_id, max_depth=max_depth)
        return PathResult(found=result.found, length=result.length, graph=Graph.of(result.graph))

    @strawberry.field(description="Full-text search ranked by score; user text is matched literally.")
    async def search(
        self,
        info: Info,
        query: str,
        scope: list[SearchScopeEnum] | None = None,  # type: ignore[valid-type]
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Connection[SearchHit]:
        page = await service.search(
            **_deps(info),
            text=query,
            scopes=tuple(scope or ()),
            first=first,
            after=after,
            project_ids=visible_projects(getattr(info.context, "principal", None)),
        )
        hits = [SearchHit(score=h.score, scope=h.scope, node=GraphNode.of(h.node)) for h in page.hits]
        offset = models.decode_cursor(after)
        return Connection.of(
            models.Page(items=hits, offset=offset, has_next=page.hasNextPage), lambda hit: hit
        )


# -- mutations -------------------------------------------------------------------------------
@strawberry.type
class LinkResult:
    from_id: str
    to_id: str
    type: LinkTypeEnum  # type: ignore[valid-type]
    created: bool


@strawberry.type
class GraphMutation:
    @strawberry.mutation
    async def link(
        self,
        info: Info,
        from_id: strawberry.ID,
        to_id: strawberry.ID,
        type: LinkTypeEnum,  # type: ignore[valid-type]
    ) -> LinkResult:
        created = await service.link(**_deps(info), from_id=from_id, to_id=to_id, link_type=type)
        return LinkResult(from_id=from_id, to_id=to_id, type=type, created=created)


# Types reachable only through the Node interface must still be in the schema.
NODE_TYPES = (Project, Repo, File, Symbol, Commit, Person, Service, Task, SpecItem, Audit)
