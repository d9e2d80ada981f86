"""``hub graph ingest``: a repository into the code graph, with a progress bar and a summary."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli.common import friendly_errors
from app.config import Settings, get_settings
from app.core.db import create_async_driver, create_driver
from app.core.errors import InvalidInput
from app.events.service import EventService
from app.graph.flows import IngestOutcome, ingest_and_announce
from ingest.languages import LANGUAGES

graph_app = typer.Typer(help="The code graph", no_args_is_help=True)
console = Console(stderr=True)


def _languages(value: str | None) -> set[str] | None:
    if not value:
        return None
    aliases = {"py": "python", "ts": "typescript", "js": "javascript", "jsx": "javascript",
               "rs": "rust"}  # fmt: skip
    items = [item.strip().lower() for item in value.split(",") if item.strip()]
    chosen = {aliases.get(item, item) for item in items}
    unknown = chosen - set(LANGUAGES)
    if unknown:
        raise InvalidInput(f"unknown language(s) {sorted(unknown)}; known: {', '.join(LANGUAGES)}")
    if "typescript" in chosen:
        chosen.add("tsx")
    return chosen


async def _after_ingest(
    settings: Settings, ingest: Callable[[], dict[str, Any]], repo: str, communities: bool | None
) -> IngestOutcome:
    """The flow every ingest runs (communities, then ``graph.updated``), with this process's own
    driver and NATS connection; an unreachable NATS is a warning, not a failure."""
    driver = create_async_driver(settings)
    events = EventService(settings, service="hub-cli")
    events.start()
    try:
        return await ingest_and_announce(driver=driver, settings=settings, events=events, ingest=ingest,
                                         repo=repo, communities=communities, ready_timeout_s=3)  # fmt: skip
    finally:
        await events.close()
        await driver.close()


@graph_app.command("ingest")
@friendly_errors
def ingest(
    path: Annotated[Path, typer.Argument(help="the repository folder")],
    project: Annotated[str, typer.Option(help="project name")],
    repo_url: Annotated[str | None, typer.Option("--repo-url")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="py,ts,js,go,rust,java")] = None,
    since: Annotated[str | None, typer.Option("--since", help="only files changed since REF")] = None,
    full: Annotated[bool, typer.Option("--full", help="rebuild the repo's subgraph")] = False,
    history: Annotated[int | None, typer.Option("--history", help="at most N commits (0: none)")] = None,
    max_file_bytes: Annotated[int, typer.Option("--max-file-bytes")] = 2 * 1024 * 1024,
    communities: Annotated[
        bool | None,
        typer.Option(
            "--communities/--no-communities",
            help="recompute GDS communities after the ingest (default: when the project has them)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest PATH incrementally (content hash per file); --full rebuilds."""
    from ingest.pipeline import IngestSummary, ingest_repository

    settings = get_settings()
    languages = _languages(lang)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn())  # fmt: skip
    summary: IngestSummary | None = None

    def run() -> dict[str, Any]:
        nonlocal summary
        with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
            tasks: dict[str, int] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=total or 1, rate="")
                task = bar.tasks[tasks[phase]]
                elapsed = task.elapsed or 0
                rate = f"{done / elapsed:,.0f} files/s" if phase == "parse" and elapsed > 0 else ""
                bar.update(tasks[phase], completed=done, total=total or 1, rate=rate)

            driver = create_driver(settings)
            try:
                summary = ingest_repository(
                    driver, path=path, project=project, repo_url=repo_url, full=full, since=since,
                    languages=languages, history=history, max_file_bytes=max_file_bytes,
                    cache_dir=settings.home / "cache" / "parse", database=settings.neo4j_database,
                    hub_id=settings.hub_id, progress=progress,
                )  # fmt: skip
            finally:
                driver.close()
        return summary.as_dict()

    outcome = asyncio.run(_after_ingest(settings, run, str(path.resolve()), communities))
    assert summary is not None
    summary.warnings.extend(outcome.warnings)
    community_count = outcome.communities
    if as_json:
        print(json.dumps(summary.as_dict(), default=str))
        return
    table = Table(title=f"{project}: ingested in {summary.seconds:.2f} s", show_header=False)
    table.add_row(
        "files parsed / unchanged / deleted",
        f"{summary.files_parsed} / {summary.files_unchanged} / {summary.files_deleted}",
    )
    table.add_row("files with re-resolved edges", str(summary.files_edges_refreshed))
    table.add_row("skipped", ", ".join(f"{k}={v}" for k, v in summary.skipped.items()) or "none")
    table.add_row("symbols written", str(summary.symbols_written))
    table.add_row("edges written", ", ".join(f"{k}={v}" for k, v in summary.edges_written.items()) or "none")
    table.add_row("unresolved calls / imports", f"{summary.unresolved_calls} / {summary.unresolved_imports}")
    table.add_row("files with parse errors", str(summary.parse_errors))
    table.add_row("commits added", str(summary.commits_added))
    table.add_row("graph totals", json.dumps(summary.totals))
    if community_count is not None:
        table.add_row("GDS communities", str(community_count))
    Console().print(table)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
