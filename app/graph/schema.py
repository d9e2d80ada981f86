"""GraphQL types and resolvers of the graph domain. Resolvers are thin: they translate arguments
and call :mod:`app.graph.service`; the service owns validation and every query."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from neo4j import AsyncDriver
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from app.config import Settings
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
AuditKindEnum = strawberry.enum(models.AuditKind, name="AuditKind")
TaskStatusEnum = strawberry.enum(models.TaskStatus, name="TaskStatus")


class GraphContext(Protocol):
    """What the root schema's context gives these resolvers (see app/schema.py)."""

    driver: AsyncDriver
    settings: Settings
    nats: Any


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


async def _related(
    info: Info, parent: EntityRecord, relation: str, first: int, after: str | None, **extra: Any
) -> models.Page:
    return await service.related(
        **_deps(info), parent=parent, relation=relation, first=first, after=after, **extra
    )


def _prop(record: EntityRecord, key: str) -> Any:
    return plain_value(record.props.get(key))


# -- entities --------------------------------------------------------------------------------
@strawberry.type
class Project(Node):
    name: str
    hub_id: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> Project:
        return Project(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            name=str(record.props.get("name", "")),
            hub_id=_prop(record, "hubId"),
        )

    @strawberry.field
    async def repos(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Repo]:
        return Connection.of(await _related(info, self.record, "repos", first, after), Repo.of)


@strawberry.type
class Repo(Node):
    url: str | None
    path: str | None
    default_branch: str | None
    head: str | None
    project_id: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> Repo:
        return Repo(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            url=_prop(record, "url"),
            path=_prop(record, "path"),
            default_branch=_prop(record, "defaultBranch"),
            head=_prop(record, "head"),
            project_id=_prop(record, "projectId"),
        )

    @strawberry.field
    async def files(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None, path_prefix: str | None = None
    ) -> Connection[File]:
        page = await _related(info, self.record, "files", first, after, path_prefix=path_prefix)
        return Connection.of(page, File.of)

    @strawberry.field
    async def commits(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Commit]:
        return Connection.of(await _related(info, self.record, "commits", first, after), Commit.of)


@strawberry.type
class File(Node):
    path: str
    lang: str | None
    loc: int | None
    size: int | None
    hash: str | None
    repo_id: str | None
    last_indexed_at: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> File:
        return File(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            path=str(record.props.get("path", "")),
            lang=_prop(record, "lang"),
            loc=_prop(record, "loc"),
            size=_prop(record, "size"),
            hash=_prop(record, "hash"),
            repo_id=_prop(record, "repoId"),
            last_indexed_at=_prop(record, "lastIndexedAt"),
        )

    @strawberry.field
    async def symbols(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Symbol]:
        return Connection.of(await _related(info, self.record, "symbols", first, after), Symbol.of)

    @strawberry.field
    async def imports(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[File]:
        return Connection.of(await _related(info, self.record, "imports", first, after), File.of)

    @strawberry.field
    async def imported_by(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[File]:
        return Connection.of(await _related(info, self.record, "importedBy", first, after), File.of)

    @strawberry.field
    async def commits(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Commit]:
        return Connection.of(await _related(info, self.record, "commits", first, after), Commit.of)


@strawberry.type
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

    @staticmethod
    def of(record: EntityRecord) -> Symbol:
        p = record.props
        return Symbol(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            kind=str(p.get("kind", "")),
            name=str(p.get("name", "")),
            qualified_name=str(p.get("qualifiedName", "")),
            signature=_prop(record, "signature"),
            range_start=_prop(record, "rangeStart"),
            range_end=_prop(record, "rangeEnd"),
            exported=_prop(record, "exported"),
            file_id=_prop(record, "fileId"),
            repo_id=_prop(record, "repoId"),
        )

    @strawberry.field
    async def file(self, info: Info) -> File | None:
        page = await _related(info, self.record, "file", 1, None)
        return File.of(page.items[0]) if page.items else None

    @strawberry.field
    async def members(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Symbol]:
        return Connection.of(await _related(info, self.record, "members", first, after), Symbol.of)

    @strawberry.field(description="Symbols this one calls; `confidence` of each call is on the edge's node.")
    async def calls(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Symbol]:
        return Connection.of(await _related(info, self.record, "calls", first, after), Symbol.of)

    @strawberry.field
    async def called_by(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Symbol]:
        return Connection.of(await _related(info, self.record, "calledBy", first, after), Symbol.of)

    @strawberry.field
    async def extends(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Symbol]:
        return Connection.of(await _related(info, self.record, "extends", first, after), Symbol.of)

    @strawberry.field
    async def implemented_by(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Task]:
        return Connection.of(await _related(info, self.record, "implementedBy", first, after), Task.of)


@strawberry.type
class Commit(Node):
    sha: str
    time: str | None
    message: str | None
    is_fix: bool | None
    repo_id: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> Commit:
        return Commit(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            sha=record.id,
            time=_prop(record, "time"),
            message=_prop(record, "message"),
            is_fix=_prop(record, "isFix"),
            repo_id=_prop(record, "repoId"),
        )

    @strawberry.field
    async def files(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[File]:
        return Connection.of(await _related(info, self.record, "files", first, after), File.of)

    @strawberry.field
    async def authors(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Person]:
        return Connection.of(await _related(info, self.record, "authors", first, after), Person.of)


@strawberry.type
class Person(Node):
    name: str | None
    email: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> Person:
        return Person(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            name=_prop(record, "name"),
            email=_prop(record, "email"),
        )

    @strawberry.field
    async def commits(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Commit]:
        return Connection.of(await _related(info, self.record, "commits", first, after), Commit.of)


@strawberry.type
class Service(Node):
    name: str
    type: str | None
    endpoint: str | None
    health_url: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> Service:
        return Service(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            name=str(record.props.get("name", "")),
            type=_prop(record, "type"),
            endpoint=_prop(record, "endpoint"),
            health_url=_prop(record, "healthUrl"),
        )

    @strawberry.field
    async def integrations(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Service]:
        return Connection.of(await _related(info, self.record, "integrations", first, after), Service.of)


@strawberry.type
class Task(Node):
    title: str
    description: str | None
    status: str | None
    assignee: str | None
    labels: list[str]
    created_at: str | None
    updated_at: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> Task:
        return Task(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            title=str(record.props.get("title", "")),
            description=_prop(record, "description"),
            status=_prop(record, "status"),
            assignee=_prop(record, "assignee"),
            labels=list(record.props.get("labels") or []),
            created_at=_prop(record, "createdAt"),
            updated_at=_prop(record, "updatedAt"),
        )

    @strawberry.field
    async def implements(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Symbol]:
        return Connection.of(await _related(info, self.record, "implements", first, after), Symbol.of)

    @strawberry.field
    async def spec_items(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[SpecItem]:
        return Connection.of(await _related(info, self.record, "specItems", first, after), SpecItem.of)


@strawberry.type
class SpecItem(Node):
    title: str
    description: str | None
    status: str | None
    project_id: str | None
    created_at: str | None
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> SpecItem:
        return SpecItem(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            title=str(record.props.get("title", "")),
            description=_prop(record, "description"),
            status=_prop(record, "status"),
            project_id=_prop(record, "projectId"),
            created_at=_prop(record, "createdAt"),
        )

    @strawberry.field
    async def tasks(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Task]:
        return Connection.of(await _related(info, self.record, "tasks", first, after), Task.of)


@strawberry.type
class Audit(Node):
    kind: str
    status: str
    created_at: str | None
    target_id: str | None
    summary: str | None  # the agent's verdict once it has run (issue 14)
    record: strawberry.Private[EntityRecord]

    @staticmethod
    def of(record: EntityRecord) -> Audit:
        return Audit(
            id=strawberry.ID(record.global_id),
            entity_id=record.id,
            record=record,
            kind=str(record.props.get("kind", "")),
            status=str(record.props.get("status", "")),
            created_at=_prop(record, "createdAt"),
            target_id=_prop(record, "targetId"),
            summary=_prop(record, "summary"),
        )

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
        return Graph(
            nodes=[GraphNode.of(node) for node in graph.nodes],
            edges=[
                GraphEdge(from_id=e.fromId, to_id=e.toId, type=e.type, metadata=e.metadata)
                for e in graph.edges
            ],
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
        "limit <= 5000 nodes; truncated when capped."
    )
    async def project_graph(
        self,
        info: Info,
        project_id: strawberry.ID,
        depth: int = 2,
        filters: GraphFilter | None = None,
        root_ids: list[strawberry.ID] | None = None,
        limit: int = DEFAULT_GRAPH_NODES,
    ) -> Graph:
        graph = await service.project_graph(
            **_deps(info),
            project_id=project_id,
            depth=depth,
            filters=filters.to_model() if filters else None,
            root_ids=list(root_ids or ()),
            limit=limit,
            with_metadata=asks_for(info.selected_fields, "metadata"),
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
    ) -> Graph:
        graph = await service.symbol_dependencies(
            **_deps(info),
            symbol_id=symbol_id,
            direction=direction,
            depth=depth,
            edge_types=tuple(edge_types or ()),
            limit=limit,
            with_metadata=asks_for(info.selected_fields, "metadata"),
        )
        return Graph.of(graph)

    @strawberry.field(description="What depends on a node, transitively, with each node's distance.")
    async def impact(
        self, info: Info, id: strawberry.ID, depth: int = 3, limit: int = DEFAULT_GRAPH_NODES
    ) -> Graph:
        graph = await service.impact(
            **_deps(info), node_id=id, depth=depth, limit=limit,
            with_metadata=asks_for(info.selected_fields, "metadata"),
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
        )
        hits = [SearchHit(score=h.score, scope=h.scope, node=GraphNode.of(h.node)) for h in page.hits]
        offset = models.decode_cursor(after)
        return Connection.of(
            models.Page(items=hits, offset=offset, has_next=page.hasNextPage), lambda hit: hit
        )


# -- mutations -------------------------------------------------------------------------------
@strawberry.input
class CreateTaskInput:
    title: str
    description: str | None = None
    status: TaskStatusEnum = models.TaskStatus.TODO  # type: ignore[valid-type]
    assignee: str | None = None
    labels: list[str] | None = None
    spec_item_id: strawberry.ID | None = None


@strawberry.input
class UpdateTaskInput:
    id: strawberry.ID
    status: TaskStatusEnum | None = None  # type: ignore[valid-type]
    assignee: str | None = strawberry.field(default=None, description="Empty string unassigns.")
    labels: list[str] | None = None


@strawberry.input
class CreateSpecItemInput:
    title: str
    description: str | None = None
    project_id: strawberry.ID | None = None


@strawberry.input
class RegisterServiceInput:
    name: str
    type: str | None = None
    endpoint: str | None = None
    health_url: str | None = None


@strawberry.type
class LinkResult:
    from_id: str
    to_id: str
    type: LinkTypeEnum  # type: ignore[valid-type]
    created: bool


@strawberry.type
class TriggerAuditResult:
    audit: Audit
    published: bool = strawberry.field(
        description="False when NATS was unreachable; the Audit stays pending."
    )
    subject: str


@strawberry.type
class GraphMutation:
    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> Task:
        record = await service.create_task(
            **_deps(info),
            title=input.title,
            description=input.description,
            status=input.status,
            assignee=input.assignee,
            labels=input.labels or (),
            spec_item_id=input.spec_item_id,
        )
        return Task.of(record)

    @strawberry.mutation
    async def update_task(self, info: Info, input: UpdateTaskInput) -> Task:
        record = await service.update_task(
            **_deps(info),
            task_id=input.id,
            status=input.status,
            assignee=input.assignee or None,
            clear_assignee=input.assignee == "",
            labels=input.labels,
        )
        return Task.of(record)

    @strawberry.mutation
    async def create_spec_item(self, info: Info, input: CreateSpecItemInput) -> SpecItem:
        record = await service.create_spec_item(
            **_deps(info), title=input.title, description=input.description, project_id=input.project_id
        )
        return SpecItem.of(record)

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

    @strawberry.mutation
    async def register_service(self, info: Info, input: RegisterServiceInput) -> Service:
        record = await service.register_service(
            **_deps(info),
            name=input.name,
            service_type=input.type,
            endpoint=input.endpoint,
            health_url=input.health_url,
        )
        return Service.of(record)

    @strawberry.mutation
    async def trigger_audit(
        self,
        info: Info,
        target_id: strawberry.ID,
        kind: AuditKindEnum,  # type: ignore[valid-type]
    ) -> TriggerAuditResult:
        context: GraphContext = info.context
        request = await service.trigger_audit(
            **_deps(info), nats=context.nats, target_id=target_id, kind=kind
        )
        return TriggerAuditResult(
            audit=Audit.of(request.audit), published=request.published, subject=request.subject
        )


# Types reachable only through the Node interface must still be in the schema.
NODE_TYPES = (Project, Repo, File, Symbol, Commit, Person, Service, Task, SpecItem, Audit)
