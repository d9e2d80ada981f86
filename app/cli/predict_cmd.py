"""``hub predict``: train the defect model, refresh features and predict, back-test on any repo."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import friendly_errors
from app.config import Settings, get_settings
from app.core.db import create_async_driver, create_driver
from app.core.errors import NotFound
from app.intelligence import flows, service
from app.intelligence.models import DEFAULT_HORIZON_DAYS
from ingest import ids

if TYPE_CHECKING:  # numpy and scikit-learn load with the command that needs them, not with `hub`
    from app.intelligence.backtest import BacktestReport

predict_app = typer.Typer(help="Predictive intelligence: defect risk", no_args_is_help=True)
console = Console(stderr=True)
ProjectOption = Annotated[
    str | None, typer.Option("--project", help="project name (default: every project with a repo)")
]


async def _project_ids(settings: Settings, name: str | None) -> list[str]:
    driver = create_async_driver(settings)
    try:
        known = await service.projects(driver, database=settings.neo4j_database)
    finally:
        await driver.close()
    if name is None:
        return [p["id"] for p in known]
    wanted = ids.project_id(name)
    if wanted not in {p["id"] for p in known}:
        raise NotFound(f"no project {name!r} with a repository", hint="hub graph ingest PATH --project NAME")
    return [wanted]


@predict_app.command("train")
@friendly_errors
def train_cmd(
    project: ProjectOption = None,
    horizon: Annotated[
        int, typer.Option("--horizon", help="days ahead a fix is predicted")
    ] = DEFAULT_HORIZON_DAYS,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train file_defect_risk per project from its own history (a new model version each time)."""
    settings = get_settings()

    async def run() -> list[dict[str, Any]]:
        driver = create_async_driver(settings)
        try:
            out = []
            for project_id in await _project_ids(settings, project):
                record = await flows.train_file_model(
                    driver,
                    database=settings.neo4j_database,
                    home=settings.home,
                    project_id=project_id,
                    horizon_days=horizon,
                )
                out.append(record.model_dump(mode="json"))
            return out
        finally:
            await driver.close()

    records = asyncio.run(run())
    if as_json:
        print(json.dumps(records))
        return
    for record in records:
        chosen = record["metrics"]["validation"].get(record["kind"], {})
        console.print(
            f"{record['scope']}: {record['model_type']} v{record['version']} ({record['kind']}), "
            f"{record['dataset_size']} examples, validation ROC-AUC {chosen.get('rocAuc')}"
        )


@predict_app.command("run")
@friendly_errors
def run_cmd(
    project: ProjectOption = None,
    refresh: Annotated[bool, typer.Option("--refresh/--no-refresh", help="recompute features first")] = True,
    top: Annotated[int, typer.Option("--top", help="files to show")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Refresh risk features and write predictions (trains first where no model exists)."""
    settings = get_settings()

    async def run() -> list[dict[str, Any]]:
        driver = create_async_driver(settings)
        try:
            out = []
            for project_id in await _project_ids(settings, project):
                done = await flows.predict_project(
                    driver,
                    database=settings.neo4j_database,
                    home=settings.home,
                    project_id=project_id,
                    refresh=refresh,
                )
                best = await service.predictions(
                    driver, database=settings.neo4j_database, project_id=project_id, limit=top
                )
                out.append({**done.model_dump(mode="json"), "top": [p.model_dump(mode="json") for p in best]})
            return out
        finally:
            await driver.close()

    runs = asyncio.run(run())
    if as_json:
        print(json.dumps(runs))
        return
    for done in runs:
        table = Table(title=f"{done['project_id']}: {done['predictions']} predictions in {done['seconds']} s")
        for column in ("file", "probability", "confidence", "why"):
            table.add_column(column)
        for p in done["top"]:
            why = "; ".join(f["text"] for f in p["top_factors"])
            table.add_row(p["target"], f"{p['probability']:.2f}", f"{p['confidence']:.2f}", why)
        Console().print(table)


def _trio(m: dict[str, Any]) -> str:
    return " / ".join(
        "-" if m.get(k) is None else f"{m[k]:.2f}" for k in ("rocAuc", "prAuc", "recallAt20Loc")
    )


def report_table(report: BacktestReport) -> Table:
    title = f"{report.repo} @ {report.head[:12]}: {report.commits} commits, {report.horizon_days}-day horizon"
    table = Table(title=title + " (ROC-AUC / PR-AUC / recall at 20% of LOC)")
    for column in ("T", "commit", "files", "fixed", "chosen", "model", "bugspots", "churn"):
        table.add_column(column)
    for o in report.origins:
        day = time.strftime("%Y-%m-%d", time.gmtime(o.origin))
        table.add_row(
            day,
            o.commit[:10],
            str(o.files),
            str(o.positives),
            o.chosen,
            _trio(o.model),
            _trio(o.bugspots),
            _trio(o.churn),
        )
    summary, pooled = report.summary(), report.pooled()
    table.add_row(
        "median", "", "", "", "", _trio(summary["model"]), _trio(summary["bugspots"]), _trio(summary["churn"])
    )
    table.add_row(
        "pooled",
        "",
        str(sum(o.files for o in report.origins)),
        str(sum(o.positives for o in report.origins)),
        "",
        *(_trio(pooled.get(k, {})) for k in ("model", "bugspots", "churn")),
    )
    return table


@predict_app.command("backtest")
@friendly_errors
def backtest_cmd(
    repo_path: Annotated[Path, typer.Argument(help="a git repository (work tree or bare)")],
    horizon: Annotated[int, typer.Option("--horizon", help="label window in days")] = DEFAULT_HORIZON_DAYS,
    evaluate: Annotated[int, typer.Option("--evaluate", help="origins scored")] = 4,
    warmup: Annotated[int, typer.Option("--warmup", help="training-only origins before them")] = 2,
    step: Annotated[int | None, typer.Option("--step", help="days between origins (>= horizon)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Rolling-origin back-test: per T, the model trained on earlier T against bugspots and churn."""
    from app.intelligence.backtest import run_backtest

    settings = get_settings()

    async def run() -> BacktestReport:
        driver, sync_driver = create_async_driver(settings), create_driver(settings)
        try:
            return await run_backtest(
                driver,
                sync_driver,
                repo_path=repo_path,
                horizon_days=horizon,
                evaluate=evaluate,
                warmup=warmup,
                database=settings.neo4j_database,
                progress=(lambda _: None) if as_json else console.log,
            )
        finally:
            sync_driver.close()
            await driver.close()

    report = asyncio.run(run())
    if as_json:
        print(json.dumps(report.as_dict()))
        return
    Console().print(report_table(report))
