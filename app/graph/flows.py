"""Multi-step work of the graph domain, written once for every front door.

``ingest_and_announce`` is what both ``hub graph ingest`` (CLI) and the worker's ``ingest_on_push``
do after a repository changed: ingest it (incrementally), recompute the project's GDS communities
where the project has them (before the announcement, so that views redrawn on it group by current
communities), refresh its risk features where it has them (``app.intelligence.flows``), then
publish ``hub.<id>.graph.updated``. Later steps failing is a warning: the ingest
is written and consistent, only the grouping or the live redraw is stale.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.events.service import EventService
from app.intelligence import flows as intelligence_flows
from app.views import service as views_service

log = logging.getLogger(__name__)

SUMMARY_COUNTS = ("files_parsed", "files_deleted", "files_edges_refreshed", "symbols_written",
                  "edges_written", "commits_added", "seconds")  # fmt: skip


@dataclass
class IngestOutcome:
    summary: dict[str, Any]
    communities: int | None = None  # how many, when they were recomputed
    risk_features: int | None = None  # files whose risk features were refreshed
    announced: bool = False
    warnings: list[str] = field(default_factory=list)


def changed_anything(summary: dict[str, Any]) -> bool:
    return bool(summary.get("files_parsed") or summary.get("files_deleted") or summary.get("commits_added"))


def graph_updated_data(summary: dict[str, Any], *, repo: str, **extra: Any) -> dict[str, Any]:
    """The payload of ``hub.<id>.graph.updated``: which project changed and by how much."""
    counts = {key: summary.get(key) for key in SUMMARY_COUNTS}
    return {"project": summary["project"], "project_id": summary["project_id"],
            "repo_id": summary["repo_id"], "repo": repo, "counts": counts, **extra}  # fmt: skip


async def announce_ingest(
    events: EventService, *, settings: Settings, summary: dict[str, Any], repo: str, **fields: Any
) -> None:
    """Publish ``hub.<id>.graph.updated`` (VISLZR redraws on it); ``fields`` may carry
    correlationid/causationid and extra payload such as the pushed ref."""
    envelope = {k: fields.pop(k) for k in ("correlationid", "causationid") if k in fields}
    await events.publish(
        events.event(
            f"hub.{settings.hub_id}.graph.updated",
            graph_updated_data(summary, repo=repo, **fields),
            **envelope,
        )
    )


async def ingest_and_announce(
    *,
    driver: AsyncDriver,
    settings: Settings,
    events: EventService,
    ingest: Callable[[], dict[str, Any]],
    repo: str,
    communities: bool | None = None,
    always_announce: bool = False,
    ready_timeout_s: float = 30.0,
    **announce_fields: Any,
) -> IngestOutcome:
    """Ingest (``ingest`` runs in a thread: parsing fans out to processes), then communities, then
    the announcement.

    ``communities``: True recomputes them, False never, None where the project has them and the
    ingest changed something. The announcement goes out when something changed (or always, for a
    push: its sender waits for it); ``events`` is started by the caller and given
    ``ready_timeout_s`` to connect.
    """
    outcome = IngestOutcome(summary=await asyncio.to_thread(ingest))
    summary = outcome.summary
    changed = changed_anything(summary)
    database = settings.neo4j_database
    try:
        if communities is None:
            communities = changed and await views_service.has_communities(
                driver, database=database, project_id=summary["project_id"]
            )
        if communities:
            result = await views_service.compute_communities(
                driver, database=database, project_id=summary["project_id"]
            )
            outcome.communities = result.community_count
    except Exception as error:  # the ingest stands; views keep the previous communities
        outcome.warnings.append(f"GDS communities not recomputed ({type(error).__name__}: {error})")
    if changed:  # where the project has risk features, they follow the new code and history
        outcome.risk_features = await intelligence_flows.after_ingest(
            driver, database=database, project_id=summary["project_id"]
        )
    if changed or always_announce or outcome.communities is not None:
        extra = {} if outcome.communities is None else {"communities": outcome.communities}
        if outcome.risk_features is not None:
            extra["riskFeatures"] = outcome.risk_features
        try:
            await events.wait_ready(ready_timeout_s)
            await announce_ingest(events, settings=settings, summary=summary, repo=repo,
                                  **announce_fields, **extra)  # fmt: skip
            outcome.announced = True
        except Exception as error:
            outcome.warnings.append(
                f"graph.updated not published ({type(error).__name__}); open views refresh on their next poll"
            )
    for warning in outcome.warnings:
        log.warning("%s: %s", summary.get("project"), warning)
    return outcome
