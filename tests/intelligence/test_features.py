"""Risk features: GDS centralities and churn written back onto File nodes; the Cypher history
features equal the git-log ones used by the back-test; nothing after the moment T is read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from history_repo_factory import HistoryRepo, make_history_repo
from neo4j import AsyncDriver, Driver

from app.intelligence import service
from app.intelligence.backtest import history_features_from_log
from app.intelligence.models import HISTORY_FEATURES
from ingest import ids
from ingest.history import read_commits

DAY = 86_400


async def test_features_are_written_back(
    async_driver: AsyncDriver, driver: Driver, risk_project: str, history_repo: HistoryRepo
) -> None:
    rows, refresh = await service.refresh_file_features(async_driver, project_id=risk_project)
    by_path = {row["path"]: row for row in rows}
    assert refresh.files == len(rows) == 41  # 40 modules + __init__; the test file is left out
    assert "tests/test_m00.py" not in by_path
    # The import chain m39 -> m38 -> ... -> m00: m00 is depended on by m01 and the test file.
    assert by_path["pkg/m00.py"]["inDegree"] == 2
    assert by_path["pkg/m00.py"]["outDegree"] == 0
    assert by_path["pkg/m05.py"]["outDegree"] == 1  # imports and calls m04: one file edge
    assert by_path["pkg/m00.py"]["pageRank"] > by_path["pkg/m39.py"]["pageRank"]
    assert by_path["pkg/m20.py"]["betweenness"] > by_path["pkg/m39.py"]["betweenness"] == 0
    assert by_path["pkg/m00.py"]["testEdges"] >= 1
    assert by_path["pkg/__init__.py"]["communitySize"] == 1  # isolated
    records, _, _ = driver.execute_query(
        "MATCH (f:File {path: 'pkg/m05.py'})<-[:CONTAINS]-(:Repo)<-[:HAS_REPO]-(:Project {id: $p}) "
        "RETURN f.riskOutDegree AS out, f.riskCommits365 AS c365, f.riskFeaturesAt IS NOT NULL AS stamped",
        p=risk_project,
    )
    assert records[0]["out"] == 1 and records[0]["stamped"]
    assert records[0]["c365"] == by_path["pkg/m05.py"]["commits365"]
    stored = await service.stored_features(async_driver, project_id=risk_project)
    assert {r["path"]: r for r in stored} == by_path


@pytest.mark.parametrize("days_before_end", [40, 200, 500])
async def test_cypher_history_features_equal_git_log_ones(
    async_driver: AsyncDriver, risk_project: str, history_repo: HistoryRepo, days_before_end: int
) -> None:
    as_of = history_repo.last - days_before_end * DAY + 1234
    structure = await service.file_structure(async_driver, project_id=risk_project)
    cypher_rows = await service.history_features(
        async_driver, file_ids=[r["fileId"] for r in structure], as_of=as_of
    )
    path_of = {r["fileId"]: r["path"] for r in structure}
    _, commits = read_commits(history_repo.root, since_sha=None, limit=None)
    from_log = history_features_from_log(commits, paths=list(path_of.values()), as_of=as_of)
    history_names = HISTORY_FEATURES
    for row in cypher_rows:
        expected = from_log[path_of[row["fileId"]]]
        for name in history_names:
            assert row[name] == pytest.approx(expected[name]), (path_of[row["fileId"]], name)
    # An oracle outside both: git itself counts a hot file's commits in the 90 days before T.
    hot = sorted(history_repo.hot)[0]
    counted = subprocess.run(
        [
            "git",
            "-C",
            str(history_repo.root),
            "rev-list",
            "--count",
            f"--since=@{as_of - 90 * DAY}",
            f"--until=@{as_of}",
            "HEAD",
            "--",
            hot,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert from_log[hot]["commits90"] == int(counted)


def test_git_log_features_ignore_the_future(history_repo: HistoryRepo) -> None:
    _, commits = read_commits(history_repo.root, since_sha=None, limit=None)
    hot = sorted(history_repo.hot)
    as_of = history_repo.last - 300 * DAY
    past_only = [c for c in commits if c.time < as_of]
    assert len(past_only) < len(commits)
    assert history_features_from_log(commits, paths=hot, as_of=as_of) == history_features_from_log(
        past_only, paths=hot, as_of=as_of
    )


async def test_an_ingest_refreshes_features_the_project_has(
    async_driver: AsyncDriver, driver: Driver, tmp_path: Path
) -> None:
    """Through the real `hub graph ingest` (a subprocess: it runs with numpy blocked)."""
    repo = make_history_repo(tmp_path / "cli", modules=6, hot=3, days=200, seed=5)
    hub = [
        sys.executable,
        "-m",
        "app.cli",
        "graph",
        "ingest",
        str(repo.root),
        "--project",
        "risk-cli",
        "--json",
    ]
    subprocess.run(hub, check=True, capture_output=True, timeout=600)
    project_id = ids.project_id("risk-cli")
    before = {
        r["path"]: r for r in (await service.refresh_file_features(async_driver, project_id=project_id))[0]
    }
    with (repo.root / "pkg" / "m02.py").open("a") as handle:
        handle.write("\nLATE = 1\n")
    git = ["git", "-C", str(repo.root), "-c", "user.email=e@x", "-c", "user.name=e"]
    subprocess.run([*git, "commit", "-qam", "Fix late bug"], check=True)
    done = subprocess.run(hub, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    after = {r["path"]: r for r in await service.stored_features(async_driver, project_id=project_id)}
    told = done.stdout + done.stderr  # the ingest summary says whether it refreshed the features
    assert after["pkg/m02.py"]["commits30"] == before["pkg/m02.py"]["commits30"] + 1, told
    assert after["pkg/m02.py"]["fixes"] == before["pkg/m02.py"]["fixes"] + 1
    assert after["pkg/m03.py"]["commits"] == before["pkg/m03.py"]["commits"]
