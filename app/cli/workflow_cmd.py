"""``hub workflow apply|run|logs|list|cancel|worker`` and ``hub agent list|register|invoke``.

They talk to NATS (the workflow state) and Neo4j directly, like ``hub events``: no API needed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import friendly_errors
from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.core.errors import InvalidInput

workflow_app = typer.Typer(help="Workflows: DAGs of agent steps run on events", no_args_is_help=True)
agent_app = typer.Typer(help="Agents: who does a workflow step's work", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 200)
R = TypeVar("R")


def _with_runtime(work: Callable[[Any], Awaitable[R]]) -> R:
    from app.workflows.flows import WorkflowRuntime

    settings = get_settings()

    async def main() -> R:
        driver = create_async_driver(settings)
        runtime = WorkflowRuntime(settings, driver, name="hub-cli")
        try:
            return await work(runtime)
        finally:
            await runtime.close()
            await driver.close()

    return asyncio.run(main())


def _json_arg(name: str, value: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{name} is not valid JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"{name} must be a JSON object")
    return parsed


@workflow_app.command("apply")
@friendly_errors
def apply(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Validate a workflow YAML (schema, agents, cycles, CEL) and store it; nothing on error."""
    from app.workflows.flows import apply_workflow

    text = file.read_text()
    workflow = _with_runtime(lambda runtime: apply_workflow(runtime, text))
    if as_json:
        print(workflow.model_dump_json(by_alias=True))
    else:
        console.print(f"[green]applied[/] {workflow.name}: {len(workflow.steps)} steps")


@workflow_app.command("run")
@friendly_errors
def run(
    name: str,
    event: Annotated[str | None, typer.Option("--event", help="the triggering event, JSON")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="print the execution id and return")] = False,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the result")] = 3600.0,
) -> None:
    """Start an execution; unless --no-wait, wait and print the final status (exit 1 if not
    succeeded)."""
    from app.workflows.flows import run_workflow, wait_for

    payload = _json_arg("--event", event)

    async def work(runtime: Any) -> Any:
        execution = await run_workflow(runtime, name, event=payload)
        if no_wait:
            return execution
        if not as_json:
            console.print(f"execution {execution.id} started")
        return await wait_for(runtime, execution.id, timeout_s=timeout)

    result = _with_runtime(work)
    if no_wait:
        print(json.dumps({"id": result.id, "status": result.status.value}) if as_json else result.id)
        return
    if as_json:
        print(result.model_dump_json())
    else:
        _print_view(result)
    if result.execution.status.value != "succeeded":
        raise typer.Exit(1)


def _print_view(view: Any) -> None:
    execution = view.execution
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(
        execution.status.value, "blue"
    )
    console.print(f"{execution.id} {execution.workflow}: [{colour}]{execution.status.value}[/]")
    table = Table("step", "status", "attempts", "summary", box=None)
    for step in view.steps:
        table.add_row(
            step.step_id,
            step.status.value,
            str(step.attempts),
            str(step.output.get("summary") or step.error or ""),
        )
    console.print(table)
    for warning in execution.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


@workflow_app.command("show")
@friendly_errors
def show(execution_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """An execution and its step results."""

    async def work(runtime: Any) -> Any:
        return await (await runtime.connect()).store.view(execution_id)

    view = _with_runtime(work)
    print(view.model_dump_json()) if as_json else _print_view(view)


@workflow_app.command("list")
@friendly_errors
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Applied workflows and their latest executions."""

    async def work(runtime: Any) -> Any:
        engine = await runtime.connect()
        return await engine.store.list_definitions(), await engine.store.list_executions(limit=20)

    workflows, executions = _with_runtime(work)
    if as_json:
        print(
            json.dumps(
                {
                    "workflows": [w.model_dump(by_alias=True) for w in workflows],
                    "executions": [e.model_dump(mode="json", exclude={"definition"}) for e in executions],
                }
            )
        )
        return
    table = Table("workflow", "trigger", "steps", box=None)
    for w in workflows:
        table.add_row(w.name, w.trigger.event if w.trigger else "", " ".join(s.id for s in w.steps))
    console.print(table)
    runs = Table("execution", "workflow", "status", "started", box=None)
    for e in executions:
        runs.add_row(e.id, e.workflow, e.status.value, e.started_at)
    console.print(runs)


@workflow_app.command("cancel")
@friendly_errors
def cancel(execution_id: str) -> None:
    """Cancel an execution: running steps stop at their next heartbeat, no new step starts."""

    async def work(runtime: Any) -> Any:
        return await (await runtime.connect()).cancel(execution_id)

    execution = _with_runtime(work)
    console.print(f"{execution.id}: {execution.status.value}")


@workflow_app.command("logs")
@friendly_errors
def logs(execution_id: str, follow: Annotated[bool, typer.Option("--follow", "-f")] = False) -> None:
    """The execution's log events (hub.<id>.workflow.log with its correlation id)."""
    from app.events.models import EventQuery
    from app.workflows.models import TERMINAL

    settings = get_settings()

    async def work(runtime: Any) -> None:
        engine = await runtime.connect()
        execution = await engine.store.get_execution(execution_id)
        query = EventQuery(
            subject=f"hub.{settings.hub_id}.workflow.log",
            correlation_id=execution.correlation_id,
            limit=10_000,
        )
        seen: set[str] = set()
        following = follow
        while True:
            page = await runtime.events.query(query, driver=runtime.driver)
            for event in page.events:
                data = event.data if isinstance(event.data, dict) else {}
                if event.id in seen or data.get("executionId") != execution_id:
                    continue
                seen.add(event.id)
                step = f"[{data.get('stepId')}] " if data.get("stepId") else ""
                print(
                    f"{event.time.isoformat(timespec='milliseconds')} {data.get('level', 'info'):7} {step}"
                    f"{data.get('message', '')}",
                    flush=True,
                )
            if not following:
                return
            if (await engine.store.get_execution(execution_id)).status in TERMINAL:
                following = False  # one last read after it settled, then stop
                continue
            await asyncio.sleep(0.5)

    _with_runtime(work)


@workflow_app.command("worker")
@friendly_errors
def worker(concurrency: Annotated[int | None, typer.Option(min=1, max=1024)] = None) -> None:
    """Run a workflow worker (start as many as you like, on any machine reaching NATS)."""
    import logging

    from app.workflows.flows import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()

    async def main() -> None:
        driver = create_async_driver(settings)
        try:
            await run_worker(settings, driver, concurrency=concurrency)
        finally:
            await driver.close()

    asyncio.run(main())


# --- agents -------------------------------------------------------------------------------------
def _with_driver(work: Callable[[Any, Settings], Awaitable[R]]) -> R:
    settings = get_settings()

    async def main() -> R:
        driver = create_async_driver(settings)
        try:
            return await work(driver, settings)
        finally:
            await driver.close()

    return asyncio.run(main())


@agent_app.command("list")
@friendly_errors
def agent_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Built-in and registered agents (never their credentials)."""
    from app.agents.service import list_agents

    found = _with_driver(lambda driver, settings: list_agents(driver=driver, settings=settings))
    if as_json:
        print(json.dumps([a.model_dump(mode="json") for a in found]))
        return
    table = Table("name", "type", "capabilities", "endpoint", "active", box=None)
    for a in found:
        table.add_row(
            a.name, a.type.value, ", ".join(a.capabilities), a.endpoint, "yes" if a.active else "no"
        )
    console.print(table)


@agent_app.command("register")
@friendly_errors
def agent_register(
    name: str,
    endpoint: Annotated[str, typer.Option(help="nats:<service name> or an http(s) URL")],
    agent_type: Annotated[str, typer.Option("--type")] = "api_tool",
    capability: Annotated[list[str] | None, typer.Option("--capability", "-c")] = None,
    credentials: Annotated[str | None, typer.Option(help="JSON object; stored encrypted")] = None,
    inactive: Annotated[bool, typer.Option("--inactive")] = False,
) -> None:
    """Register (or update) an agent."""
    from pydantic import ValidationError

    from app.agents.models import AgentRegistration
    from app.agents.service import register_agent

    try:
        registration = AgentRegistration(
            name=name,
            type=agent_type,
            endpoint=endpoint,
            capabilities=capability or [],
            active=not inactive,
            credentials=_json_arg("--credentials", credentials) if credentials else None,
        )
    except ValidationError as error:
        raise InvalidInput(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        ) from None
    agent = _with_driver(
        lambda driver, settings: register_agent(driver=driver, settings=settings, registration=registration)
    )
    console.print(f"[green]registered[/] {agent.name} ({agent.endpoint})")


@agent_app.command("invoke")
@friendly_errors
def agent_invoke(
    name: str,
    params: Annotated[str | None, typer.Option("--with", help="the step's `with`, JSON")] = None,
    timeout: Annotated[float, typer.Option()] = 600.0,
) -> None:
    """Run one agent once and print its verdict (JSON); findings are not recorded."""
    import nats

    from app.agents.models import AgentRequest
    from app.agents.service import invoke

    request = AgentRequest(agent=name, params=_json_arg("--with", params))

    async def work(driver: Any, settings: Settings) -> Any:
        nc = await nats.connect(settings.nats_server_url, connect_timeout=2, max_reconnect_attempts=1)
        try:
            return await invoke(driver=driver, settings=settings, nc=nc, request=request, timeout_s=timeout)
        finally:
            await nc.close()

    result = _with_driver(work)
    print(result.model_dump_json(indent=2))
    if result.status.value == "error":
        raise typer.Exit(1)
