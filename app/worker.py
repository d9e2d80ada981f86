"""The arq worker (``hub worker``): the hub's one home for background work, on Redis.

Whatever must happen once per hub runs here, never in the API processes (there may be several):
- the event handlers, as JetStream durable consumers (``app.events.consumers``): the domains'
  ``HandlerRouter``s (``app/graph/handlers.py``: ``hub.<id>.code.pushed`` → enqueue
  ``ingest_on_push``; ``app/federation/handlers.py``: ``hub.global.presence`` → ``(:Hub)``);
- periodic jobs (arq cron, second resolution; arq runs each tick once even with several
  workers on one Redis): this hub's presence every ``presence_interval_s`` (5 s) and marking
  silent hubs offline, Service health probes every ``health_interval_s`` (15 s), federation
  metrics every ``metrics_interval_s`` (30 s);
- the Neo4j ``(:Event)`` projection (``HUB_EVENTS_PROJECTOR=worker``).
``ingest_on_push`` runs an incremental ingest of the files changed between ``before`` and
``after`` and publishes ``hub.<id>.graph.updated`` (``app.graph.flows``). Jobs are handed ids
and paths, never objects, check their arguments again (anyone who can reach Redis can enqueue),
and use the driver and NATS connection opened once at start-up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path
from typing import Any

from arq import cron
from arq.connections import RedisSettings

from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.core.errors import InvalidInput
from app.events.consumers import DurableHandlers
from app.events.models import CodePushedData, null_commit
from app.events.projection import Projector
from app.events.service import BridgeContext, EventService, HandlerRouter
from app.federation import handlers as federation_handlers
from app.federation.service import mark_silent_hubs, metrics_event, presence_event
from app.graph import handlers as graph_handlers
from app.graph.flows import ingest_and_announce
from app.graph.jobs import ingest_repo, ingest_sync
from app.graph.service import push_project
from app.health.services_health import probe_services
from app.intelligence.jobs import predict_projects_job, retrain_projects_job
from app.remediation.jobs import escalate_remediations_job, judge_experiences_job, settle_remediations_job
from ingest.discovery import check_repo_files

log = logging.getLogger(__name__)
# Every event handler of the hub, one durable consumer each (see app.events.consumers).
HUB_HANDLERS = HandlerRouter(graph_handlers.router, federation_handlers.router)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    ctx["settings"] = settings
    ctx["driver"] = create_async_driver(settings)
    ctx["events"] = EventService(settings, service="worker")
    ctx["events"].start()
    ctx["state"] = {}
    from ingest.resident_cache import ResidentRepos  # tree-sitter loads on first use, not at import

    ctx["resident_repos"] = ResidentRepos(settings.ingest_resident_lines)  # pushes applied as deltas
    ctx["projector"] = None
    if settings.events_projector == "worker":
        ctx["projector"] = Projector(ctx["events"], ctx["driver"])
        ctx["projector"].start()
    bridge = BridgeContext(settings=settings, events=ctx["events"], driver=ctx["driver"], arq=ctx["redis"])
    ctx["handlers"] = DurableHandlers(bridge, HUB_HANDLERS)
    ctx["handlers"].start()


async def shutdown(ctx: dict[str, Any]) -> None:
    if ctx.get("handlers") is not None:
        await ctx["handlers"].stop()
    if ctx.get("projector") is not None:
        await ctx["projector"].stop()
    await ctx["events"].close()
    await ctx["driver"].close()


async def probe_services_job(ctx: dict[str, Any]) -> int:
    probed = await probe_services(ctx["driver"], settings=ctx["settings"], events=ctx["events"])
    return len(probed)


async def publish_metrics_job(ctx: dict[str, Any]) -> bool:
    events: EventService = ctx["events"]
    if not events.connected:
        return False
    event = await metrics_event(ctx["driver"], events=events, settings=ctx["settings"], state=ctx["state"])
    await events.publish(event)
    return True


async def presence_job(ctx: dict[str, Any]) -> dict[str, Any]:
    """This hub's heartbeat, then silent hubs marked offline (one tick, once per hub)."""
    events: EventService = ctx["events"]
    published = False
    if events.connected:
        try:
            await events.publish(await presence_event(ctx["driver"], events=events, settings=ctx["settings"]))
            published = True
        except Exception as error:
            log.info("presence not published: %s: %s", type(error).__name__, error)
    marked = await mark_silent_hubs(ctx["driver"], settings=ctx["settings"])
    return {"published": published, **marked}


async def changed_files(repo: str, before: str | None, after: str | None) -> list[str] | None:
    """Paths changed between two commits; None (everything, diffed by hash) for a new branch.
    The ids were checked as full commit ids; ``--end-of-options`` keeps them operands anyway."""
    if null_commit(before) or null_commit(after):
        return None
    assert before is not None and after is not None
    process = await asyncio.create_subprocess_exec(
        "git",
        "-C",
        repo,
        "diff",
        "--name-only",
        "--no-renames",
        "--end-of-options",
        before,
        after,
        "--",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, error = await process.communicate()
    if process.returncode != 0:
        log.warning("git diff %s..%s in %s failed: %s", before, after, repo, error.decode()[-300:])
        return None
    return [line for line in out.decode().splitlines() if line]


async def ingest_on_push(
    ctx: dict[str, Any],
    *,
    repo: str,
    project: str | None = None,
    before: str | None = None,
    after: str | None = None,
    ref: str | None = None,
    correlationid: str | None = None,
    causationid: str | None = None,
) -> dict[str, Any]:
    settings: Settings = ctx["settings"]
    # Defence in depth: the same checks as the handler that enqueued this job.
    push = CodePushedData(repo=repo, project=project, before=before, after=after, ref=ref)
    repo, name = await push_project(
        driver=ctx["driver"], settings=settings, repo=push.repo, project=push.project
    )
    files = await changed_files(repo, push.before, push.after)
    if files is not None:
        try:
            files = check_repo_files(Path(repo), files)
        except ValueError as error:
            raise InvalidInput(f"ingest_on_push: {error}") from None
    ingest = functools.partial(ingest_sync, settings, repo_path=repo, project=name, files=files,
                               driver=ctx.get("neo4j_sync_driver"),
                               residents=ctx.get("resident_repos"))  # fmt: skip
    outcome = await ingest_and_announce(
        driver=ctx["driver"], settings=settings, events=ctx["events"], ingest=ingest, repo=repo,
        always_announce=True, ref=ref, after=after, files=files, correlationid=correlationid,
        causationid=causationid,
    )  # fmt: skip
    return outcome.summary


def _every(seconds: float) -> set[int]:
    step = max(1, min(60, round(seconds)))
    return set(range(0, 60, step))


def worker_settings(settings: Settings) -> type:
    """The arq WorkerSettings for these settings (``hub worker`` passes them in)."""

    async def startup_with_settings(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        await startup(ctx)

    class WorkerSettings:
        functions = [ingest_repo, ingest_on_push]
        cron_jobs = [
            cron(
                probe_services_job, second=_every(settings.health_interval_s), run_at_startup=True, timeout=60
            ),
            cron(publish_metrics_job, second=_every(settings.metrics_interval_s), timeout=30),
            cron(presence_job, second=_every(settings.presence_interval_s), timeout=30),
            # issue 15: predictions every predict_interval_min, every project's model retrained weekly
            cron(
                predict_projects_job,
                minute=set(range(0, 60, settings.predict_interval_min)),
                second=0,
                timeout=1800,
            ),
            # remediation: unanswered approvals escalate; run_workflow actions close once their run
            # settled; experiences judged once their delay passed
            cron(escalate_remediations_job, second={0, 30}, timeout=120),
            cron(settle_remediations_job, second=_every(5), timeout=60),
            cron(judge_experiences_job, minute=set(range(0, 60, 10)), second=15, timeout=600),
            cron(
                retrain_projects_job,
                weekday=settings.predict_retrain_weekday,
                hour=3,
                minute=0,
                second=0,
                timeout=3600,
            ),
        ]
        redis_settings = RedisSettings.from_dsn(settings.redis_server_url)
        on_startup = startup_with_settings
        on_shutdown = shutdown
        job_timeout = 3600
        max_jobs = 4
        keep_result = 3600

    return WorkerSettings


def __getattr__(name: str) -> Any:
    """``arq app.worker.WorkerSettings`` works too: built on first access from the environment."""
    if name == "WorkerSettings":
        return worker_settings(get_settings())
    raise AttributeError(name)
