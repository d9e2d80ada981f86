"""All data access of the remediation domain: actions FOR predictions and their status changes,
the timeline and heat-map reads, escalation claims, the step events, and the experiences of the
knowledge loop.

Keyword-only functions handed the async driver and the settings; every query is a named file in
``cypher/remediation/`` run through ``run_named``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.core.db import run_named
from app.core.errors import InvalidInput, NotFound
from app.core.values import utc_now
from app.events.service import EventService
from app.remediation.models import (
    DECIDABLE,
    ActionType,
    FileRisk,
    PredictionRef,
    RemediationAction,
    RemediationStatus,
    TimelineEntry,
)

log = logging.getLogger(__name__)
MAX_LIST = 1_000


async def _run(
    driver: AsyncDriver, settings: Settings, name: str, /, *, write: bool = False, **params: Any
) -> list[dict[str, Any]]:
    records = await run_named(
        driver,
        f"remediation/{name}",
        database=settings.neo4j_database,
        timeout_s=settings.neo4j_query_timeout_s,
        write=write,
        **params,
    )
    return [record.data() for record in records]


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


def _factors(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return list(raw) if isinstance(raw, list) else []


def _action(row: dict[str, Any]) -> RemediationAction:
    a, p = row["action"], row.get("prediction")
    prediction = None
    if p:
        prediction = PredictionRef(
            id=p["id"],
            model_type=p.get("modelType", ""),
            probability=float(p.get("probability") or 0.0),
            confidence=float(p.get("confidence") or 0.0),
            top_factors=_factors(p.get("topFactors")),
            created_at=_native(p.get("createdAt")),
            target_id=row.get("targetId"),
            target_path=row.get("targetPath"),
        )
    return RemediationAction(
        id=a["id"],
        project_id=a.get("projectId", ""),
        action=ActionType(a["action"]),
        status=RemediationStatus(a["status"]),
        reason=a.get("reason") or "",
        shadow=bool(a.get("shadow")),
        would_execute=bool(a.get("wouldExecute")),
        recommended=bool(a.get("recommended")),
        correlation_id=a.get("correlationId") or "",
        created_at=_native(a.get("createdAt")),
        updated_at=_native(a.get("updatedAt")),
        escalated_at=_native(a.get("escalatedAt")),
        result_id=a.get("resultId"),
        error=a.get("error"),
        prediction=prediction,
    )


# --- reads -------------------------------------------------------------------------------------


async def list_actions(
    *,
    driver: AsyncDriver,
    settings: Settings,
    project_id: str,
    statuses: Sequence[RemediationStatus] | None = None,
    first: int = 100,
) -> list[RemediationAction]:
    if not 1 <= first <= MAX_LIST:
        raise InvalidInput(f"first must be 1-{MAX_LIST}")
    rows = await _run(
        driver,
        settings,
        "actions",
        projectId=project_id,
        statuses=[RemediationStatus(s).value for s in statuses] if statuses else None,
        limit=first,
    )
    return [_action(row) for row in rows]


async def get_action(*, driver: AsyncDriver, settings: Settings, action_id: str) -> RemediationAction:
    rows = await _run(driver, settings, "action", id=action_id)
    if not rows:
        raise NotFound(f"no remediation action {action_id!r}", hint="hub remediation list")
    return _action(rows[0])


async def timeline(
    *, driver: AsyncDriver, settings: Settings, project_id: str, first: int = 200
) -> list[TimelineEntry]:
    """Predictions and remediation steps in time order (oldest first), the newest ``first``."""
    if not 1 <= first <= MAX_LIST:
        raise InvalidInput(f"first must be 1-{MAX_LIST}")
    rows = await _run(driver, settings, "timeline", projectId=project_id, limit=first)
    entries = []
    for row in reversed(rows):
        if row["at"] is None:
            continue
        if row["kind"] == "prediction":
            event, summary = (
                "predicted",
                f"{row['modelType']} {row['probability']:.2f} for {row['targetPath']}",
            )
        else:
            event = row["status"]
            summary = f"{row['action']} {row['status']}: {row['reason'] or ''}".strip()
        entries.append(
            TimelineEntry(
                at=_native(row["at"]),
                kind=row["kind"],
                event=event,
                prediction_id=row["predictionId"],
                action_id=row["actionId"],
                action=ActionType(row["action"]) if row["action"] else None,
                status=RemediationStatus(row["status"]) if row["status"] else None,
                target_path=row["targetPath"],
                probability=row["probability"],
                summary=summary,
            )
        )
    return entries


async def file_risks(
    *, driver: AsyncDriver, settings: Settings, project_id: str, first: int = 10_000
) -> list[FileRisk]:
    if not 1 <= first <= 50_000:
        raise InvalidInput("first must be 1-50000")
    rows = await _run(driver, settings, "file_risks", projectId=project_id, limit=first)
    return [
        FileRisk(
            file_id=row["fileId"],
            path=row["path"],
            lines=int(row["lines"] or 0),
            probability=float(row["probability"] or 0.0),
            confidence=float(row["confidence"] or 0.0),
            top_factors=_factors(row["topFactors"]),
        )
        for row in rows
    ]


async def proposable_predictions(
    *, driver: AsyncDriver, settings: Settings, project_id: str, limit: int
) -> list[dict[str, Any]]:
    rows = await _run(
        driver,
        settings,
        "proposable_predictions",
        projectId=project_id,
        minProbability=settings.remediation_min_probability,
        limit=max(1, limit),
    )
    for row in rows:
        row["features"] = json.loads(row["features"] or "{}")
        row["topFactors"] = _factors(row["topFactors"])
    return rows


# --- writes ------------------------------------------------------------------------------------


async def record_proposals(
    *, driver: AsyncDriver, settings: Settings, rows: Sequence[dict[str, Any]]
) -> set[str]:
    """Create the proposed actions that do not exist yet; the ids of those created by this call."""
    if not rows:
        return set()
    run_id = uuid.uuid4().hex
    found = await _run(
        driver, settings, "propose_actions", write=True, rows=list(rows), now=utc_now(), runId=run_id
    )
    return {row["id"] for row in found if row["created"]}


async def set_status(
    *,
    driver: AsyncDriver,
    settings: Settings,
    action_id: str,
    to: RemediationStatus,
    allowed_from: Sequence[RemediationStatus],
    reason: str | None = None,
    decided_by: str | None = None,
    result_id: str | None = None,
    error: str | None = None,
    expect_result_id: str | None = None,
) -> bool:
    """Compare-and-set: False when the action was not in one of ``allowed_from`` (or, given
    ``expect_result_id``, no longer pointed at that result)."""
    rows = await _run(
        driver,
        settings,
        "set_status",
        write=True,
        id=action_id,
        to=RemediationStatus(to).value,
        **{"from": [RemediationStatus(s).value for s in allowed_from]},
        reason=reason,
        decidedBy=decided_by,
        resultId=result_id,
        error=error,
        expectResultId=expect_result_id,
        now=utc_now(),
    )
    return bool(rows)


async def link_result(*, driver: AsyncDriver, settings: Settings, action_id: str, result_id: str) -> None:
    await _run(driver, settings, "link_result", write=True, id=action_id, resultId=result_id)


async def link_workflow_execution(
    *, driver: AsyncDriver, settings: Settings, action_id: str, execution_id: str
) -> None:
    """(action)-[:PRODUCED]->(:WorkflowExecution) and the action's resultId, written as the run
    starts (not left to the projector's lag); the execution is the current approval's run."""
    await _run(
        driver,
        settings,
        "link_workflow_execution",
        write=True,
        id=action_id,
        resultId=execution_id,
        now=utc_now(),
    )


async def workflow_actions_to_settle(
    *, driver: AsyncDriver, settings: Settings, now: datetime | None = None, limit: int = 1_000
) -> list[dict[str, Any]]:
    """Approved run_workflow actions whose current execution has settled in the projection, and
    those approved more than ``remediation_workflow_timeout_s`` ago (``executionStatus`` None when
    their run has not settled). Rows: id, executionId, executionStatus, workflow,
    errors ({step, status, error} of the steps that reported one)."""
    moment = now or datetime.now(UTC)
    cutoff = datetime.fromtimestamp(moment.timestamp() - settings.remediation_workflow_timeout_s, UTC)
    return await _run(
        driver, settings, "workflow_actions_to_settle", cutoff=cutoff.isoformat(), limit=max(1, limit)
    )


async def decide(
    *,
    driver: AsyncDriver,
    settings: Settings,
    action_id: str,
    to: RemediationStatus,
    reason: str | None,
    decided_by: str,
) -> RemediationAction:
    """A person's approve / reject: only an action waiting for approval (or one that failed) may be
    decided, and a shadow action never (it exists to show what would have happened)."""
    current = await get_action(driver=driver, settings=settings, action_id=action_id)
    if current.shadow:
        raise InvalidInput(f"action {action_id} was recorded in shadow mode; there is nothing to decide")
    if reason is not None and len(reason) > 2_000:
        raise InvalidInput("reason: at most 2000 characters")
    changed = await set_status(
        driver=driver,
        settings=settings,
        action_id=action_id,
        to=to,
        allowed_from=DECIDABLE,
        reason=reason,
        decided_by=decided_by,
    )
    if not changed:
        raise InvalidInput(
            f"action {action_id} is {current.status.value}; "
            "only pending_approval or failed actions can be decided"
        )
    return await get_action(driver=driver, settings=settings, action_id=action_id)


async def claim_escalations(
    *, driver: AsyncDriver, settings: Settings, now: datetime | None = None
) -> list[dict[str, Any]]:
    moment = now or datetime.now(UTC)
    cutoff = datetime.fromtimestamp(moment.timestamp() - settings.remediation_escalate_after_s, UTC)
    return await _run(
        driver,
        settings,
        "claim_escalations",
        write=True,
        cutoff=cutoff.isoformat(),
        now=moment.isoformat(),
        limit=1_000,
    )


# --- events ------------------------------------------------------------------------------------


def step_subject(settings: Settings, step: str) -> str:
    return f"hub.{settings.hub_id}.remediation.{step}"


async def publish_step(
    *,
    events: EventService | None,
    settings: Settings,
    action_id: str,
    step: str,
    correlation_id: str,
    data: dict[str, Any],
) -> bool:
    """``hub.<id>.remediation.<step>`` with the prediction's correlation id. The event id is
    derived from (action, step), so a step retried is stored once. The graph is the record: a
    publish that fails is logged and the action goes on (the event is a notification of it)."""
    if events is None or not events.connected:
        log.warning("remediation %s %s: no event connection; not published", action_id, step)
        return False
    try:
        await events.publish(
            events.event(
                step_subject(settings, step),
                {"actionId": action_id, "step": step, **data},
                id=f"remediation-{action_id}-{step}",
                correlationid=correlation_id,
            )
        )
    except Exception as error:  # transport failure: the graph keeps the step
        log.warning("remediation %s %s not published: %s", action_id, step, error)
        return False
    return True
