"""Live ingest: a repository kept parsed and resolved in memory, each saved change applied as a delta.

``hub graph watch`` runs :func:`watch`. The batch pipeline re-reads every file, the graph's file
table and the parse cache on each run; the watcher does that once (after an ordinary incremental
ingest that makes the graph match the disk) and afterwards only reads the files a batch of
filesystem events names. Each batch (watchfiles' debounce coalesces a burst such as a ``git
checkout`` into one) is parsed in-process, the whole repository is re-resolved once in memory
(resolution is global: a renamed function changes edges in files that were not touched), and only
what differs is written, through the same step as the pipeline (:func:`ingest.pipeline.write_resolved`),
so the graph afterwards equals a ``--full`` rebuild.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import watchfiles
from neo4j import Driver

from ingest import ids
from ingest.discovery import SKIPPED_DIRS, SourceFile, discover
from ingest.model import ParsedFile
from ingest.parse_cache import ParseCache
from ingest.parsing import parse_source
from ingest.pipeline import IngestSummary, ingest_repository, write_resolved
from ingest.writer import GraphWriter

# watchfiles yields a batch once no new event came for STEP_MS (a save: one event), or after
# DEBOUNCE_MS of continuous events (a checkout: hundreds, coalesced into one batch)
DEBOUNCE_MS = 1000
STEP_MS = 30


class RepoWatcher:
    """The parsed repository and the graph's file table, in memory, for one repo of one project."""

    def __init__(self, driver: Driver, *, path: Path, project: str, database: str = "neo4j",
                 cache_dir: Path | None = None, hub_id: str = "local") -> None:  # fmt: skip
        self.driver = driver
        self.root = Path(path).expanduser().resolve()
        self.project = project
        self.database = database
        self.cache = ParseCache(cache_dir)
        self.hub_id = hub_id
        self.repo_id = ids.repo_id(project, str(self.root))
        self.project_id = ids.project_id(project)
        self.current: dict[str, SourceFile] = {}
        self.parsed: dict[str, ParsedFile] = {}
        self.stored: dict[str, dict[str, Any]] = {}

    def sync(self) -> IngestSummary:
        """Bring the graph up to date with the disk (an ordinary incremental ingest), then load the
        repository into memory: every file read once, parses from the cache the ingest filled."""
        summary = ingest_repository(self.driver, path=self.root, project=self.project, history=0,
                                    cache_dir=self.cache.folder, database=self.database,
                                    hub_id=self.hub_id)  # fmt: skip
        self.current = {source.path: source for source in discover(self.root).files}
        self.stored = GraphWriter(self.driver, database=self.database).file_state(self.repo_id)
        for path, source in self.current.items():
            self.parsed[path] = self.cache.get(path, source.sha256) or self._parse(source)
        return summary

    def _parse(self, source: SourceFile) -> ParsedFile:
        parsed = parse_source(source.path, source.lang, source.content)
        self.cache.put(source.path, source.sha256, parsed)
        return parsed

    def relative(self, changes: Iterable[str]) -> set[str]:
        """Repo-relative paths of changed filesystem paths: a directory stands for every file the
        repository knows under it and every file now in it."""
        out: set[str] = set()
        for raw in changes:
            try:
                rel = Path(raw).resolve().relative_to(self.root).as_posix()
            except (ValueError, OSError):
                continue
            if rel == "." or any(part in SKIPPED_DIRS for part in rel.split("/")):
                continue
            out.add(rel)
            prefix = rel + "/"
            out.update(p for p in self.current if p.startswith(prefix))
            folder = self.root / rel
            if folder.is_dir() and not folder.is_symlink():
                out.update(prefix + f.path for f in discover(folder).files)
        return out

    def apply(self, paths: set[str]) -> IngestSummary | None:
        """Apply one batch of changed paths: re-read them, parse what changed, re-resolve once, write
        the delta. ``None`` when nothing in the batch changes the graph (a save with equal content)."""
        started = time.perf_counter()
        summary = IngestSummary(project=self.project, project_id=self.project_id, repo_id=self.repo_id)
        fresh = {source.path: source for source in discover(self.root, only=paths).files}
        changed = sorted(p for p, s in fresh.items() if self.stored.get(p, {}).get("hash") != s.sha256)
        deleted = sorted(p for p in paths if p not in fresh and (p in self.current or p in self.stored))
        if not changed and not deleted:
            return None
        for path in changed:
            self.current[path] = fresh[path]
            self.parsed[path] = self._parse(fresh[path])
        for path in deleted:
            self.current.pop(path, None)
            self.parsed.pop(path, None)
        writer = GraphWriter(self.driver, database=self.database)
        written = write_resolved(writer, summary, root=self.root, repo_id=self.repo_id, parsed=self.parsed,
                                 current=self.current, stored=self.stored, changed=changed,
                                 deleted=[p for p in deleted if p in self.stored])  # fmt: skip
        for path in deleted:
            self.stored.pop(path, None)
        self.stored.update(written)
        summary.files_seen = len(self.current)
        summary.files_parsed = len(changed)
        summary.files_deleted = len(deleted)
        summary.files_unchanged = len(self.current) - len(changed)
        summary.changed_paths = changed + deleted
        summary.parse_errors = sum(self.parsed[p].parse_errors for p in changed)
        summary.edges_written = dict(sorted(writer.written_edges().items()))
        summary.symbols_written = writer.written["symbols"]
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary


async def watch(
    watcher: RepoWatcher,
    on_update: Callable[[IngestSummary], Awaitable[None]],
    *,
    stop_event: asyncio.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> None:
    """Apply every batch of saved changes under the watcher's root until ``stop_event`` is set.
    ``on_update`` runs after each batch that changed the graph (the CLI announces graph.updated)."""
    async for changes in watchfiles.awatch(watcher.root, debounce=debounce_ms, step=STEP_MS,
                                           stop_event=stop_event, ignore_permission_denied=True):  # fmt: skip
        paths = watcher.relative(path for _change, path in changes)
        if not paths:
            continue
        summary = await asyncio.to_thread(watcher.apply, paths)
        if summary is not None:
            await on_update(summary)
