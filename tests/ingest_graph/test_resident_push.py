"""The push-ingest path keeps the repositories it ingested in memory: a push of a few files after a
first ingest is applied as a delta (``summary["delta"]``, only the affected files re-resolved) and
leaves the graph equal to a ``--full`` rebuild; a graph changed behind its back is not trusted."""

from __future__ import annotations

from pathlib import Path

from graph_snapshot import git, snapshot, write_repo
from neo4j import Driver

from app.config import Settings
from app.graph.jobs import ingest_sync
from ingest.pipeline import ingest_repository
from ingest.resident_cache import ResidentRepos

PROJECT = "resident-push"
SOURCES = {
    "pkg/__init__.py": "",
    "pkg/core.py": "def helper(x):\n    return x + 1\n\nclass Base:\n    def run(self):\n        return 1\n",
    "pkg/uses.py": (
        "from pkg.core import helper, Base\n\nclass Child(Base):\n    def go(self):\n"
        "        return self.run() + helper(2)\n"
    ),
    "pkg/other.py": "def alone():\n    return 3\n",
    "pkg/more.py": "from pkg.other import alone\n\ndef twice():\n    return alone() * 2\n",
}


def make(root: Path) -> Path:
    return write_repo(root, SOURCES)


def push(settings: Settings, residents: ResidentRepos, root: Path, files: list[str]) -> dict:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"change {files}")
    # no driver: each push opens and closes its own, as the worker's jobs do
    return ingest_sync(settings, repo_path=str(root), project=PROJECT, files=files, residents=residents)


def test_a_push_after_a_first_ingest_is_a_delta(settings: Settings, driver: Driver, tmp_path: Path) -> None:
    root = make(tmp_path / "repo")
    residents = ResidentRepos(max_lines=10_000)
    first = ingest_sync(settings, repo_path=str(root), project=PROJECT, driver=driver, residents=residents)
    assert not first["delta"] and first["files_parsed"] == len(SOURCES)
    assert list(residents.repos) == [first["repo_id"]]

    # a method the subclass calls is renamed, a function gains a caller: a delta over the affected files
    (root / "pkg" / "core.py").write_text(
        "def helper(x):\n    return x + 1\n\nclass Base:\n    def start(self):\n        return helper(1)\n"
    )
    second = push(settings, residents, root, ["pkg/core.py"])
    assert second["delta"] and second["changed_paths"] == ["pkg/core.py"]
    assert second["files_resolved"] == 2  # core.py and uses.py (which reads it), not other/more
    assert second["commits_added"] == 1
    live = snapshot(driver, second["repo_id"])
    assert not any(e[0] == "CALLS" and e[2].endswith("run") for e in live["edges"])

    # a deletion and an addition in one push
    (root / "pkg" / "other.py").unlink()
    (root / "pkg" / "extra.py").write_text("from pkg.core import Base\n\nclass Extra(Base):\n    pass\n")
    third = push(settings, residents, root, ["pkg/other.py", "pkg/extra.py"])
    assert third["delta"] and third["files_deleted"] == 1 and third["files_parsed"] == 1
    live = snapshot(driver, third["repo_id"])
    ingest_repository(driver, path=root, project=PROJECT, full=True)  # with history, as the pushes
    rebuilt = snapshot(driver, third["repo_id"])
    assert live["nodes"] == rebuilt["nodes"]
    assert live["edges"] == rebuilt["edges"]

    # the full rebuild above wrote the graph behind the resident's back (the same hashes, so it
    # is still trusted); a graph whose file table differs is not: the pipeline runs instead
    driver.execute_query("MATCH (f:File {repoId: $r, path: 'pkg/more.py'}) SET f.edgesHash = 'stale'",
                         r=third["repo_id"])  # fmt: skip
    (root / "pkg" / "more.py").write_text("def twice():\n    return 4\n")
    fourth = push(settings, residents, root, ["pkg/more.py"])
    assert not fourth["delta"] and fourth["files_parsed"] == 1
    fifth_text = "def twice():\n    return 5\n"
    (root / "pkg" / "more.py").write_text(fifth_text)
    fifth = push(settings, residents, root, ["pkg/more.py"])
    assert fifth["delta"]


def test_the_resident_table_is_bounded_by_lines(settings: Settings, driver: Driver, tmp_path: Path) -> None:
    residents = ResidentRepos(max_lines=25)  # each repo holds ~20 lines: one fits, not two
    first = ingest_sync(settings, repo_path=str(make(tmp_path / "a")), project="resident-a", driver=driver,
                        residents=residents)  # fmt: skip
    second = ingest_sync(settings, repo_path=str(make(tmp_path / "b")), project="resident-b", driver=driver,
                         residents=residents)  # fmt: skip
    assert list(residents.repos) == [second["repo_id"]]
    assert first["repo_id"] not in residents.repos
    assert sum(residents.lines.values()) <= 25
