"""The arq worker (``hub worker``): the hub's one home for background work, on Redis.

Whatever must happen once per hub runs here, never in the API processes (there may be several):
- the event handlers, as JetStream durable consumers (``app.events.consumers``):
  ``hub.<id>.code.pushed`` → enqueue ``ingest_on_push``; ``hub.global.presence`` → the
  ``(:Hub)`` registry;
- periodic jobs (arq cron, second resolution; arq runs each tick once even with several
  workers on one Redis): this hub's presence every ``presence_interval_s`` (5 s) and marking
  silent hubs offline, Service health probes every ``health_interval_s`` (15 s), federation
  metrics every ``metrics_interval_s`` (30 s);
- the Neo4j ``(:Event)`` projection (``HUB_EVENTS_PROJECTOR=worker``).
``ingest_on_push`` runs an incremental ingest of the files changed between ``before`` and
``after`` and publishes ``hub.<id>.graph.updated`` with the counts (recomputing the project's
GDS communities first when it has them). Jobs are handed ids and paths, never objects, check
their arguments again (anyone who can reach Redis can enqueue), and use the driver and NATS
connection opened once at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq import cron
from arq.connections import RedisSettings

from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.events.consumers import DurableHandlers
from app.events.handlers import BridgeContext, HandlerRouter
from app.events.models import CodePushedData, Event, null_commit
from app.events.service import EventService
from app.federation.handlers import record_presence_event
from app.graph.handlers import enqueue_push_ingest
from app.graph.jobs import announce_ingest, changed_anything, ingest_repo
from app.graph.service import push_project
from app.graph.views_service import refresh_communities

log = logging.getLogger(__name__)


def hub_handlers() -> HandlerRouter:
    """Every event handler of the hub, one durable consumer each (the names are durable: renaming
    one starts a new consumer from new events)."""
    router = HandlerRouter()

    @router.on("hub.{hub_id}.code.pushed", name="code-pushed")
    async def on_code_pushed(event: Event, ctx: BridgeContext) -> None:
        await enqueue_push_ingest(event, driver=ctx.driver, settings=ctx.settings, arq=ctx.arq)

    @router.on("hub.global.presence", name="presence")
    async def on_presence(event: Event, ctx: BridgeContext) -> None:
        await record_presence_event(event, driver=ctx.driver, settings=ctx.settings)

    return router


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    ctx["settings"] = settings
    ctx["driver"] = create_async_driver(settings)
    ctx["events"] = EventService(settings, service="worker")
    ctx["events"].start()
    ctx["state"] = {}
    ctx["projector"] = None
    if settings.events_projector == "worker":
        from app.events.projection import Projector

        ctx["projector"] = Projector(ctx["events"], ctx["driver"])
        ctx["projector"].start()
    bridge = BridgeContext(settings=settings, events=ctx["events"], driver=ctx["driver"], arq=ctx["redis"])
    ctx["handlers"] = DurableHandlers(bridge, hub_handlers())
    ctx["handlers"].start()


async def shutdown(ctx: dict[str, Any]) -> None:
    if ctx.get("handlers") is not None:
        await ctx["handlers"].stop()
    if ctx.get("projector") is not None:
        await ctx["projector"].stop()
    await ctx["events"].close()
    await ctx["driver"].close()


async def probe_services_job(ctx: dict[str, Any]) -> int:
    from app.health.services_health import probe_services

    probed = await probe_services(ctx["driver"], settings=ctx["settings"], events=ctx["events"])
    return len(probed)


async def publish_metrics_job(ctx: dict[str, Any]) -> bool:
    from app.federation.service import metrics_event

    events: EventService = ctx["events"]
    if not events.connected:
        return False
    event = await metrics_event(ctx["driver"], events=events, settings=ctx["settings"], state=ctx["state"])
    await events.publish(event)
    return True


async def presence_job(ctx: dict[str, Any]) -> dict[str, Any]:
    """This hub's heartbeat, then silent hubs marked offline (one tick, once per hub)."""
    from app.federation.service import mark_silent_hubs, presence_event

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
    summary = await ingest_repo(ctx, repo_path=repo, project=name, files=files)
    extra: dict[str, Any] = {}
    if changed_anything(summary):
        # Before the announcement, so that views redrawn on it group by current communities.
        try:
            communities = await refresh_communities(ctx["driver"], project_id=summary["project_id"])
        except Exception as error:  # the ingest stands; views keep the previous communities
            log.warning("communities of %s not recomputed: %s", summary["project"], error)
        else:
            if communities is not None:
                extra["communities"] = communities.community_count
    events: EventService = ctx["events"]
    await events.wait_ready(30)
    await announce_ingest(events, settings=settings, summary=summary, repo=repo, ref=ref, after=after,
                          files=files, correlationid=correlationid, causationid=causationid,
                          **extra)  # fmt: skip
    return summary


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
