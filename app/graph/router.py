"""REST entry points of the query API under /api: the same service functions GraphQL calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.core.deps import DriverDep, SettingsDep, VisibleProjectsDep
from app.graph import service
from app.graph.models import (
    DEFAULT_GRAPH_NODES,
    DEFAULT_PAGE,
    MAX_DEPENDENCY_DEPTH,
    MAX_GRAPH_DEPTH,
    MAX_GRAPH_NODES,
    MAX_IMPACT_DEPTH,
    MAX_PAGE,
    MAX_PATH_DEPTH,
    MAX_ROOTS,
    Direction,
    EdgeType,
    Entity,
    EntityRecord,
    Graph,
    GraphFilters,
    PathResult,
    ProjectOut,
    ProjectPage,
    SearchPage,
    SearchScope,
    SymbolKind,
)

router = APIRouter(prefix="/api", tags=["graph"])

Id = Annotated[str, Path(min_length=1, max_length=200, description="A raw id or a Relay global id")]
First = Annotated[int, Query(ge=1, le=MAX_PAGE)]
After = Annotated[str | None, Query(max_length=200, description="endCursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=MAX_GRAPH_NODES, description="Maximum number of nodes")]
NOT_FOUND = {404: {"description": "No entity with this id"}}
MinConfidence = Annotated[
    float,
    Query(alias="minConfidence", ge=0.0, le=1.0,
          description="Leave out edges (CALLS guesses are 0.3) below this confidence"),
]  # fmt: skip


def _project_out(record: EntityRecord) -> ProjectOut:
    return ProjectOut(
        id=record.id,
        globalId=record.global_id,
        name=str(record.props.get("name", "")),
        hubId=record.props.get("hubId"),
    )


@router.get("/projects", response_model=ProjectPage)
async def list_projects(
    driver: DriverDep, settings: SettingsDep, first: First = DEFAULT_PAGE, after: After = None
) -> ProjectPage:
    page = await service.list_projects(driver=driver, settings=settings, first=first, after=after)
    return ProjectPage(
        items=[_project_out(r) for r in page.items], endCursor=page.end_cursor, hasNextPage=page.has_next
    )


@router.get("/projects/{project_id}", response_model=ProjectOut, responses=NOT_FOUND)
async def get_project(project_id: Id, driver: DriverDep, settings: SettingsDep) -> ProjectOut:
    record = await service.get_node(
        driver=driver, settings=settings, node_id=project_id, expected=Entity.PROJECT
    )
    return _project_out(record)


@router.get("/projects/{project_id}/graph", response_model=Graph, responses=NOT_FOUND)
async def project_graph(
    project_id: Id,
    driver: DriverDep,
    settings: SettingsDep,
    depth: Annotated[int, Query(ge=0, le=MAX_GRAPH_DEPTH)] = 2,
    limit: Limit = DEFAULT_GRAPH_NODES,
    entity: Annotated[list[Entity] | None, Query()] = None,
    kind: Annotated[list[SymbolKind] | None, Query(description="Symbol kinds")] = None,
    edge_type: Annotated[list[EdgeType] | None, Query(alias="edgeType")] = None,
    lang: Annotated[list[Annotated[str, Query(max_length=50)]] | None, Query(max_length=20)] = None,
    path_prefix: Annotated[str | None, Query(alias="pathPrefix", max_length=1000)] = None,
    root_id: Annotated[
        list[Annotated[str, Query(max_length=200)]] | None, Query(alias="rootId", max_length=MAX_ROOTS)
    ] = None,
    min_confidence: MinConfidence = 0.0,
    all_edges: Annotated[
        bool, Query(alias="allEdges", description="Every edge among the nodes, not only those crossed")
    ] = False,
) -> Graph:
    filters = GraphFilters(
        entities=tuple(entity or ()),
        symbol_kinds=tuple(kind or ()),
        edge_types=tuple(edge_type or ()),
        languages=tuple(lang or ()),
        path_prefix=path_prefix,
    )
    return await service.project_graph(
        driver=driver,
        settings=settings,
        project_id=project_id,
        depth=depth,
        filters=filters,
        root_ids=list(root_id or ()),
        limit=limit,
        min_confidence=min_confidence,
        all_edges=all_edges,
    )


@router.get("/symbols/{symbol_id}/dependencies", response_model=Graph, responses=NOT_FOUND)
async def symbol_dependencies(
    symbol_id: Id,
    driver: DriverDep,
    settings: SettingsDep,
    direction: Direction = Direction.OUTGOING,
    depth: Annotated[int, Query(ge=1, le=MAX_DEPENDENCY_DEPTH)] = 1,
    edge_type: Annotated[list[EdgeType] | None, Query(alias="edgeType")] = None,
    limit: Limit = DEFAULT_GRAPH_NODES,
    min_confidence: MinConfidence = 0.0,
) -> Graph:
    return await service.symbol_dependencies(
        driver=driver,
        settings=settings,
        symbol_id=symbol_id,
        direction=direction,
        depth=depth,
        edge_types=tuple(edge_type or ()),
        limit=limit,
        min_confidence=min_confidence,
    )


@router.get("/nodes/{node_id}/impact", response_model=Graph, responses=NOT_FOUND)
async def impact(
    node_id: Id,
    driver: DriverDep,
    settings: SettingsDep,
    depth: Annotated[int, Query(ge=1, le=MAX_IMPACT_DEPTH)] = 3,
    limit: Limit = DEFAULT_GRAPH_NODES,
    min_confidence: MinConfidence = 0.0,
) -> Graph:
    return await service.impact(
        driver=driver, settings=settings, node_id=node_id, depth=depth, limit=limit,
        min_confidence=min_confidence,
    )  # fmt: skip


@router.get("/path", response_model=PathResult, responses=NOT_FOUND)
async def shortest_path(
    driver: DriverDep,
    settings: SettingsDep,
    from_id: Annotated[str, Query(alias="from", min_length=1, max_length=200)],
    to_id: Annotated[str, Query(alias="to", min_length=1, max_length=200)],
    max_depth: Annotated[int, Query(alias="maxDepth", ge=1, le=MAX_PATH_DEPTH)] = 4,
) -> PathResult:
    return await service.find_path(
        driver=driver, settings=settings, from_id=from_id, to_id=to_id, max_depth=max_depth
    )


@router.get("/search", response_model=SearchPage)
async def search(
    driver: DriverDep,
    settings: SettingsDep,
    projects: VisibleProjectsDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    scope: Annotated[list[SearchScope] | None, Query()] = None,
    first: First = DEFAULT_PAGE,
    after: After = None,
) -> SearchPage:
    return await service.search(
        driver=driver, settings=settings, text=q, scopes=tuple(scope or ()), first=first, after=after,
        project_ids=projects,
    )  # fmt: skip
