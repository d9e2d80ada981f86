"""The back-test on a generated repository: rolling origins, models trained on the past only,
baselines in the same run, throw-away projects removed, nothing of the future in the features."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from history_repo_factory import HistoryRepo, make_history_repo
from neo4j import AsyncDriver, Driver

from app.config import Settings
from app.core.errors import InvalidInput
from app.intelligence.backtest import labels_from_log, run_backtest, structure_at
from app.intelligence.learning import CANDIDATES
from ingest.history import read_commits

DAY = 86_400


async def test_backtest_finds_the_planted_signal(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, history_repo: HistoryRepo
) -> None:
    report = await run_backtest(async_driver, driver, repo_path=history_repo.root, horizon_days=90,
                                evaluate=3, warmup=2, database=settings.neo4j_database)  # fmt: skip
    assert len(report.origins) == 3
    assert [o.origin for o in report.origins] == sorted(o.origin for o in report.origins)
    for origin in report.origins:
        assert origin.files == 41 and 0 < origin.positives < 41
        assert origin.chosen in CANDIDATES
        assert origin.bugspots["rocAuc"] is not None and origin.churn["rocAuc"] is not None
        assert 0.0 <= origin.model["recallAt20Loc"] <= 1.0
    summary = report.summary()
    assert summary["model"]["rocAuc"] > 0.75
    assert json.loads(json.dumps(report.as_dict()))["summary"] == summary
    leftovers, _, _ = driver.execute_query(
        "MATCH (p:Project) WHERE p.name STARTS WITH 'backtest-' RETURN count(p) AS n"
    )
    assert leftovers[0]["n"] == 0


async def test_the_checkout_at_t_holds_only_files_of_t(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    repo = make_history_repo(tmp_path / "small", modules=6, hot=3, days=30, seed=3)
    early = subprocess.run(["git", "-C", str(repo.root), "rev-list", "--max-parents=0", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (repo.root / "pkg" / "late.py").write_text("LATE = 1\n")
    subprocess.run(["git", "-C", str(repo.root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo.root), "-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm",
                    "Add late"], check=True)  # fmt: skip
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(checkout)], check=True)
    at_first = await structure_at(async_driver, driver, checkout=checkout, name="small", sha=early,
                                  cache=tmp_path / "cache", database=settings.neo4j_database)  # fmt: skip
    paths = {row["path"] for row in at_first}
    assert "pkg/m05.py" in paths and "pkg/late.py" not in paths


def test_labels_take_only_fixes_inside_the_window(history_repo: HistoryRepo) -> None:
    _, commits = read_commits(history_repo.root, since_sha=None, limit=None)
    fixes = sorted((c for c in commits if c.message.startswith("Fix")), key=lambda c: c.time)
    target = fixes[len(fixes) // 2]
    path = target.files[0][0]
    assert labels_from_log([target], paths=[path], after=target.time - 1, until=target.time) == [1]
    assert labels_from_log([target], paths=[path], after=target.time, until=target.time + DAY) == [0]
    assert labels_from_log([target], paths=[path], after=target.time - DAY, until=target.time - 1) == [0]


async def test_a_too_short_history_is_refused(
    async_driver: AsyncDriver, driver: Driver, tmp_path: Path
) -> None:
    repo = make_history_repo(tmp_path / "young", modules=6, hot=3, days=60)
    with pytest.raises(InvalidInput, match="too short"):
        await run_backtest(async_driver, driver, repo_path=repo.root, horizon_days=90)
    with pytest.raises(InvalidInput, match="does not exist"):
        await run_backtest(async_driver, driver, repo_path=tmp_path / "nowhere")
