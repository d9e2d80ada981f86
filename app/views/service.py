"""VISLZR's aggregated views of a project's code graph (semantic zoom).

A project opens as a map of its folders (or of its GDS communities); expanding a folder shows its
subfolders and files, expanding a file shows its symbols. Whatever is collapsed is drawn as one
aggregate node carrying its counts, and the relationships between the things inside two
aggregates are drawn as one edge whose weight is their number. What is drawn therefore stays
bounded by what the person chose to open, not by the size of the project.

Cypher does the counting (``cypher/views/*``); this module only folds file-level rows into the
visible aggregates. The per-project skeleton (files + file-to-file edge counts) is cached and
re-read only when the project's fingerprint changes (a new ingest, new communities).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver

from app.core.db import run_named
from app.core.errors import InvalidInput, LimitExceeded, NotFound
from app.core.values import plain_map

MAX_VIEW_NODES = 20_000
DEFAULT_VIEW_NODES = 5_000
# Nodes + edges drawn at once: sigma with non-instanced programs on software WebGL pans at the
# machine's ceiling up to ~20k (bench/vislzr_render.py); a 5k-file view with 15k imports and a
# live update on top fits, a depth-3 map of a 50k-symbol project (5k + 61k) does not.
MAX_DRAWN_ELEMENTS = 24_000
MAX_DEPTH = 8
MAX_OPEN_FILES = 200
SKELETON_FILE_LIMIT = 200_000
SKELETON_EDGE_LIMIT = 2_000_000
SYMBOL_LIMIT = 50_000
DETAIL_EDGE_LIMIT = 50
SYMBOL_EDGE_TYPES = ("CALLS", "EXTENDS", "IMPLEMENTS", "TESTS")
EDGE_TYPES = ("IMPORTS", *SYMBOL_EDGE_TYPES, "DECLARES")
SKELETON_EDGE_TYPES = ("IMPORTS", *SYMBOL_EDGE_TYPES)  # the type codes of views/project_skeleton
ENTITIES = ("Folder", "Community", "File", "Symbol")
GROUPINGS = ("folders", "communities")
NO_COMMUNITY = "community:none"


@dataclass(slots=True, frozen=True)
class FileRow:
    id: str
    path: str
    lang: str | None
    loc: int | None
    community_id: int | None
    symbols: int


@dataclass(slots=True)
class Skeleton:
    fingerprint: str
    files: dict[str, FileRow]
    edges: list[tuple[str, str, str, int, float]]  # (src file, dst file, type, count, confidence)


@dataclass(slots=True, frozen=True)
class ViewFilters:
    languages: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    edge_types: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    path_prefix: str = ""


@dataclass(slots=True)
class ViewNode:
    id: str
    entity: str  # Folder | Community | File | Symbol
    label: str
    parent: str | None  # the aggregate this node was expanded out of (a layout seed)
    path: str | None = None
    kind: str | None = None
    lang: str | None = None
    file_id: str | None = None
    community_id: int | None = None
    file_count: int = 0
    symbol_count: int = 0
    loc: int = 0
    languages: list[str] = field(default_factory=list)
    expandable: bool = False
    expanded: bool = False


@dataclass(slots=True, frozen=True)
class ViewEdge:
    source: str
    target: str
    type: str
    weight: int
    # The surest of the relationships it stands for (1.0 for relationships without a confidence):
    # an aggregated edge is a guess only when all of them are.
    confidence: float = 1.0
    # How its calls were resolved (scope, import, self, annotation, ..., guess), the distinct kinds
    # sorted and comma-joined; known only for relationships read one by one (an open file's symbols).
    evidence: str | None = None


@dataclass(slots=True)
class ViewGraph:
    project_id: str
    grouping: str
    fingerprint: str
    nodes: list[ViewNode]
    edges: list[ViewEdge]
    truncated: bool
    total_files: int
    total_symbols: int
    elapsed_ms: float


@dataclass(slots=True, frozen=True)
class ProjectSummary:
    id: str
    name: str
    files: int
    symbols: int
    languages: list[str]
    last_ingest: str | None
    has_communities: bool


@dataclass(slots=True, frozen=True)
class Community:
    id: str
    community_id: int | None
    label: str
    file_count: int
    symbol_count: int


@dataclass(slots=True, frozen=True)
class CommunityResult:
    project_id: str
    community_count: int
    modularity: float
    nodes_written: int
    elapsed_ms: float


@dataclass(slots=True, frozen=True)
class EdgeRef:
    type: str
    id: str | None
    label: str | None
    entity: str | None
    file_id: str | None = None
    confidence: float | None = None  # calls only: how sure the resolution is
    evidence: str | None = None  # calls only: how the target was found


@dataclass(slots=True, frozen=True)
class NodeDetail:
    id: str
    entity: str
    labels: list[str]
    properties: dict[str, Any]
    file_path: str | None
    outgoing: list[EdgeRef]
    outgoing_count: int
    incoming: list[EdgeRef]
    incoming_count: int


# --- reading ---------------------------------------------------------------------------------


async def _read(
    driver: AsyncDriver, name: str, timeout_s: float, *, database: str | None, **params: Any
) -> list[dict[str, Any]]:
    records = await run_named(driver, name, database=database, timeout_s=timeout_s, **params)
    return [record.data() for record in records]


async def _write(
    driver: AsyncDriver, name: str, timeout_s: float, *, database: str | None, **params: Any
) -> list[dict[str, Any]]:
    records = await run_named(driver, name, database=database, timeout_s=timeout_s, write=True, **params)
    return [record.data() for record in records]


async def project_summaries(
    driver: AsyncDriver, *, database: str | None = None, limit: int = 200, timeout_s: float = 10.0
) -> list[ProjectSummary]:
    rows = await _read(driver, "views/project_summaries", timeout_s, database=database, limit=limit)
    return [
        ProjectSummary(
            id=row["id"],
            name=row["name"],
            files=row["files"],
            symbols=row["symbols"],
            languages=sorted(lang for lang in row["languages"] if lang),
            last_ingest=row["lastIngest"],
            has_communities=row["hasCommunities"],
        )
        for row in rows
    ]


class _SkeletonCache:
    """The last few projects' skeletons, each valid while its fingerprint is unchanged."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.entries: OrderedDict[str, Skeleton] = OrderedDict()

    def get(self, project_id: str, fingerprint: str) -> Skeleton | None:
        skeleton = self.entries.get(project_id)
        if skeleton is None or skeleton.fingerprint != fingerprint:
            return None
        self.entries.move_to_end(project_id)
        return skeleton

    def put(self, project_id: str, skeleton: Skeleton) -> None:
        self.entries[project_id] = skeleton
        self.entries.move_to_end(project_id)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


_skeletons = _SkeletonCache()


async def project_fingerprint(
    driver: AsyncDriver, *, database: str | None = None, project_id: str, timeout_s: float = 10.0
) -> str:
    rows = await _read(
        driver, "views/project_fingerprint", timeout_s, database=database, projectId=project_id
    )
    if not rows:
        raise NotFound(f"no project {project_id!r}", hint="the home page lists the projects")
    row = rows[0]
    heads = ",".join(sorted(h for h in row["heads"] if h))
    return f"{row['files']}|{row['symbols']}|{row['lastIndexedAt']}|{row['communitiesAt']}|{heads}"


async def project_skeleton(
    driver: AsyncDriver, *, database: str | None = None, project_id: str, timeout_s: float = 10.0
) -> Skeleton:
    fingerprint = await project_fingerprint(
        driver, database=database, project_id=project_id, timeout_s=timeout_s
    )
    cached = _skeletons.get(project_id, fingerprint)
    if cached is not None:
        return cached
    rows = await _read(
        driver,
        "views/project_skeleton",
        timeout_s,
        database=database,
        projectId=project_id,
        limit=SKELETON_FILE_LIMIT,
    )
    files = {
        row["id"]: FileRow(
            id=row["id"],
            path=row["path"] or row["id"],
            lang=row["lang"],
            loc=row["loc"],
            community_id=row["communityId"],
            symbols=row["symbols"],
        )
        for row in rows
    }
    order = {row["i"]: row["id"] for row in rows}
    edges = [
        (row["id"], order[dst], SKELETON_EDGE_TYPES[code], weight, float(confidence))
        for row in rows
        for dst, code, weight, confidence in row["out"]
    ]
    if len(edges) > SKELETON_EDGE_LIMIT:
        raise LimitExceeded(f"project {project_id} has more than {SKELETON_EDGE_LIMIT} file-to-file edges")
    skeleton = Skeleton(fingerprint=fingerprint, files=files, edges=edges)
    _skeletons.put(project_id, skeleton)
    return skeleton


# --- folding files into visible aggregates ----------------------------------------------------


def folder_prefixes(path: str) -> list[str]:
    """``"a/b/c.py"`` → ``["a/", "a/b/"]``: the folders a file sits in, outermost first."""
    parts = path.split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def folder_id(prefix: str) -> str:
    return f"dir:{prefix}"


def community_node_id(community_id: int | None) -> str:
    return NO_COMMUNITY if community_id is None else f"community:{community_id}"


class _Folding:
    """Maps every file to the node that stands for it in the current view."""

    def __init__(self, grouping: str, expanded: set[str], depth: int, paths: Iterable[str] = ()) -> None:
        self.grouping = grouping
        self.depth = depth
        # What each folder holds directly: its subfolders' prefixes, and "" for a file.
        self.contents: dict[str, set[str]] = defaultdict(set)
        for path in paths:
            prefixes = folder_prefixes(path)
            for level, outer in enumerate(prefixes, start=1):
                self.contents[outer].add(prefixes[level] if level < len(prefixes) else "")
        self.open_folders: set[str] = set()
        for item in expanded:
            if item.startswith("dir:"):
                prefix = item[4:]
                # Opening a folder opens the folders it sits in (a deep link names only the leaf).
                self.open_folders.update(folder_prefixes(prefix + "x"))
        self.open_communities = {item for item in expanded if item.startswith("community:")}

    def representative(self, file: FileRow) -> str:
        if self.grouping == "communities":
            node = community_node_id(file.community_id)
            return file.id if node in self.open_communities else node
        for level, prefix in enumerate(folder_prefixes(file.path), start=1):
            if level >= self.depth and prefix not in self.open_folders:
                return folder_id(self.compacted(prefix))
        return file.id

    def compacted(self, prefix: str) -> str:
        """A collapsed folder that holds only one subfolder (``src/`` → ``main/`` → ``java/``) is
        drawn as the whole chain, so expanding it shows something new rather than one more folder."""
        while len(held := self.contents.get(prefix, set())) == 1 and "" not in held:
            prefix = next(iter(held))
        return prefix

    def is_open(self, prefix: str) -> bool:
        return prefix.count("/") < self.depth or prefix in self.open_folders

    def folder_label_and_parent(self, prefix: str) -> tuple[str, str | None]:
        """A drawn folder's label is its path below the open folder it sits in (the whole chain
        for a compacted one); that open folder is its parent."""
        outer = ""
        for candidate in folder_prefixes(prefix.rstrip("/")):
            if not self.is_open(candidate):
                break
            outer = candidate
        return prefix[len(outer) :], folder_id(outer) if outer else None

    def parent_of_file(self, file: FileRow) -> str | None:
        if self.grouping == "communities":
            return community_node_id(file.community_id)
        prefixes = folder_prefixes(file.path)
        return folder_id(prefixes[-1]) if prefixes else None


def _community_label(files: list[FileRow]) -> str:
    folders = Counter(f.path.rsplit("/", 1)[0] + "/" if "/" in f.path else "./" for f in files)
    top, _ = folders.most_common(1)[0]
    return f"{top} +{len(files) - 1}" if len(files) > 1 else files[0].path


def _validate(
    grouping: str, depth: int, limit: int, filters: ViewFilters, expanded: list[str], min_confidence: float
) -> None:
    if not 0.0 <= min_confidence <= 1.0:
        raise InvalidInput("minConfidence must be between 0 and 1")
    if grouping not in GROUPINGS:
        raise InvalidInput(f"grouping must be one of {', '.join(GROUPINGS)}")
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput(f"depth must be between 1 and {MAX_DEPTH}")
    if not 1 <= limit <= MAX_VIEW_NODES:
        raise LimitExceeded(f"limit must be between 1 and {MAX_VIEW_NODES}")
    if len(expanded) > 5_000:
        raise LimitExceeded("at most 5000 expanded groups")
    unknown = set(filters.edge_types) - set(EDGE_TYPES) | set(filters.entities) - set(ENTITIES)
    if unknown:
        raise InvalidInput(f"unknown filter values: {', '.join(sorted(unknown))}")


async def project_view(
    driver: AsyncDriver,
    *,
    database: str | None = None,
    project_id: str,
    grouping: str = "folders",
    expanded: list[str] | None = None,
    depth: int = 1,
    filters: ViewFilters | None = None,
    limit: int = DEFAULT_VIEW_NODES,
    min_confidence: float = 0.0,
    timeout_s: float = 10.0,
) -> ViewGraph:
    """The visible graph of a project for one set of expanded groups, depth and filters; calls
    below ``min_confidence`` are left out (as the query API's minConfidence does)."""
    started = time.perf_counter()
    expanded = list(expanded or [])
    filters = filters or ViewFilters()
    _validate(grouping, depth, limit, filters, expanded, min_confidence)
    skeleton = await project_skeleton(driver, database=database, project_id=project_id, timeout_s=timeout_s)
    # An expanded file opens the groups it sits in, so a link or a search names only the file.
    opened = set(expanded)
    for item in expanded:
        target = skeleton.files.get(item)
        if target is not None:
            prefixes = folder_prefixes(target.path)
            if prefixes:
                opened.add(folder_id(prefixes[-1]))
            opened.add(community_node_id(target.community_id))
    folding = _Folding(grouping, opened, depth, (f.path for f in skeleton.files.values()))
    langs = set(filters.languages)
    kinds = set(filters.kinds)
    edge_types = set(filters.edge_types) or set(EDGE_TYPES)
    entities = set(filters.entities) or set(ENTITIES)

    files = {
        fid: f
        for fid, f in skeleton.files.items()
        if (not langs or f.lang in langs) and f.path.startswith(filters.path_prefix)
    }
    rep = {fid: folding.representative(f) for fid, f in files.items()}
    open_files = sorted(x for x in expanded if x in files and rep[x] == x)[:MAX_OPEN_FILES]

    nodes: dict[str, ViewNode] = {}
    members: dict[str, list[FileRow]] = defaultdict(list)
    for fid, f in files.items():
        node_id = rep[fid]
        if node_id != fid:
            members[node_id].append(f)
            continue
        nodes[fid] = ViewNode(
            id=fid, entity="File", label=f.path.rsplit("/", 1)[-1], parent=folding.parent_of_file(f),
            path=f.path, lang=f.lang, file_id=fid, community_id=f.community_id, file_count=1,
            symbol_count=f.symbols, loc=f.loc or 0, languages=[f.lang] if f.lang else [],
            expandable=f.symbols > 0, expanded=fid in open_files,
        )  # fmt: skip
    # Visible folders that are open still appear as nodes only when they are collapsed.
    for node_id, group in members.items():
        langs_here = sorted({f.lang for f in group if f.lang})
        if node_id.startswith("dir:"):
            prefix = node_id[4:]
            label, parent = folding.folder_label_and_parent(prefix)
            nodes[node_id] = ViewNode(
                id=node_id, entity="Folder", label=label, parent=parent, path=prefix,
                file_count=len(group), symbol_count=sum(f.symbols for f in group),
                loc=sum(f.loc or 0 for f in group), languages=langs_here, expandable=True,
            )  # fmt: skip
        else:
            cid = group[0].community_id
            nodes[node_id] = ViewNode(
                id=node_id, entity="Community", label=_community_label(group), parent=None,
                community_id=cid, file_count=len(group), symbol_count=sum(f.symbols for f in group),
                loc=sum(f.loc or 0 for f in group), languages=langs_here, expandable=True,
            )  # fmt: skip

    weights: Counter[tuple[str, str, str]] = Counter()
    surest: dict[tuple[str, str, str], float] = {}
    evidence: dict[tuple[str, str, str], set[str]] = defaultdict(set)

    def count(key: tuple[str, str, str], weight: int, confidence: float) -> None:
        weights[key] += weight
        surest[key] = max(surest.get(key, 0.0), confidence)

    open_set = set(open_files)
    for src, dst, etype, weight, confidence in skeleton.edges:
        if etype not in edge_types or src not in files or dst not in files or confidence < min_confidence:
            continue
        if etype != "IMPORTS" and (src in open_set or dst in open_set):
            continue  # drawn symbol to symbol below
        a, b = rep[src], rep[dst]
        if a != b:
            count((a, b, etype), weight, confidence)

    if open_files:
        symbol_rows = await _read(
            driver, "views/file_symbols", timeout_s, database=database, fileIds=open_files, limit=SYMBOL_LIMIT
        )
        visible_symbols: set[str] = set()
        for row in symbol_rows:
            if kinds and row["kind"] not in kinds:
                continue
            visible_symbols.add(row["id"])
            nodes[row["id"]] = ViewNode(
                id=row["id"], entity="Symbol", label=row["name"] or row["qualifiedName"] or row["id"],
                parent=row["fileId"], kind=row["kind"], path=files[row["fileId"]].path,
                lang=files[row["fileId"]].lang, file_id=row["fileId"], community_id=row["communityId"],
                symbol_count=1,
            )  # fmt: skip
            if "DECLARES" in edge_types:
                count((row["fileId"], row["id"], "DECLARES"), 1, 1.0)
        edge_rows = await _read(
            driver,
            "views/symbol_edges",
            timeout_s,
            database=database,
            fileIds=open_files,
            limit=SKELETON_EDGE_LIMIT,
        )

        def end(symbol: str, file: str | None) -> str | None:
            if file not in files:
                return None
            if file in open_set:
                return symbol if symbol in visible_symbols else file
            return rep[file]

        for row in edge_rows:
            if row["type"] not in edge_types or row["confidence"] < min_confidence:
                continue
            a, b = end(row["src"], row["srcFile"]), end(row["dst"], row["dstFile"])
            if a is not None and b is not None and a != b:
                count((a, b, row["type"]), 1, row["confidence"])
                if row["evidence"]:
                    evidence[(a, b, row["type"])].add(row["evidence"])

    disambiguate_labels(list(nodes.values()))
    ordered = sorted(
        (n for n in nodes.values() if n.entity in entities),
        key=lambda n: (ENTITIES.index(n.entity), n.path or n.label, n.id),
    )
    truncated = len(ordered) > limit
    kept = {n.id for n in ordered[:limit]}
    edges = [
        ViewEdge(
            source=a,
            target=b,
            type=t,
            weight=w,
            confidence=surest[(a, b, t)],
            evidence=", ".join(sorted(evidence[(a, b, t)])) if (a, b, t) in evidence else None,
        )
        for (a, b, t), w in sorted(weights.items())
        if a in kept and b in kept
    ]
    budget = max(0, MAX_DRAWN_ELEMENTS - len(kept))
    if len(edges) > budget:  # the lightest aggregated edges go first; the view says it is truncated
        heaviest = set(sorted(range(len(edges)), key=lambda i: -edges[i].weight)[:budget])
        edges = [e for i, e in enumerate(edges) if i in heaviest]
        truncated = True
    return ViewGraph(
        project_id=project_id,
        grouping=grouping,
        fingerprint=skeleton.fingerprint,
        nodes=ordered[:limit],
        edges=edges,
        truncated=truncated,
        total_files=len(skeleton.files),
        total_symbols=sum(f.symbols for f in skeleton.files.values()),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


async def communities(
    driver: AsyncDriver, *, database: str | None = None, project_id: str, timeout_s: float = 10.0
) -> list[Community]:
    skeleton = await project_skeleton(driver, database=database, project_id=project_id, timeout_s=timeout_s)
    groups: dict[int | None, list[FileRow]] = defaultdict(list)
    for f in skeleton.files.values():
        groups[f.community_id].append(f)
    out = [
        Community(
            id=community_node_id(cid),
            community_id=cid,
            label=_community_label(group),
            file_count=len(group),
            symbol_count=sum(f.symbols for f in group),
        )
        for cid, group in groups.items()
    ]
    return sorted(out, key=lambda c: (-c.file_count, c.id))


async def compute_communities(
    driver: AsyncDriver, *, database: str | None = None, project_id: str, timeout_s: float = 300.0
) -> CommunityResult:
    """Louvain over the project's IMPORTS + CALLS graph in GDS; stores ``communityId``."""
    started = time.perf_counter()
    await project_fingerprint(
        driver, database=database, project_id=project_id
    )  # NotFound for an unknown project
    graph_name = f"vislzr-{project_id}-{uuid.uuid4().hex[:8]}"
    try:
        projected = await _write(
            driver,
            "views/project_graph_project",
            timeout_s,
            database=database,
            projectId=project_id,
            graphName=graph_name,
        )
        if not projected or projected[0]["nodeCount"] == 0:
            written = {"communityCount": 0, "modularity": 0.0, "nodePropertiesWritten": 0}
        else:
            written = (
                await _write(
                    driver, "views/louvain_write", timeout_s, database=database, graphName=graph_name
                )
            )[0]
    finally:
        await _write(driver, "views/graph_drop", timeout_s, database=database, graphName=graph_name)
    await _write(
        driver,
        "views/mark_communities",
        timeout_s,
        database=database,
        projectId=project_id,
        communityCount=written["communityCount"],
        modularity=written["modularity"],
    )
    return CommunityResult(
        project_id=project_id,
        community_count=written["communityCount"],
        modularity=float(written["modularity"]),
        nodes_written=written["nodePropertiesWritten"],
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def disambiguate_labels(nodes: list[ViewNode]) -> None:
    """Folders and files drawn side by side under the same name (two ``src/``, many ``index.ts``)
    are labelled with as many trailing path segments as tell them apart."""
    by_label: dict[str, list[ViewNode]] = defaultdict(list)
    for node in nodes:
        if node.entity in ("Folder", "File") and node.path:
            by_label[node.label].append(node)
    for same in by_label.values():
        if len(same) < 2:
            continue
        parts = [str(node.path).rstrip("/").split("/") for node in same]
        depth = 2
        while depth < max(map(len, parts)) and len({"/".join(p[-depth:]) for p in parts}) < len(parts):
            depth += 1
        for node, segments in zip(same, parts, strict=True):
            tail = "/".join(segments[-depth:])
            node.label = tail + "/" if node.entity == "Folder" else tail


async def has_communities(driver: AsyncDriver, *, database: str | None = None, project_id: str) -> bool:
    """Whether communities were computed for the project before (an ingest then keeps them current:
    new files would otherwise sit in "no community" until someone asks again)."""
    rows = await _read(driver, "views/project_has_communities", 10.0, database=database, projectId=project_id)
    return bool(rows and rows[0]["hasCommunities"])


_ENTITY_PRIORITY = ("Symbol", "File", "Project", "Repo", "Package", "ExternalModule", "Service", "Task")


async def node_detail(
    driver: AsyncDriver, *, database: str | None = None, node_id: str, timeout_s: float = 10.0
) -> NodeDetail:
    rows = await _read(
        driver, "views/node_detail", timeout_s, database=database, id=node_id, limit=DETAIL_EDGE_LIMIT
    )
    if not rows:
        raise NotFound(f"no node {node_id!r}")
    row = rows[0]
    labels = sorted(row["labels"])
    entity = next((label for label in _ENTITY_PRIORITY if label in labels), labels[0] if labels else "")

    def refs(items: list[dict[str, Any]]) -> list[EdgeRef]:
        return [
            EdgeRef(
                type=i["type"],
                id=i["id"],
                label=i["label"],
                entity=i["entity"],
                file_id=i.get("fileId"),
                confidence=i.get("confidence"),
                evidence=i.get("evidence"),
            )
            for i in items
        ]

    properties = plain_map(row["properties"])
    return NodeDetail(
        id=node_id,
        entity=entity,
        labels=labels,
        properties=properties,
        file_path=row["filePath"],
        outgoing=refs(row["outgoing"]),
        outgoing_count=row["outgoingCount"],
        incoming=refs(row["incoming"]),
        incoming_count=row["incomingCount"],
    )
