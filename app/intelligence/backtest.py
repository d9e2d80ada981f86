"""The back-test of ``file_defect_risk`` on any git repository: rolling origin, no leakage.

For each origin T (one horizon apart, the newest one horizon before the last commit):
- the structural features come from ingesting the checkout at T (the newest first-parent commit
  committed at or before T) into a temporary project and running the same GDS queries as
  production (``service.file_structure``); the ingest reads no git history;
- the history features come from one ``git log --numstat`` of the repository, keeping only
  commits authored before T (``history_features_from_log``, the same definitions as
  ``cypher/intelligence/file_history_features.cypher``; a test holds the two equal);
- labels: a fix commit (``ingest.history.is_fix``) touched the file in (T, T + horizon];
- the model for T is trained on the earlier origins only (their labels end at or before T),
  the candidate chosen by a time split inside those origins;
- baselines in the same run: bugspots (Lewis et al., ICSE 2013) and churn alone (lines changed
  in the horizon before T).
The population is the production files at T (tests, docs and examples left out: fix commits
touch regression tests by construction).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver, Driver

from app.core.db import run_named
from app.core.errors import InvalidInput
from app.intelligence import service
from app.intelligence.learning import (
    CANDIDATES,
    Dataset,
    bugspots_score,
    candidate_features,
    fit,
    metrics,
    single_thread,
    train,
)
from ingest import ids
from ingest.history import CommitRecord, HistoryUnavailable, is_fix, read_commits

DAY = 86_400
WINDOWS = (30, 90, 365)
Progress = Callable[[str], None]


@dataclass(slots=True)
class OriginResult:
    origin: int
    commit: str
    files: int
    positives: int
    chosen: str
    model: dict[str, Any]
    candidates: dict[str, dict[str, Any]]
    bugspots: dict[str, Any]
    churn: dict[str, Any]
    seconds: float


@dataclass(slots=True)
class BacktestReport:
    repo: str
    head: str
    commits: int
    horizon_days: int
    origins: list[OriginResult] = field(default_factory=list)
    # Per evaluated origin: labels, lines of code and each scorer's scores (for pooled metrics).
    scored: list[tuple[list[int], list[float], dict[str, list[float]]]] = field(default_factory=list)
    # Every origin's feature rows and labels, warm-up ones included (for diagnosis, e.g. which
    # features separate the fix-touched files; written beside the report by bench/backtest.py).
    datasets: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Medians over the evaluated origins, per scorer and metric."""
        out: dict[str, dict[str, float | None]] = {}
        for scorer in ("model", *CANDIDATES, "bugspots", "churn"):
            out[scorer] = {}
            for metric in ("rocAuc", "prAuc", "recallAt20Loc"):
                values = [v for v in (_metric(o, scorer, metric) for o in self.origins) if v is not None]
                out[scorer][metric] = round(statistics.median(values), 4) if values else None
        return out

    def pooled(self) -> dict[str, dict[str, Any]]:
        """Each scorer's metrics over all evaluated origins at once (per-origin AUCs of a small
        repository rest on a handful of fix-touched files; pooling steadies them)."""
        labels = [y for ys, _, _ in self.scored for y in ys]
        loc = [n for _, ns, _ in self.scored for n in ns]
        out = {}
        for scorer in ("model", *CANDIDATES, "bugspots", "churn"):
            if self.scored and all(scorer in scores for _, _, scores in self.scored):
                values = [v for _, _, scores in self.scored for v in scores[scorer]]
                out[scorer] = metrics(values, labels, loc)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "head": self.head,
            "commits": self.commits,
            "horizonDays": self.horizon_days,
            "origins": [asdict(o) for o in self.origins],
            "summary": self.summary(),
            "pooled": self.pooled(),
        }


def _metric(origin: OriginResult, scorer: str, metric: str) -> float | None:
    if scorer == "model":
        return origin.model.get(metric)
    if scorer in CANDIDATES:
        return origin.candidates.get(scorer, {}).get(metric)
    return getattr(origin, scorer).get(metric)


def history_features_from_log(
    commits: Sequence[CommitRecord], *, paths: Sequence[str], as_of: int
) -> dict[str, dict[str, float]]:
    """Per path, the churn features of ``file_history_features.cypher`` from parsed git log."""
    wanted = set(paths)
    changes: dict[str, list[tuple[float, int, int, str, bool]]] = defaultdict(list)
    for commit in commits:
        if commit.time >= as_of:
            continue
        days = (as_of - commit.time) / DAY
        person, fix = ids.person_id(commit.email), is_fix(commit.message)
        for path, added, deleted in commit.files:
            if path in wanted:
                changes[path].append((days, added, deleted, person, fix))
    out = {}
    for path in paths:
        rows = changes.get(path, [])
        row: dict[str, float] = {"commits": len(rows)}
        for w in WINDOWS:
            inside = [c for c in rows if c[0] <= w]
            row[f"commits{w}"] = len(inside)
            row[f"added{w}"] = sum(c[1] for c in inside)
            row[f"deleted{w}"] = sum(c[2] for c in inside)
            row[f"authors{w}"] = len({c[3] for c in inside})
        row["fixes"] = sum(1 for c in rows if c[4])
        row["fixes365"] = sum(1 for c in rows if c[4] and c[0] <= 365)
        row["ageDays"] = max((c[0] for c in rows), default=0.0)
        row["daysSinceChange"] = min((c[0] for c in rows), default=3650.0)
        per_author: dict[str, int] = defaultdict(int)
        for c in rows:
            per_author[c[3]] += 1
        row["ownerShare"] = max(per_author.values()) / len(rows) if rows else 0.0
        out[path] = row
    return out


def labels_from_log(
    commits: Sequence[CommitRecord], *, paths: Sequence[str], after: int, until: int
) -> list[int]:
    touched = {
        path for c in commits if after < c.time <= until and is_fix(c.message) for path, _, _ in c.files
    }
    return [int(path in touched) for path in paths]


def baselines(
    commits: Sequence[CommitRecord], *, paths: Sequence[str], as_of: int, horizon_days: int
) -> tuple[list[float], list[float]]:
    """bugspots score and lines changed in the horizon before ``as_of``, per path."""
    past = [c for c in commits if c.time < as_of]
    first = min((c.time for c in past), default=as_of)
    fix_times: dict[str, list[int]] = defaultdict(list)
    churn: dict[str, float] = defaultdict(float)
    for c in past:
        fix = is_fix(c.message)
        for path, added, deleted in c.files:
            if fix:
                fix_times[path].append(c.time)
            if as_of - c.time <= horizon_days * DAY:
                churn[path] += added + deleted
    spots = [bugspots_score(fix_times.get(p, []), first=first, as_of=as_of) for p in paths]
    return spots, [churn.get(p, 0.0) for p in paths]


def _git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InvalidInput(f"git {args[0]} failed: {result.stderr.strip()[-300:]}")
    return result.stdout.strip()


def origins_for(
    commits: Sequence[CommitRecord], *, horizon_days: int, count: int, step_days: int | None = None
) -> list[int]:
    """``count`` origins ``step_days`` apart (at least one horizon, so that every earlier
    origin's labels end by the next one), the newest one horizon before the last commit."""
    step = max(step_days or horizon_days, horizon_days)
    if not commits:
        raise InvalidInput("the repository has no commits")
    newest, oldest = max(c.time for c in commits), min(c.time for c in commits)
    last = newest - horizon_days * DAY
    origins = [last - k * step * DAY for k in range(count - 1, -1, -1)]
    origins = [t for t in origins if t > oldest + horizon_days * DAY]
    if len(origins) < 2:
        raise InvalidInput(f"the history is too short for a back-test with a {horizon_days}-day horizon")
    return origins


async def _delete_project(driver: AsyncDriver, project_id: str, database: str) -> None:
    while True:
        records = await run_named(
            driver,
            "intelligence/delete_project_files",
            database=database,
            timeout_s=300,
            write=True,
            projectId=project_id,
            limit=5000,
        )
        if not records or records[0]["deleted"] == 0:
            break
    await run_named(
        driver,
        "intelligence/delete_project",
        database=database,
        timeout_s=300,
        write=True,
        projectId=project_id,
    )


async def structure_at(
    driver: AsyncDriver,
    sync_driver: Driver,
    *,
    checkout: Path,
    name: str,
    sha: str,
    cache: Path,
    database: str,
) -> list[dict[str, Any]]:
    """Ingest the checkout at ``sha`` (no history) into a throw-away project, read its GDS and
    static features, delete the project."""
    from ingest.pipeline import ingest_repository

    _git("checkout", "--quiet", "--detach", "--force", sha, cwd=checkout)
    _git("clean", "-qfdx", cwd=checkout)
    project = f"backtest-{name}-{sha[:12]}"
    summary = await asyncio.to_thread(
        ingest_repository,
        sync_driver,
        path=checkout,
        project=project,
        full=True,
        history=0,
        cache_dir=cache,
        database=database,
    )
    try:
        return await service.file_structure(driver, database=database, project_id=summary.project_id)
    finally:
        await _delete_project(driver, summary.project_id, database)


async def run_backtest(
    driver: AsyncDriver,
    sync_driver: Driver,
    *,
    repo_path: Path,
    horizon_days: int = 90,
    evaluate: int = 4,
    warmup: int = 2,
    step_days: int | None = None,
    database: str = "neo4j",
    progress: Progress = lambda _: None,
) -> BacktestReport:
    """``warmup`` training-only origins, then ``evaluate`` origins each scored by a model trained
    on all origins before it."""
    if horizon_days < 7 or evaluate < 1 or warmup < 1:
        raise InvalidInput("horizon must be >= 7 days, evaluate >= 1, warmup >= 1")
    root = Path(repo_path).expanduser().resolve()
    if not root.exists():
        raise InvalidInput(f"{root} does not exist")
    try:
        head, commits = read_commits(root, since_sha=None, limit=None)
    except HistoryUnavailable as error:
        raise InvalidInput(f"cannot read the history of {root}: {error}") from error
    if head is None:
        raise InvalidInput(f"{root} is not a git repository with commits")
    origins = origins_for(commits, horizon_days=horizon_days, count=warmup + evaluate, step_days=step_days)
    report = BacktestReport(
        repo=root.name if root.name != "repo" else root.parent.name,
        head=head,
        commits=len(commits),
        horizon_days=horizon_days,
    )
    dataset = Dataset()
    with tempfile.TemporaryDirectory(prefix="hub-backtest-") as tmp:
        checkout = Path(tmp) / "checkout"
        _git("clone", "--quiet", "--shared", "--no-checkout", "--end-of-options", str(root), str(checkout))
        for index, origin in enumerate(origins):
            started = time.perf_counter()
            sha = _git("rev-list", "-1", "--first-parent", f"--before=@{origin}", head, cwd=checkout)
            if not sha:
                continue
            structure = await structure_at(
                driver,
                sync_driver,
                checkout=checkout,
                name=report.repo,
                sha=sha,
                cache=Path(tmp) / "parse-cache",
                database=database,
            )
            paths = [row["path"] for row in structure]
            history = history_features_from_log(commits, paths=paths, as_of=origin)
            rows = service.merge_features(
                structure, [{"fileId": r["fileId"], **history[r["path"]]} for r in structure]
            )
            row_paths = [row["path"] for row in rows]
            labels = labels_from_log(
                commits, paths=row_paths, after=origin, until=origin + horizon_days * DAY
            )
            progress(
                f"{report.repo} T={time.strftime('%Y-%m-%d', time.gmtime(origin))} {sha[:10]}: "
                f"{len(rows)} files, {sum(labels)} fix-touched"
            )
            if index >= warmup and rows:
                report.origins.append(
                    _evaluate(
                        report,
                        dataset,
                        rows,
                        labels,
                        commits,
                        origin=origin,
                        sha=sha,
                        horizon_days=horizon_days,
                        started=started,
                    )
                )
            dataset.extend(rows, labels, origin)
            report.datasets.append({"origin": origin, "commit": sha, "rows": rows, "labels": labels})
    if not report.origins:
        raise InvalidInput("no origin could be evaluated (no files at the chosen commits)")
    return report


def _evaluate(
    report: BacktestReport,
    dataset: Dataset,
    rows: list[dict[str, Any]],
    labels: list[int],
    commits: Sequence[CommitRecord],
    *,
    origin: int,
    sha: str,
    horizon_days: int,
    started: float,
) -> OriginResult:
    """Score the rows at ``origin`` with models fitted on ``dataset`` (earlier origins only)."""
    loc = [row["loc"] for row in rows]
    paths = [row["path"] for row in rows]
    test = Dataset()
    test.extend(rows, labels, origin)
    scores: dict[str, list[float]] = {}
    for kind in CANDIDATES:
        try:
            estimator = fit(kind, dataset)
            with single_thread():
                scores[kind] = [
                    float(p) for p in estimator.predict_proba(test.matrix(candidate_features(kind)))[:, 1]
                ]
        except InvalidInput:
            continue
    try:
        chosen = train("file_defect_risk", dataset)
        scores["model"] = [float(p) for p in chosen.probabilities(rows)]
        kind, model_metrics = chosen.kind, metrics(scores["model"], labels, loc)
    except InvalidInput as error:
        kind, model_metrics = "none", {"error": error.message}
    scores["bugspots"], scores["churn"] = baselines(
        commits, paths=paths, as_of=origin, horizon_days=horizon_days
    )
    report.scored.append((labels, loc, scores))
    return OriginResult(
        origin=origin,
        commit=sha,
        files=len(rows),
        positives=sum(labels),
        chosen=kind,
        model=model_metrics,
        candidates={k: metrics(scores[k], labels, loc) for k in CANDIDATES if k in scores},
        bugspots=metrics(scores["bugspots"], labels, loc),
        churn=metrics(scores["churn"], labels, loc),
        seconds=round(time.perf_counter() - started, 2),
    )
