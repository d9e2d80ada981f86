"""Neo4j killed in the middle of an ingest: a clear error, and the next run converges."""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

import pytest
from graph_snapshot import snapshot
from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError

from app.config import Settings
from app.core.db import create_driver
from app.runtime import manager
from app.runtime.neo4j import LocalNeo4j
from ingest.pipeline import ingest_repository


def test_kill_during_writes_then_rerun_converges(settings: Settings, driver: Driver, tmp_path: Path) -> None:
    spec = importlib.util.find_spec("rich")
    assert spec is not None and spec.submodule_search_locations
    root = tmp_path / "crash"
    shutil.copytree(Path(next(iter(spec.submodule_search_locations))), root / "rich")
    neo4j = LocalNeo4j(settings)

    def kill_when_writing(phase: str, done: int, total: int) -> None:
        if phase == "resolve" and done == 1:  # parsed and resolved; the writes come next
            neo4j.process.kill()

    crash_driver = create_driver(settings, retry_seconds=1)
    started = time.monotonic()
    try:
        with pytest.raises((DriverError, Neo4jError, OSError)):
            ingest_repository(crash_driver, path=root, project="crash", history=0, progress=kill_when_writing)
    finally:
        crash_driver.close()
    assert time.monotonic() - started < 60  # it fails, it does not hang
    manager.up(settings)  # restart after the crash (Neo4j recovers its transaction log)

    fresh = create_driver(settings)
    try:
        resumed = ingest_repository(fresh, path=root, project="crash", history=0)
        assert resumed.files_parsed > 0
        after_resume = snapshot(fresh, resumed.repo_id)
        ingest_repository(fresh, path=root, project="crash", history=0, full=True)
        assert snapshot(fresh, resumed.repo_id) == after_resume
    finally:
        fresh.close()
