"""A repository kept parsed and resolved in memory, so that a change is written as a delta.

The batch pipeline re-reads every file, the graph's file table and the parse cache, re-resolves the
whole repository and rewrites every changed file's subgraph (its symbols deleted and re-created,
which drops and re-creates every caller's edges). A :class:`ResidentRepo` does that once
(:meth:`ResidentRepo.load`) and afterwards, for the paths a change names:

1. re-reads and re-parses only those files;
2. re-resolves in memory only what can differ: imports and members of those files, heritage and
   calls of the files whose recorded reads touch what changed
   (:meth:`ingest.resolve.Resolver.run_after_change`);
3. diffs the result against the previous one by deterministic id: symbols gone are deleted by id,
   changed ones updated in place (their edges stay), new ones created; edges are diffed per file by
   (type, source, target) — created, updated or deleted, nothing else touched;
4. writes the delta in one transaction, the files' ``hash``/``edgesHash`` last, exactly as a
   ``--full`` rebuild would leave them.

``hub graph watch`` (:mod:`ingest.watch`) and the push-ingest worker (:mod:`ingest.resident_cache`)
both use it.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

from neo4j import Driver

from ingest import ids
from ingest.discovery import SourceFile, discover
from ingest.model import Edge, ParsedFile, Resolution
from ingest.parse_cache import ParseCache
from ingest.parsing import parse_source
from ingest.pipeline import SYMBOL_EDGE_TYPES, IngestSummary, fingerprint, symbol_rows_of
from ingest.repo_context import build_repo_context
from ingest.resolve import Resolver, ResolverState
from ingest.writer import GraphWriter


class ResidentRepo:
    """The parsed and resolved repository and the graph's file table, for one repo of one project.
    Valid only while nobody else writes the repo's subgraph: :meth:`matches_graph` checks that."""

    def __init__(self, driver: Driver, *, root: Path, project: str, repo_id: str, database: str = "neo4j",
                 cache: ParseCache | None = None) -> None:  # fmt: skip
        self.driver = driver
        self.root = root
        self.project = project
        self.project_id = ids.project_id(project)
        self.repo_id = repo_id
        self.database = database
        self.cache = cache or ParseCache(None)
        self.current: dict[str, SourceFile] = {}
        self.parsed: dict[str, ParsedFile] = {}
        self.stored: dict[str, dict[str, Any]] = {}
        self.resolution: Resolution | None = None
        self.state: ResolverState | None = None
        self.deltas_applied = 0  # how many changes went through the delta path (observable)

    def load(self) -> None:
        """Read the repository into memory after an ingest made the graph match the disk: every file
        read once, parses from the cache the ingest filled, one full resolution with reads recorded."""
        self.current = {source.path: source for source in discover(self.root).files}
        self.stored = GraphWriter(self.driver, database=self.database).file_state(self.repo_id)
        self.parsed = {}
        for path, source in self.current.items():
            self.parsed[path] = self.cache.get(path, source.sha256) or self._parse(source)
        self.resolution, self.state, _ = self._resolve(set(self.parsed))

    @property
    def lines(self) -> int:
        """Lines of code held: what the worker's cache of resident repos is bounded by."""
        return sum(pf.loc for pf in self.parsed.values())

    def matches_graph(self) -> bool:
        """Whether the graph's file table is the one held here (nobody else ingested meanwhile)."""
        graph = GraphWriter(self.driver, database=self.database).file_state(self.repo_id)
        keys = ("id", "hash", "edgesHash")
        return graph.keys() == self.stored.keys() and all(
            all(graph[p].get(k) == self.stored[p].get(k) for k in keys) for p in graph
        )

    def _parse(self, source: SourceFile) -> ParsedFile:
        parsed = parse_source(source.path, source.lang, source.content)
        self.cache.put(source.path, source.sha256, parsed)
        return parsed

    def _resolve(self, changed: set[str]) -> tuple[Resolution, ResolverState, int]:
        context = build_repo_context(self.root, [*self.parsed.keys()])
        was_enabled = gc.isenabled()
        gc.disable()  # millions of small acyclic objects (see ingest.pipeline._no_gc)
        try:
            resolver = Resolver(self.repo_id, context, self.parsed, track=True)
            return resolver.run_after_change(self.state, changed)
        finally:
            if was_enabled:
                gc.enable()

    def apply(self, paths: set[str] | None) -> IngestSummary | None:
        """Apply a change to ``paths`` (repo-relative; ``None``: look at every file). ``None`` when
        nothing in it changes the graph (a save with equal content)."""
        started = time.perf_counter()
        summary = IngestSummary(project=self.project, project_id=self.project_id, repo_id=self.repo_id)
        fresh = {source.path: source for source in discover(self.root, only=paths).files}
        named = set(self.current) | set(self.stored) if paths is None else paths
        changed = sorted(p for p, s in fresh.items() if self.stored.get(p, {}).get("hash") != s.sha256)
        deleted = sorted(p for p in named if p not in fresh and (p in self.current or p in self.stored))
        if not changed and not deleted:
            return None
        clock = summary.lap("discover", started)
        before = {p: self.parsed.get(p) for p in [*changed, *deleted]}
        for path in changed:
            self.current[path] = fresh[path]
            self.parsed[path] = self._parse(fresh[path])
        for path in deleted:
            self.current.pop(path, None)
            self.parsed.pop(path, None)
        clock = summary.lap("parse", clock)
        previous = self.resolution
        resolution, state, resolved = self._resolve(set(changed))
        summary.unresolved_calls = resolution.unresolved_calls
        summary.unresolved_imports = resolution.unresolved_imports
        summary.files_resolved = resolved
        clock = summary.lap("resolve", clock)

        writer = GraphWriter(self.driver, database=self.database)
        with writer.transaction():
            marks = self._write_delta(writer, previous, resolution, before=before, changed=changed,
                                      deleted=[p for p in deleted if p in self.stored])  # fmt: skip
        summary.lap("write", clock)
        self.resolution, self.state = resolution, state
        for path in deleted:
            self.stored.pop(path, None)
        self.stored.update(marks)
        self.deltas_applied += 1
        summary.delta = True
        summary.files_seen = len(self.current)
        summary.files_parsed = len(changed)
        summary.files_deleted = len(deleted)
        summary.files_unchanged = len(self.current) - len(changed)
        summary.files_edges_refreshed = len(set(marks) - set(changed))
        summary.changed_paths = changed + deleted
        summary.parse_errors = sum(self.parsed[p].parse_errors for p in changed)
        summary.edges_written = dict(sorted(writer.written_edges().items()))
        summary.symbols_written = writer.written["symbols"]
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _write_delta(
        self,
        writer: GraphWriter,
        previous: Resolution | None,
        resolution: Resolution,
        *,
        before: dict[str, ParsedFile | None],
        changed: list[str],
        deleted: list[str],
    ) -> dict[str, dict[str, Any]]:
        """Queue the writes that turn the previous resolution's graph into this one's; returns the
        ``File`` rows (hash, edgesHash) now held for the files marked."""
        repo_id = self.repo_id
        writer.delete_files([self.stored[p]["id"] for p in deleted])
        writer.upsert_files(repo_id, [
            {"id": ids.file_id(repo_id, p), "path": p, "lang": self.parsed[p].lang,
             "size": self.current[p].size, "loc": self.parsed[p].loc,
             "parseErrors": self.parsed[p].parse_errors}
            for p in changed
        ])  # fmt: skip
        gone, create, update = [], [], []
        for path in changed:
            old_parse = before.get(path)
            old = {r["props"]["id"]: r for r in symbol_rows_of(repo_id, old_parse)} if old_parse else {}
            new = {r["props"]["id"]: r for r in symbol_rows_of(repo_id, self.parsed[path])}
            gone.extend(sid for sid in old if sid not in new)
            create.extend(row for sid, row in new.items() if sid not in old)
            update.extend(
                {**row, "drop": sorted(set(old[sid]["labels"]) - set(row["labels"]))}
                for sid, row in new.items()
                if sid in old and (old[sid]["props"] != row["props"] or old[sid]["labels"] != row["labels"])
            )  # fmt: skip
        writer.delete_symbols(gone)
        writer.create_symbols(create)
        writer.update_symbols(update)

        old_edges = previous.edges_by_file if previous is not None else {}
        if previous is None or previous.packages != resolution.packages:
            writer.merge_packages(repo_id, [
                {"id": ids.package_id(d.ecosystem, d.name), "ecosystem": d.ecosystem, "name": d.name,
                 "version": d.version, "manifest": d.manifest}
                for d in resolution.packages
            ])  # fmt: skip
        if previous is None or previous.external_modules != resolution.external_modules:
            writer.merge_modules([{"id": k, "name": v} for k, v in resolution.external_modules.items()])
        file_ids = {ids.file_id(repo_id, p) for p in self.parsed}
        package_ids = {ids.package_id(d.ecosystem, d.name) for d in resolution.packages}
        removed: dict[str, list[dict[str, Any]]] = {"symbol": [], "imports": []}
        added: dict[str, list[dict[str, Any]]] = {"symbol": [], "file": [], "package": [], "module": []}
        updated: list[dict[str, Any]] = []
        edges_changed: list[str] = []
        deleted_set = set(deleted)
        for path in sorted(set(old_edges) | set(resolution.edges_by_file)):
            before_list, after_list = old_edges.get(path, []), resolution.edges_by_file.get(path, [])
            if path in deleted_set or before_list is after_list:
                continue  # reused unchanged by the resolver (the common case: nothing to compare)
            if before_list == after_list:
                continue
            edges_changed.append(path)
            old_map = {(e.type, e.src, e.dst): e for e in before_list}
            new_map = {(e.type, e.src, e.dst): e for e in after_list}
            for key, edge in old_map.items():
                if key not in new_map:
                    removed["imports" if edge.type == "IMPORTS" else "symbol"].append(_row(edge))
            for key, edge in new_map.items():
                was = old_map.get(key)
                if was is None:
                    if edge.type == "IMPORTS":
                        kind = ("file" if edge.dst in file_ids else "package" if edge.dst in package_ids
                                else "module")  # fmt: skip
                        added[kind].append(_row(edge))
                    elif edge.type in SYMBOL_EDGE_TYPES:
                        added["symbol"].append(_row(edge))
                    writer.edge_counts[edge.type] += 1
                elif (was.confidence, was.evidence) != (edge.confidence, edge.evidence):
                    updated.append(_row(edge))
        for kind, rows in removed.items():
            writer.delete_edges(kind, rows)
        writer.update_edges(updated)
        for kind, rows in added.items():
            writer.create_edges(kind, rows, counter=f"edges:{kind}")

        marks = {}
        for path in sorted(set(changed) | set(edges_changed)):
            if path not in self.parsed:
                continue
            sha = self.current[path].sha256 if path in changed else self.stored[path]["hash"]
            marks[path] = {"id": ids.file_id(repo_id, path), "hash": sha,
                           "edgesHash": fingerprint(resolution.edges_by_file.get(path, []))}  # fmt: skip
        writer.mark_files(list(marks.values()))
        return {path: {**mark, "path": path} for path, mark in marks.items()}


def _row(edge: Edge) -> dict[str, Any]:
    return {"src": edge.src, "dst": edge.dst, "type": edge.type, "confidence": edge.confidence,
            "evidence": edge.evidence or None}  # fmt: skip
