"""``hub remediation``: the approval queue (list, approve, reject), closing run_workflow actions
whose run settled (settle), and the knowledge loop's record (stats)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import friendly_errors
from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.core.errors import InvalidInput
from app.events.service import EventService
from app.remediation import flows, loop, service
from app.remediation.models import RemediationStatus
from ingest import ids

remediation_app = typer.Typer(help="Remediation under approval and the knowledge loop", no_args_is_help=True)
T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json")]


def _project_id(project: str | None, project_id: str | None) -> str:
    if (project is None) == (project_id is None):
        raise InvalidInput("name the project: --project NAME or --project-id ID (e.g. services)")
    return project_id if project_id is not None else ids.project_id(project or "")


def _run(
    work: Callable[[Any, Settings, EventService | None], Awaitable[T]], *, with_events: bool = False
) -> T:
    settings = get_settings()

    async def run() -> T:
        driver = create_async_driver(settings)
        events = EventService(settings, service="cli") if with_events else None
        try:
            if events is not None:
                try:
                    await asyncio.wait_for(events.connect(), 10)
                except Exception:  # the graph is the record; the step events are then only logged
                    events = None
            return await work(driver, settings, events)
        finally:
            if events is not None:
                await events.close()
            await driver.close()

    return asyncio.run(run())


def _print_actions(actions: list[Any]) -> None:
    table = Table()
    for column in ("id", "action", "status", "shadow", "target", "p", "conf", "created"):
        table.add_column(column)
    for a in actions:
        p = a.prediction
        table.add_row(
            a.id,
            a.action.value,
            a.status.value,
            "yes" if a.shadow else "",
            p.target_path if p else "",
            f"{p.probability:.2f}" if p else "",
            f"{p.confidence:.2f}" if p else "",
            a.created_at.isoformat(timespec="seconds") if a.created_at else "",
        )
    Console().print(table)


@remediation_app.command("list")
@friendly_errors
def list_cmd(
    project: Annotated[str | None, typer.Option("--project", help="project name")] = None,
    project_id: Annotated[str | None, typer.Option("--project-id", help="project id ('services')")] = None,
    status: Annotated[list[RemediationStatus] | None, typer.Option("--status", help="repeatable")] = None,
    first: Annotated[int, typer.Option("--first", min=1, max=1000)] = 100,
    as_json: JsonOption = False,
) -> None:
    """A project's actions, newest first (``--status pending_approval``: the approval queue)."""
    scope = _project_id(project, project_id)
    actions = _run(
        lambda driver, settings, _: service.list_actions(
            driver=driver, settings=settings, project_id=scope, statuses=status, first=first
        )
    )
    if as_json:
        print(json.dumps([a.model_dump(mode="json") for a in actions]))
        return
    _print_actions(actions)


@remediation_app.command("approve")
@friendly_errors
def approve_cmd(
    action_id: Annotated[str, typer.Argument(help="the action id")], as_json: JsonOption = False
) -> None:
    """Approve a waiting (or failed) action: it executes now (run_workflow: its run starts, and
    the action stays approved until the run settles)."""
    action = _run(
        lambda driver, settings, events: flows.approve(
            driver=driver, settings=settings, events=events, action_id=action_id, decided_by="cli"
        ),
        with_events=True,
    )
    if as_json:
        print(json.dumps(action.model_dump(mode="json")))
        return
    Console().print(f"{action.id}: {action.status.value} {action.result_id or action.error or ''}")


@remediation_app.command("reject")
@friendly_errors
def reject_cmd(
    action_id: Annotated[str, typer.Argument(help="the action id")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a waiting (or failed) action."""
    action = _run(
        lambda driver, settings, events: flows.reject(
            driver=driver,
            settings=settings,
            events=events,
            action_id=action_id,
            reason=reason,
            decided_by="cli",
        ),
        with_events=True,
    )
    if as_json:
        print(json.dumps(action.model_dump(mode="json")))
        return
    Console().print(f"{action.id}: {action.status.value}")


@remediation_app.command("settle")
@friendly_errors
def settle_cmd(as_json: JsonOption = False) -> None:
    """Close the approved run_workflow actions whose run has settled (the worker does it every 5 s)."""
    closed = _run(
        lambda driver, settings, events: flows.settle_workflow_actions(
            driver=driver, settings=settings, events=events
        ),
        with_events=True,
    )
    if as_json:
        print(json.dumps({"settled": closed}))
        return
    Console().print(f"{closed} run_workflow action(s) settled")


@remediation_app.command("stats")
@friendly_errors
def stats_cmd(as_json: JsonOption = False) -> None:
    """The knowledge loop: experiences and success per action, and its recommendations' hit rate."""
    stats = _run(lambda driver, settings, _: loop.stats(driver=driver, settings=settings))
    if as_json:
        print(json.dumps(stats.model_dump(mode="json")))
        return
    hit = "-" if stats.hit_rate is None else f"{stats.hit_rate:.2f}"
    table = Table(
        title=f"{stats.experiences} experiences, {stats.judged} judged; hit rate {hit} "
        f"({stats.recommended_succeeded}/{stats.recommended_judged} recommended actions worked)"
    )
    for column in ("action", "experiences", "successes", "success rate"):
        table.add_column(column)
    for a in stats.by_action:
        rate = "-" if a.success_rate is None else f"{a.success_rate:.2f}"
        table.add_row(a.action.value, str(a.experiences), str(a.successes), rate)
    Console().print(table)
