"""A cold load's concurrency (issue 13): symbols and edges in concurrent sessions, files and symbols
written while calls are resolved. The graph must be the one a one-session load writes, and a
failure in the background write must surface and converge on the next run like any other."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from graph_snapshot import make_repo, snapshot, write_repo
from neo4j import Driver

from ingest import writer as writer_module
from ingest.pipeline import ingest_repository


def test_concurrent_sessions_write_the_graph_one_session_writes(
    driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.find_spec("rich")
    assert spec is not None and spec.submodule_search_locations, "rich is a dependency of the hub"
    repo = make_repo(Path(next(iter(spec.submodule_search_locations))), tmp_path / "rich-conc" / "rich")
    monkeypatch.setattr(writer_module, "BATCH", 200)  # many batches in flight at once

    monkeypatch.setattr(writer_module, "SESSIONS", 1)
    one = ingest_repository(driver, path=repo.parent, project="conc-rich", history=0, full=True)
    sequential = snapshot(driver, one.repo_id)
    monkeypatch.setattr(writer_module, "SESSIONS", 2)
    two = ingest_repository(driver, path=repo.parent, project="conc-rich", history=0, full=True)

    assert two.symbols_written > 4 * 200 and sum(two.edges_written.values()) > 4 * 200
    assert two.edges_written == one.edges_written
    assert snapshot(driver, two.repo_id) == sequential


def test_a_failed_background_symbol_write_converges_on_the_next_run(
    driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_repo(tmp_path / "bg-fail", {
        "app/models.py": "class Base:\n    def save(self):\n        return 1\n",
        "app/views.py": "from app.models import Base\n\nclass Page(Base):\n    def show(self):\n"
                        "        return self.save()\n",
    })  # fmt: skip
    first = ingest_repository(driver, path=repo, project="bg-fail", history=0)
    (repo / "app/views.py").write_text(
        "from app.models import Base\n\ndef render():\n    return Base().save()\n"
    )

    def fail(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("Neo4j went away")

    monkeypatch.setattr(writer_module.GraphWriter, "create_symbols", fail)
    with pytest.raises(ConnectionError):  # raised in the writer thread, surfaces in the caller
        ingest_repository(driver, path=repo, project="bg-fail", history=0)
    monkeypatch.undo()
    resumed = ingest_repository(driver, path=repo, project="bg-fail", history=0)
    assert resumed.files_parsed == 1  # the interrupted file kept its old hash
    incremental = snapshot(driver, first.repo_id)
    ingest_repository(driver, path=repo, project="bg-fail", history=0, full=True)
    assert snapshot(driver, first.repo_id) == incremental
    assert any(sym[0] == ("Function", "Symbol") for sym in incremental["nodes"].values())
