"""The arq worker (``hub worker``): periodic jobs and event-triggered ones, on Redis.

The worker keeps the Neo4j ``(:Event)`` projection (``HUB_EVENTS_PROJECTOR=worker``), off the
API's serving path. Periodic (arq cron, second resolution): Service health probes every
``health_interval_s`` (15 s), federation metrics every ``metrics_interval_s`` (30 s), marking
silent hubs offline every ``presence_interval_s`` (5 s). Event-triggered: ``ingest_on_push``
(enqueued by the bridge for ``hub.<id>.code.pushed``) runs an incremental ingest of the files
changed between ``before`` and ``after`` and publishes ``hub.<id>.graph.updated`` with the
counts (recomputing the project's GDS communities first when it has them). Jobs are handed
ids and paths, never objects, and use the driver and NATS connection opened once at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq import cron
from arq.connections import RedisSettings

from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.events.service import EventService
from app.graph.jobs import announce_ingest, changed_anything, ingest_repo
from app.graph.views_service import refresh_communities
from app.intelligence import flows as intelligence_flows
from app.intelligence.jobs import predict_projects_job, retrain_projects_job

log = logging.getLogger(__name__)
NULL_SHA = "0" * 40


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


async def shutdown(ctx: dict[str, Any]) -> None:
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


async def mark_silent_hubs_job(ctx: dict[str, Any]) -> dict[str, Any]:
    from app.federation.service import mark_silent_hubs

    return await mark_silent_hubs(ctx["driver"], settings=ctx["settings"])


async def changed_files(repo: str, before: str | None, after: str | None) -> list[str] | None:
    """Paths changed between two commits; None (everything, diffed by hash) for a new branch."""
    if not before or not after or before == NULL_SHA or after == NULL_SHA:
        return None
    process = await asyncio.create_subprocess_exec(
        "git",
        "-C",
        repo,
        "diff",
        "--name-only",
        "--no-renames",
        before,
        after,
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
    name = project or repo.rstrip("/").rsplit("/", 1)[-1]
    files = await changed_files(repo, before, after)
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
        risk_files = await intelligence_flows.after_ingest(ctx["driver"], project_id=summary["project_id"])
        if risk_files is not None:
            extra["riskFeatures"] = risk_files
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
            cron(mark_silent_hubs_job, second=_every(settings.presence_interval_s), timeout=30),
            cron(
                predict_projects_job,
                minute=set(range(0, 60, settings.predict_interval_min)),
                second=0,
                timeout=1800,
            ),
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
