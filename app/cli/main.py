"""``hub``: run the local runtime, the API and ad hoc Cypher.

Every command turns the hub's own errors into one red line naming the fix and a non-zero exit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sys
from collections.abc import Coroutine
from typing import Annotated, Any, LiteralString, TypeVar, cast

import typer
from neo4j.exceptions import AuthError, CypherSyntaxError, Neo4jError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.cli.common import err, friendly_errors
from app.cli.events_cmd import events_app
from app.cli.events_cmd import worker as events_worker
from app.cli.graph_cmd import graph_app
from app.cli.predict_cmd import predict_app
from app.cli.remediation_cmd import remediation_app
from app.cli.run_cmd import run as run_hub
from app.cli.token_cmd import login as auth_login
from app.cli.token_cmd import login_url, token_app
from app.cli.workflow_cmd import agent_app, workflow_app
from app.config import get_settings
from app.core.db import create_async_driver
from app.core.errors import ConfigurationError, DependencyUnavailable, InvalidInput
from app.core.migrations import migrate
from app.core.values import plain_value

app = typer.Typer(help="CommandCenter Hub", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(graph_app, name="graph")
app.add_typer(predict_app, name="predict")  # issue 15: hub predict train|run|backtest
app.add_typer(remediation_app, name="remediation")  # issue 15: hub remediation list|approve|reject|stats
app.add_typer(events_app, name="events")  # issue 5: hub events [publish]
app.command("worker")(events_worker)  # issue 5: the arq worker
app.add_typer(workflow_app, name="workflow")  # issue 14
app.add_typer(agent_app, name="agent")  # issue 14
app.command("run")(run_hub)  # issue 12: runtime + API + worker, supervised together
app.add_typer(token_app, name="token")  # issue 12: API keys
app.command("login")(auth_login)  # issue 12: a new one-time VISLZR login URL
console = Console()
# The driver logs each retry as a warning; the CLI reports failures itself.
logging.getLogger("neo4j").setLevel(logging.ERROR)

R = TypeVar("R")


def run_async(coroutine: Coroutine[Any, Any, R]) -> R:
    return asyncio.run(coroutine)


@app.command()
@friendly_errors
def up() -> None:
    """Start local Neo4j, NATS (JetStream) and Redis, wait until healthy, apply the schema."""
    from app.runtime.manager import up as runtime_up

    settings = get_settings()
    with console.status("starting the local runtime") as status:
        runtime_up(settings, report=lambda line: status.update(line))
        result = run_async(_migrate(settings))
        report = run_async(_probe(settings))
    down = [d for d in report.dependencies if not d.up]
    if down:  # an external dependency we did not start and cannot reach
        raise DependencyUnavailable(
            "not reachable: " + ", ".join(f"{d.name} at {d.url} ({d.detail})" for d in down),
            hint="start it, or unset its HUB_*_URL so `hub up` runs a local one",
        )
    console.print(
        f"[green]up[/]: neo4j {settings.neo4j_bolt_uri}, nats {settings.nats_server_url}, "
        f"redis {settings.redis_server_url}; schema v{result.version}"
    )
    if settings.neo4j_managed:
        console.print(f"Neo4j Browser: {settings.browser_url}  (password in {settings.password_file})")


@app.command()
@friendly_errors
def down() -> None:
    """Stop the local runtime cleanly (the next start needs no recovery)."""
    from app.runtime.manager import down as runtime_down

    settings = get_settings()
    with console.status("stopping") as status:
        stopped = runtime_down(settings, report=lambda line: status.update(line))
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
@friendly_errors
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each dependency: url, up/down, version, latency."""

    settings = get_settings()

    report = run_async(_probe(settings))
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        table = Table("dependency", "url", "state", "version", "latency ms", "detail")
        for dep in report.dependencies:
            state = "[green]up[/]" if dep.up else "[red]down[/]"
            table.add_row(dep.name, dep.url, state, dep.version or "", f"{dep.latency_ms or 0:.1f}",
                          dep.detail or "")  # fmt: skip
        console.print(table)
    if not report.all_up:
        raise typer.Exit(1)


async def _probe(settings: Any) -> Any:
    from app.health.service import check_dependencies

    try:
        driver = create_async_driver(settings)
    except ConfigurationError:
        return await check_dependencies(settings=settings, driver=None)
    try:
        return await check_dependencies(settings=settings, driver=driver)
    finally:
        await driver.close()


async def _migrate(settings: Any) -> Any:
    driver = create_async_driver(settings)
    try:
        return await migrate(driver, database=settings.neo4j_database)
    finally:
        await driver.close()


@db_app.command("migrate")
@friendly_errors
def db_migrate(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Apply constraints/ idempotently and record the schema version in the graph."""
    result = run_async(_migrate(get_settings()))
    if as_json:
        print(json.dumps(dataclasses.asdict(result)))
    else:
        console.print(
            f"schema v{result.version}: {result.statements} statements, {result.created} new "
            f"constraints/indexes, {'recorded' if result.changed else 'unchanged'}"
        )


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; a value that parses as JSON is taken as JSON, else as a string."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.isidentifier():
            raise InvalidInput(f"--param {pair!r} is not of the form name=value")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


@app.command()
@friendly_errors
def cypher(
    query_text: Annotated[str, typer.Argument(metavar="QUERY")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="name=value")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run a Cypher query against the configured database, like cypher-shell."""
    settings = get_settings()
    params = parse_params(param or [])

    async def execute() -> tuple[list[str], list[list[Any]]]:
        driver = create_async_driver(settings)
        try:
            # The query is the user's own, typed at their own shell; values still go as parameters.
            # An auto-commit session, like cypher-shell, so CALL { } IN TRANSACTIONS works too.
            async with driver.session(database=settings.neo4j_database) as session:
                result = await session.run(cast(LiteralString, query_text), params)
                records = [record async for record in result]
                keys = list(result.keys())
            return keys, [[plain_value(record[key]) for key in keys] for record in records]
        finally:
            await driver.close()

    try:
        keys, rows = run_async(execute())
    except AuthError:
        raise  # friendly_errors names the fix
    except CypherSyntaxError as error:
        err.print(f"[bold red]syntax error:[/] {escape(error.message or '')}", highlight=False)
        raise typer.Exit(1) from None
    except Neo4jError as error:
        err.print(f"[bold red]{error.code}:[/] {escape(error.message or '')}", highlight=False)
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], default=str))
        return
    table = Table(*keys)
    for row in rows:
        table.add_row(*(json.dumps(v, default=str) if not isinstance(v, str) else v for v in row))
    console.print(table)
    console.print(f"{len(rows)} row(s)")


@app.command()
@friendly_errors
def serve(
    host: Annotated[str | None, typer.Option(help="default 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="processes (HUB_API_WORKERS)")] = None,
) -> None:
    """Serve the API (and the web UI) with uvicorn."""
    import uvicorn

    from app.main import create_app

    settings = get_settings()
    count = workers or settings.api_workers
    bound_host, bound_port = host or settings.api_host, port or settings.api_port
    # Like Jupyter: a one-time URL that logs the local admin into VISLZR (token file 0600).
    console.print(f"VISLZR login (one-time): {login_url(settings, port=bound_port)}", highlight=False)
    if count == 1:
        uvicorn.run(create_app(settings), host=bound_host, port=bound_port, log_level="info")
    else:  # worker processes import the factory and read the same HUB_* environment
        # uvicorn kills a worker that does not answer its health ping within 5 s; on a busy machine
        # importing the app takes longer, and the workers were killed and restarted forever.
        uvicorn.run("app.main:create_app", factory=True, workers=count, host=bound_host, port=bound_port,
                    log_level="info", timeout_worker_healthcheck=60)  # fmt: skip


def main() -> None:  # pragma: no cover
    sys.exit(app())
