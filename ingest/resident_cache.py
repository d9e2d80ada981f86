"""The push-ingest worker's resident repositories: a push of a few files applied as a delta.

The worker keeps the repositories it ingested in memory (:class:`ingest.resident.ResidentRepo`),
least recently used first out, bounded by the lines of code held (parsed files and their
resolution take memory in proportion to it). A push to a repository held, whose graph nobody else
changed meanwhile (``File.hash``/``edgesHash`` as held), is applied as a delta; otherwise the
pipeline ingests it and the result is loaded for the next push.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

from neo4j import Driver

from app.core.errors import InvalidInput
from ingest import ids
from ingest.history import HistoryUnavailable, ingest_history
from ingest.parse_cache import ParseCache
from ingest.pipeline import IngestSummary, changed_since, ingest_repository, record_repo
from ingest.resident import ResidentRepo
from ingest.writer import GraphWriter

DEFAULT_MAX_LINES = 1_000_000  # the default of HUB_INGEST_RESIDENT_LINES


class ResidentRepos:
    """Resident repositories by repo id, LRU, at most ``max_lines`` lines of code held in all."""

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self.max_lines = max_lines
        self.repos: OrderedDict[str, ResidentRepo] = OrderedDict()
        self.lines: dict[str, int] = {}
        self.guard = threading.Lock()  # the table itself
        self.locks: dict[str, threading.Lock] = {}  # one ingest at a time per repo

    def lock(self, repo_id: str) -> threading.Lock:
        with self.guard:
            return self.locks.setdefault(repo_id, threading.Lock())

    def take(self, repo_id: str) -> ResidentRepo | None:
        with self.guard:
            resident = self.repos.pop(repo_id, None)
            self.lines.pop(repo_id, None)
            return resident

    def keep(self, resident: ResidentRepo) -> None:
        lines = resident.lines
        if lines > self.max_lines:
            return  # bigger than the whole budget: the pipeline ingests it every time
        with self.guard:
            self.repos[resident.repo_id] = resident
            self.lines[resident.repo_id] = lines
            while sum(self.lines.values()) > self.max_lines:
                oldest, _ = self.repos.popitem(last=False)
                self.lines.pop(oldest, None)


def ingest_resident(
    driver: Driver,
    residents: ResidentRepos,
    *,
    path: Path,
    project: str,
    repo_url: str | None = None,
    since: str | None = None,
    paths: Iterable[str] | None = None,
    cache_dir: Path | None = None,
    database: str = "neo4j",
    hub_id: str = "local",
) -> IngestSummary:
    """An incremental ingest of ``path`` (as :func:`ingest.pipeline.ingest_repository`, with git
    history), through the resident repository when there is a valid one."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise InvalidInput(f"{root} is not a directory")
    root = root.resolve()
    repo_id = ids.repo_id(project, repo_url or str(root))
    with residents.lock(repo_id):
        resident = residents.take(repo_id)
        if resident is not None:
            resident.driver = driver  # each job may bring its own driver (the last one is closed)
        if resident is not None and resident.root == root and resident.matches_graph():
            only = changed_since(root, since) if since else None
            if paths is not None:
                only = (only or set()) | {p.strip("/") for p in paths}
            summary = _apply(resident, only, driver=driver, project=project, repo_url=repo_url,
                             database=database, hub_id=hub_id)  # fmt: skip
        else:
            summary = ingest_repository(driver, path=root, project=project, repo_url=repo_url, since=since,
                                        paths=paths, cache_dir=cache_dir, database=database,
                                        hub_id=hub_id)  # fmt: skip
            resident = ResidentRepo(driver, root=root, project=project, repo_id=repo_id, database=database,
                                    cache=ParseCache(cache_dir))  # fmt: skip
            resident.load()
        residents.keep(resident)
    return summary


def _apply(
    resident: ResidentRepo,
    only: set[str] | None,
    *,
    driver: Driver,
    project: str,
    repo_url: str | None,
    database: str,
    hub_id: str,
) -> IngestSummary:
    writer = GraphWriter(driver, database=database)
    record_repo(writer, root=resident.root, project=project, repo_id=resident.repo_id, url=repo_url,
                hub_id=hub_id)  # fmt: skip
    summary = resident.apply(only) or IngestSummary(
        project=project, project_id=resident.project_id, repo_id=resident.repo_id, delta=True,
        files_seen=len(resident.current), files_unchanged=len(resident.current),
    )  # fmt: skip
    try:
        summary.commits_added = ingest_history(driver, root=resident.root, repo_id=resident.repo_id,
                                               limit=None, database=database)  # fmt: skip
    except HistoryUnavailable as error:
        summary.warnings.append(f"git history not read: {error}")
    summary.totals = writer.totals(resident.repo_id)
    return summary
