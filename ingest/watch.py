"""Live ingest: ``hub graph watch`` keeps a repository parsed and resolved in memory
(:class:`ingest.resident.ResidentRepo`) and applies each batch of saved changes as a delta.

The watcher first runs an ordinary incremental ingest (so the graph matches the disk) and loads the
repository into memory; afterwards it reads only the files a batch of filesystem events names.
watchfiles' debounce coalesces a burst such as a ``git checkout`` into one batch. Each batch re-parses
its files, re-resolves only what they can affect and writes what differs by id, so the graph
afterwards equals a ``--full`` rebuild.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import watchfiles
from neo4j import Driver

from ingest import ids
from ingest.discovery import SKIPPED_DIRS, SourceFile, discover
from ingest.parse_cache import ParseCache
from ingest.pipeline import IngestSummary, ingest_repository
from ingest.resident import ResidentRepo

# watchfiles yields a batch once no new event came for STEP_MS (a save: one event), or after
# DEBOUNCE_MS of continuous events (a checkout: hundreds, coalesced into one batch)
DEBOUNCE_MS = 1000
STEP_MS = 30


class RepoWatcher:
    """Watches one repo of one project: a :class:`ResidentRepo` plus the mapping of filesystem
    events to repo-relative paths."""

    def __init__(self, driver: Driver, *, path: Path, project: str, database: str = "neo4j",
                 cache_dir: Path | None = None, hub_id: str = "local") -> None:  # fmt: skip
        self.driver = driver
        self.root = Path(path).expanduser().resolve()
        self.project = project
        self.database = database
        self.hub_id = hub_id
        self.repo_id = ids.repo_id(project, str(self.root))
        self.resident = ResidentRepo(driver, root=self.root, project=project, repo_id=self.repo_id,
                                     database=database, cache=ParseCache(cache_dir))  # fmt: skip

    @property
    def current(self) -> dict[str, SourceFile]:
        return self.resident.current

    def sync(self) -> IngestSummary:
        """Bring the graph up to date with the disk (an ordinary incremental ingest), then load the
        repository into memory: every file read once, parses from the cache the ingest filled."""
        summary = ingest_repository(self.driver, path=self.root, project=self.project, history=0,
                                    cache_dir=self.resident.cache.folder, database=self.database,
                                    hub_id=self.hub_id)  # fmt: skip
        self.resident.load()
        return summary

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
        """Apply one batch of changed paths as a delta; ``None`` when nothing in it changes the
        graph (a save with equal content)."""
        return self.resident.apply(paths)


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
