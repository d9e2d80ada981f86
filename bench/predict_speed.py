"""How long the worker takes to predict a whole project of Django's size (issue 15: <= 5 s).

Generates a project shaped like Django 5.2 in the graph (2,800 Python files importing a few
neighbours, a long history: commits by ~300 people touching ~3 files each, a fifth of them fixes),
trains its file_defect_risk model once, then times the in-worker path the cron runs:
``flows.predict_project`` with the model already loaded (the artefact cache keeps it, as in the
long-lived worker), both without the feature refresh (scoring the written-back features: the
cron's usual run, since it recomputes them only when older than HUB_PREDICT_REFRESH_AFTER_S and
an ingest refreshes them at once) and with it (GDS + history queries). Stages are timed apart: feature refresh, model
lookup, scoring (probabilities + top factors), writing the predictions.

Importing scikit-learn is measured on its own, in a fresh interpreter: the worker pays it once at
start, never per run (it took 13 s under load once; it is not on the hot path).

    HUB_HOME=/tmp/bench-home HUB_NEO4J_BOLT_PORT=... .venv/bin/python -m app.cli up
    .venv/bin/python bench/predict_speed.py [--files 2800] [--commits 30000] [--runs 5] [--json]

Refuses a database that already has the bench project unless ``--reuse`` (then it skips the load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neo4j import AsyncDriver

from app.config import get_settings
from app.core.db import create_async_driver
from ingest import ids

PROJECT = "bench-predict"
BATCH = 10_000
DAY = 86_400


async def _write(
    driver: AsyncDriver, database: str, query: str, rows: list[dict[str, Any]], **params: Any
) -> None:
    for start in range(0, len(rows), BATCH):
        await driver.execute_query(query, rows=rows[start : start + BATCH], database_=database, **params)


async def generate(driver: AsyncDriver, database: str, *, files: int, commits: int, seed: int) -> str:
    """The bench project, written with UNWIND batches (CREATE: the project is new)."""
    rng = random.Random(seed)
    project_id = ids.project_id(PROJECT)
    location = f"/srv/{PROJECT}"
    repo_id = ids.repo_id(PROJECT, location)
    await driver.execute_query(
        "CREATE (p:Project {id: $pid, name: $name}) "
        "CREATE (r:Repo {id: $rid, path: $path, defaultBranch: 'main', projectId: $pid}) "
        "CREATE (p)-[:HAS_REPO]->(r)",
        pid=project_id,
        name=PROJECT,
        rid=repo_id,
        path=location,
        database_=database,
    )
    folders = [
        f"django/{a}/{b}"
        for a in ("db", "contrib", "core", "utils", "forms", "http", "template")
        for b in ("models", "backends", "handlers", "views", "admin", "base")
    ]
    paths = [f"{folders[i % len(folders)]}/mod_{i}.py" for i in range(files)]
    file_ids = [ids.file_id(repo_id, p) for p in paths]
    await _write(
        driver,
        database,
        "UNWIND $rows AS row MATCH (r:Repo {id: $repo}) "
        "CREATE (f:File {id: row.id, path: row.path, lang: 'python', loc: row.loc, size: row.loc * 36, "
        "repoId: $repo}) CREATE (r)-[:CONTAINS]->(f)",
        [
            {"id": f, "path": p, "loc": int(rng.lognormvariate(5.0, 1.0)) + 5}
            for f, p in zip(file_ids, paths, strict=True)
        ],
        repo=repo_id,
    )
    # imports: mostly within the folder, some to a few hub modules (as django.db.models is)
    hubs = file_ids[:40]
    edges = []
    for i, fid in enumerate(file_ids):
        for _ in range(rng.randint(1, 6)):
            target = rng.choice(hubs) if rng.random() < 0.3 else file_ids[(i + rng.randint(1, 40)) % files]
            if target != fid:
                edges.append({"a": fid, "b": target})
    await _write(
        driver,
        database,
        "UNWIND $rows AS row MATCH (a:File {id: row.a}) MATCH (b:File {id: row.b}) MERGE (a)-[:IMPORTS]->(b)",
        edges,
    )
    people = [f"dev{i}@example.com" for i in range(300)]
    await _write(
        driver,
        database,
        "UNWIND $rows AS row CREATE (:Person {id: row.id, email: row.email})",
        [{"id": ids.stable_id("person", p), "email": p} for p in people],
    )
    end = int(time.time()) - DAY
    start = end - 6 * 365 * DAY
    hot = set(rng.sample(range(files), files // 10))  # a tenth of the files attract most changes
    rows = []
    for c in range(commits):
        when = start + int((end - start) * (c / commits))
        touched = {
            rng.choice(sorted(hot)) if rng.random() < 0.6 else rng.randrange(files)
            for _ in range(rng.randint(1, 5))
        }
        rows.append(
            {
                "sha": f"{rng.getrandbits(160):040x}",
                "time": datetime.fromtimestamp(when, UTC).isoformat(),
                "fix": rng.random() < 0.2,
                "person": ids.stable_id("person", rng.choice(people)),
                "files": [
                    {"id": file_ids[i], "added": rng.randint(1, 80), "deleted": rng.randint(0, 40)}
                    for i in touched
                ],
            }
        )
    await _write(
        driver,
        database,
        "UNWIND $rows AS row MATCH (r:Repo {id: $repo}) MATCH (p:Person {id: row.person}) "
        "CREATE (c:Commit {sha: row.sha, time: datetime(row.time), message: 'change', isFix: row.fix, repoId: $repo}) "
        "CREATE (r)-[:HAS_COMMIT]->(c) CREATE (p)-[:AUTHORED]->(c) "
        "WITH c, row UNWIND row.files AS m MATCH (f:File {id: m.id}) "
        "CREATE (c)-[:MODIFIED {added: m.added, deleted: m.deleted}]->(f)",
        rows,
        repo=repo_id,
    )
    return project_id


def import_seconds() -> float:
    """A fresh interpreter importing the model code (numpy, scikit-learn): paid once per worker."""
    code = "import time; t = time.perf_counter(); import app.intelligence.learning; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return float(out.stdout.strip())


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    settings = get_settings()
    database = settings.neo4j_database
    driver = create_async_driver(settings)
    result: dict[str, Any] = {"files": args.files, "commits": args.commits, "runs": args.runs}
    try:
        from app.intelligence import flows, service
        from app.intelligence.models import ModelType

        project_id = ids.project_id(PROJECT)
        exists, _, _ = await driver.execute_query(
            "MATCH (p:Project {id: $p}) RETURN count(p) AS n", p=project_id, database_=database
        )
        if exists[0]["n"] and not args.reuse:
            raise SystemExit(f"project {PROJECT} already exists; pass --reuse or use an empty database")
        if not exists[0]["n"]:
            started = time.perf_counter()
            await generate(driver, database, files=args.files, commits=args.commits, seed=args.seed)
            result["generate_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        record = await flows.train_file_model(
            driver, database=database, home=settings.home, project_id=project_id
        )
        result["train_s"] = round(time.perf_counter() - started, 2)
        result["model"] = {"kind": record.kind, "version": record.version, "examples": record.dataset_size}
        # warm-up: the first run loads the artefact (then cached, as in the long-lived worker)
        await flows.predict_project(driver, database=database, home=settings.home, project_id=project_id)

        totals: dict[str, list[float]] = {
            k: [] for k in ("with_refresh", "no_refresh", "refresh", "model", "score", "write")
        }
        for _ in range(args.runs):
            t = time.perf_counter()
            run = await flows.predict_project(
                driver, database=database, home=settings.home, project_id=project_id
            )
            totals["with_refresh"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await flows.predict_project(
                driver, database=database, home=settings.home, project_id=project_id, refresh=False
            )
            totals["no_refresh"].append(time.perf_counter() - t)
            # the same path in stages
            t = time.perf_counter()
            rows, _ = await service.refresh_file_features(driver, database=database, project_id=project_id)
            totals["refresh"].append(time.perf_counter() - t)
            t = time.perf_counter()
            loaded = await service.latest_model(
                driver,
                database=database,
                home=settings.home,
                model_type=ModelType.FILE_DEFECT_RISK,
                scope=project_id,
            )
            totals["model"].append(time.perf_counter() - t)
            assert loaded is not None
            t = time.perf_counter()
            scored = flows.score(loaded[1], rows)
            totals["score"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await service.write_predictions(
                driver,
                database=database,
                project_id=project_id,
                model_type=ModelType.FILE_DEFECT_RISK,
                version=loaded[0].version,
                horizon_days=90,
                rows=scored,
            )
            totals["write"].append(time.perf_counter() - t)
        result["predictions"] = run.predictions
        result["median_s"] = {k: round(statistics.median(v), 3) for k, v in totals.items()}
        result["max_s"] = {k: round(max(v), 3) for k, v in totals.items()}
    finally:
        await driver.close()
    result["import_s"] = round(import_seconds(), 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2_800)
    parser.add_argument("--commits", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="the bench project is already loaded")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(measure(args))
    result["load"] = Path("/proc/loadavg").read_text().split()[:3]
    if args.json:
        print(json.dumps(result))
        return
    print(json.dumps(result, indent=2))
    for path, key in (
        ("the cron's usual run (stored features)", "no_refresh"),
        ("with feature refresh", "with_refresh"),
    ):
        took = result["median_s"][key]
        print(f"{path}: median {took:.2f} s (target <= 5 s): {'met' if took <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
