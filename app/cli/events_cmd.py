"""``hub events`` (query, follow, publish) and ``hub worker`` (the arq worker).

``hub events --since "1h ago" --until now --subject "hub.*.audit.*" [--correlation-id ID]
[--follow] [--format table|json]`` reads JetStream directly (no API needed); ``--follow`` goes on
with live events. ``hub events publish SUBJECT --data JSON`` is what the git hooks call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import friendly_errors
from app.config import get_settings, redact_url
from app.core.errors import InvalidInput

events_app = typer.Typer(help="Events on the NATS JetStream log", invoke_without_command=True)
console = Console(width=None if sys.stdout.isatty() else 200)  # piped output keeps whole subjects
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour|d|day|w|week)s?\s*(ago)?$", re.IGNORECASE)
_UNITS = {"s": "seconds", "sec": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "hour": "hours",
          "d": "days", "day": "days", "w": "weeks", "week": "weeks"}  # fmt: skip


def parse_time(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """``now``, ``15m ago``/``2h``/``3 days ago``, or an ISO 8601 date or time (UTC if no zone)."""
    if value is None or not value.strip():
        return None
    now = now or datetime.now(UTC)
    text = value.strip()
    if text.lower() == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"cannot read the time {value!r}", hint='use "1h ago", "30m", "now" or ISO 8601'
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _print(events: list[Any], fmt: str) -> None:
    if fmt == "json":
        for event in events:
            print(event.model_dump_json(exclude_none=True), flush=True)
        return
    table = Table("seq", "time", "subject", "correlation", "data", box=None)
    for event in events:
        data = json.dumps(event.data)[:60] if event.data is not None else ""
        table.add_row(str(event.seq or ""), event.time.isoformat(timespec="seconds"), event.subject,
                      event.correlationid[:16], data)  # fmt: skip
    console.print(table)


async def _query(subject: str, since: datetime | None, until: datetime | None, correlation_id: str | None,
                 limit: int, follow: bool, fmt: str) -> None:  # fmt: skip
    from app.events.models import EventQuery
    from app.events.service import EventService

    settings = get_settings()
    service = EventService(settings, service="cli")
    try:
        await asyncio.wait_for(service.connect(), 10)
    except Exception as error:
        from app.core.errors import DependencyUnavailable

        where = redact_url(settings.nats_server_url)
        message = f"NATS at {where} is not reachable ({error})"
        raise DependencyUnavailable(message, hint="run `hub up`") from None
    try:
        page = await service.query(EventQuery(subject=subject, since=since, until=until,
                                              correlation_id=correlation_id, limit=limit))  # fmt: skip
        _print(page.events, fmt)
        if follow:
            last = page.events[-1].seq if page.events else await service.last_seq()
            async for event in service.replay(subject, after_seq=last, follow=True):
                if correlation_id and event.correlationid != correlation_id:
                    continue
                _print([event], fmt)
    finally:
        await service.close()


@events_app.callback()
@friendly_errors
def events(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help='"1h ago", "30m", "now" or ISO 8601')] = None,
    until: Annotated[str | None, typer.Option(help="the same forms as --since")] = None,
    subject: Annotated[str, typer.Option(help="NATS pattern: * one token, > the rest")] = "hub.>",
    correlation_id: Annotated[str | None, typer.Option("--correlation-id")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="go on with live events")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Query stored events by subject, time and correlation id; --follow streams new ones."""
    if ctx.invoked_subcommand is not None:
        return
    if fmt not in {"table", "json"}:
        raise InvalidInput(f"--format is table or json, not {fmt!r}")
    from app.events.models import check_pattern

    check_pattern(subject)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_query(subject, parse_time(since), parse_time(until), correlation_id, limit, follow, fmt))


@events_app.command("publish")
@friendly_errors
def publish(
    subject: str,
    data: Annotated[str, typer.Option(help="the JSON payload")] = "null",
    event_id: Annotated[str | None, typer.Option("--id", help="fixed id: a retry is stored once")] = None,
    correlation_id: Annotated[str | None, typer.Option("--correlation-id")] = None,
    as_hook: Annotated[
        bool, typer.Option("--as-hook", help="as the git hooks' NATS user (may only publish code.pushed)")
    ] = False,
) -> None:
    """Publish one event (what the git hooks run, with --as-hook); prints the acknowledgement as JSON."""
    from app.events.models import PublishRequest
    from app.events.service import EventService

    try:
        payload = json.loads(data)
    except ValueError as error:
        raise InvalidInput(f"--data is not JSON: {error}") from None

    async def run() -> str:
        service = EventService(get_settings(), service="git-hook" if as_hook else "cli", as_hook=as_hook)
        await asyncio.wait_for(service.connect(), 10)
        try:
            request = PublishRequest(subject=subject, data=payload, id=event_id, correlationid=correlation_id)
            return (await service.publish(service.build(request))).model_dump_json()
        finally:
            await service.close()

    print(asyncio.run(run()))


def worker() -> None:
    """Run the worker: durable event handlers, Service health probes, presence, metrics, ingest on push."""
    from arq.worker import run_worker

    from app.worker import worker_settings

    run_worker(worker_settings(get_settings()))  # type: ignore[arg-type]
