"""GraphQL entry points of VISLZR's aggregated views: thin resolvers over :mod:`app.views.service`.

``ViewsQuery`` and ``ViewsMutation`` are composed into the root schema by ``app/schema.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from neo4j import AsyncDriver
from strawberry.scalars import JSON
from strawberry.types import Info

from app.views import service


def _driver(info: Info) -> AsyncDriver:
    return info.context.driver


def _database(info: Info) -> str:
    return str(info.context.settings.neo4j_database)


def _timeout(info: Info) -> float:
    return float(info.context.settings.neo4j_query_timeout_s)


@strawberry.type
class ViewProject:
    id: strawberry.ID
    name: str
    files: int
    symbols: int
    languages: list[str]
    last_ingest: str | None
    has_communities: bool


@strawberry.type
class ViewNode:
    id: strawberry.ID
    entity: str = strawberry.field(description="Folder, Community, File or Symbol")
    label: str
    parent: str | None = strawberry.field(description="the aggregate this node was expanded out of")
    path: str | None
    kind: str | None
    lang: str | None
    file_id: str | None
    community_id: int | None
    file_count: int
    symbol_count: int
    loc: int
    languages: list[str]
    expandable: bool
    expanded: bool


@strawberry.type
class ViewEdge:
    source: str
    target: str
    type: str
    weight: int = strawberry.field(description="how many relationships this aggregated edge stands for")
    confidence: float = strawberry.field(
        description="the surest of its relationships (calls below 0.5 are unique-name guesses; others 1.0)"
    )
    evidence: str | None = strawberry.field(
        description="how its calls were resolved (scope, import, self, annotation, ..., guess), "
        "comma-joined; known for the relationships of an open file's symbols"
    )


@strawberry.type
class ViewGraph:
    project_id: strawberry.ID
    grouping: str
    fingerprint: str
    nodes: list[ViewNode]
    edges: list[ViewEdge]
    truncated: bool
    total_files: int
    total_symbols: int
    elapsed_ms: float


@strawberry.type
class ViewCommunity:
    id: strawberry.ID
    community_id: int | None
    label: str
    file_count: int
    symbol_count: int


@strawberry.type
class ViewCommunityResult:
    project_id: strawberry.ID
    community_count: int
    modularity: float
    nodes_written: int
    elapsed_ms: float


@strawberry.type
class ViewEdgeRef:
    type: str
    id: str | None
    label: str | None
    entity: str | None
    file_id: str | None
    confidence: float | None = strawberry.field(description="calls: how sure the resolution is")
    evidence: str | None = strawberry.field(
        description="calls: how the target was found (import, scope, ..., guess)"
    )


@strawberry.type
class ViewNodeDetail:
    id: strawberry.ID
    entity: str
    labels: list[str]
    properties: JSON
    file_path: str | None
    outgoing: list[ViewEdgeRef]
    outgoing_count: int
    incoming: list[ViewEdgeRef]
    incoming_count: int


@strawberry.input
class ViewFiltersInput:
    languages: list[str] = strawberry.field(default_factory=list)
    kinds: list[str] = strawberry.field(default_factory=list)
    edge_types: list[str] = strawberry.field(default_factory=list)
    entities: list[str] = strawberry.field(default_factory=list)
    path_prefix: str = ""


def _graph(view: service.ViewGraph) -> ViewGraph:
    return ViewGraph(
        project_id=strawberry.ID(view.project_id),
        grouping=view.grouping,
        fingerprint=view.fingerprint,
        nodes=[ViewNode(**{name: getattr(n, name) for name in n.__slots__}) for n in view.nodes],  # type: ignore[arg-type]
        edges=[ViewEdge(**{name: getattr(e, name) for name in e.__slots__}) for e in view.edges],  # type: ignore[arg-type]
        truncated=view.truncated,
        total_files=view.total_files,
        total_symbols=view.total_symbols,
        elapsed_ms=view.elapsed_ms,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_NODE_COLUMNS = tuple((name, _camel(name)) for name in service.ViewNode.__slots__)


def _packed(view: service.ViewGraph) -> dict[str, Any]:
    """The view as columns (one list per field) in one JSON value: a 5k-node view resolved field by
    field costs ~0.8 s of GraphQL execution here, as one value ~50 ms and a third of the bytes."""
    return {
        "projectId": view.project_id,
        "grouping": view.grouping,
        "fingerprint": view.fingerprint,
        "truncated": view.truncated,
        "totalFiles": view.total_files,
        "totalSymbols": view.total_symbols,
        "elapsedMs": view.elapsed_ms,
        "nodes": {key: [getattr(n, name) for n in view.nodes] for name, key in _NODE_COLUMNS},
        "edges": {
            "source": [e.source for e in view.edges],
            "target": [e.target for e in view.edges],
            "type": [e.type for e in view.edges],
            "weight": [e.weight for e in view.edges],
            "confidence": [e.confidence for e in view.edges],
            "evidence": [e.evidence for e in view.edges],
        },
    }


def _filters(filters: ViewFiltersInput | None) -> service.ViewFilters:
    if filters is None:
        return service.ViewFilters()
    return service.ViewFilters(
        languages=tuple(filters.languages),
        kinds=tuple(filters.kinds),
        edge_types=tuple(filters.edge_types),
        entities=tuple(filters.entities),
        path_prefix=filters.path_prefix,
    )


async def _view(
    info: Info,
    project_id: strawberry.ID,
    grouping: str,
    expanded: list[str] | None,
    depth: int,
    filters: ViewFiltersInput | None,
    max_nodes: int,
    min_confidence: float,
) -> service.ViewGraph:
    return await service.project_view(
        _driver(info), database=_database(info), project_id=str(project_id), grouping=grouping,
        expanded=expanded, depth=depth, filters=_filters(filters), limit=max_nodes,
        min_confidence=min_confidence, timeout_s=_timeout(info),
    )  # fmt: skip


_MIN_CONFIDENCE = "calls below it are left out, as in projectGraph (0.3: unique-name guesses; 0: all)"


@strawberry.type
class ViewsQuery:
    @strawberry.field(description="Projects with their size, languages and last ingest (VISLZR home).")
    async def view_projects(self, info: Info) -> list[ViewProject]:
        rows = await service.project_summaries(
            _driver(info), database=_database(info), timeout_s=_timeout(info)
        )
        return [ViewProject(**{name: getattr(r, name) for name in r.__slots__}) for r in rows]  # type: ignore[arg-type]

    @strawberry.field(
        description="The aggregated view of a project: collapsed folders (or GDS communities) with "
        "counts, expanded ones replaced by their children, relationships summed into weighted edges."
    )
    async def project_view(
        self,
        info: Info,
        project_id: strawberry.ID,
        grouping: str = "folders",
        expanded: list[str] | None = None,
        depth: int = 1,
        filters: ViewFiltersInput | None = None,
        max_nodes: int = service.DEFAULT_VIEW_NODES,
        min_confidence: Annotated[float, strawberry.argument(description=_MIN_CONFIDENCE)] = 0.0,
    ) -> ViewGraph:
        # Not called `limit`: the generic cost estimate would multiply every node field by it, but
        # this view is folded from a cached per-project skeleton (one bounded read per change), its
        # size is checked by the service (at most MAX_VIEW_NODES) and its fields are plain values.
        view = await _view(info, project_id, grouping, expanded, depth, filters, max_nodes, min_confidence)
        return _graph(view)

    @strawberry.field(
        description="projectView as one JSON value with the nodes and edges as columns (one list per "
        "field, same names): the same data, much cheaper to serve and parse for large views."
    )
    async def project_view_packed(
        self,
        info: Info,
        project_id: strawberry.ID,
        grouping: str = "folders",
        expanded: list[str] | None = None,
        depth: int = 1,
        filters: ViewFiltersInput | None = None,
        max_nodes: int = service.DEFAULT_VIEW_NODES,
        min_confidence: Annotated[float, strawberry.argument(description=_MIN_CONFIDENCE)] = 0.0,
    ) -> JSON:
        view = await _view(info, project_id, grouping, expanded, depth, filters, max_nodes, min_confidence)
        return _packed(view)

    @strawberry.field(description="The folder map under `path` (e.g. 'app/'), `depth` levels open.")
    async def folder_map(
        self, info: Info, project_id: strawberry.ID, path: str = "", depth: int = 1
    ) -> ViewGraph:
        expanded = [service.folder_id(path)] if path else []
        filters = service.ViewFilters(path_prefix=path)
        level = path.count("/")
        view = await service.project_view(
            _driver(info),
            database=_database(info),
            project_id=str(project_id),
            expanded=expanded,
            depth=min(level + depth, service.MAX_DEPTH),
            filters=filters,
            timeout_s=_timeout(info),
        )
        return _graph(view)

    @strawberry.field(description="Changes whenever the project's code graph changes (for polling).")
    async def project_fingerprint(self, info: Info, project_id: strawberry.ID) -> str:
        return await service.project_fingerprint(
            _driver(info), database=_database(info), project_id=str(project_id), timeout_s=_timeout(info)
        )

    @strawberry.field(description="The project's GDS (Louvain) communities with their counts.")
    async def communities(self, info: Info, project_id: strawberry.ID) -> list[ViewCommunity]:
        rows = await service.communities(
            _driver(info), database=_database(info), project_id=str(project_id), timeout_s=_timeout(info)
        )
        return [ViewCommunity(**{name: getattr(r, name) for name in r.__slots__}) for r in rows]  # type: ignore[arg-type]

    @strawberry.field(description="One node's properties and a sample of its relationships.")
    async def view_node(self, info: Info, id: strawberry.ID) -> ViewNodeDetail:
        detail = await service.node_detail(
            _driver(info), database=_database(info), node_id=str(id), timeout_s=_timeout(info)
        )
        return ViewNodeDetail(
            id=strawberry.ID(detail.id),
            entity=detail.entity,
            labels=detail.labels,
            properties=detail.properties,
            file_path=detail.file_path,
            outgoing=[
                ViewEdgeRef(**{name: getattr(e, name) for name in e.__slots__})  # type: ignore[arg-type]
                for e in detail.outgoing
            ],
            outgoing_count=detail.outgoing_count,
            incoming=[
                ViewEdgeRef(**{name: getattr(e, name) for name in e.__slots__})  # type: ignore[arg-type]
                for e in detail.incoming
            ],
            incoming_count=detail.incoming_count,
        )


@strawberry.type
class ViewsMutation:
    @strawberry.mutation(
        description="Louvain over the project's IMPORTS + CALLS graph in GDS; stores `communityId`."
    )
    async def compute_communities(self, info: Info, project_id: strawberry.ID) -> ViewCommunityResult:
        result = await service.compute_communities(
            _driver(info), database=_database(info), project_id=str(project_id)
        )
        return ViewCommunityResult(
            project_id=strawberry.ID(result.project_id),
            community_count=result.community_count,
            modularity=result.modularity,
            nodes_written=result.nodes_written,
            elapsed_ms=result.elapsed_ms,
        )
