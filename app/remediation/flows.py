"""Multi-step remediation: turn a project's risky predictions into actions, execute them through
the domains that own the work (app/work, app/compliance, app/workflows, the event log), wait for a
person below the confidence threshold, escalate what waits too long, close run_workflow actions
once their run has settled (a cron, not the approving request), and feed the knowledge loop.

Every step publishes ``hub.<id>.remediation.<step>`` with the prediction's correlation id, so
``hub events --correlation-id`` shows one prediction's whole chain.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from neo4j import AsyncDriver

from app.compliance import service as compliance
from app.config import Settings
from app.events.service import EventService
from app.remediation import loop, service
from app.remediation.models import (
    ActionType,
    ProposalRun,
    RemediationAction,
    RemediationStatus,
)
from app.work import service as work
from ingest import ids

log = logging.getLogger(__name__)


def is_shadowed(settings: Settings, project_name: str | None, action: ActionType) -> bool:
    """Shadow mode from the ``remediation_shadow`` setting: "<project>:<action>", "*" for any.

    A plain setting rather than an OpenFeature provider: the hub has no flag service to talk to,
    the setting is read from the same place as every other knob (environment / HUB_HOME/.env),
    and an in-process OpenFeature provider fed by the settings would only add an indirection."""
    for entry in settings.remediation_shadow:
        project, _, kind = entry.partition(":")
        if project in ("*", project_name) and (kind or "*") in ("*", action.value):
            return True
    return False


def auto_threshold(settings: Settings, action: ActionType) -> float:
    """The confidence at which an action of this type runs without a person (above 1 = never)."""
    return float(settings.remediation_auto_confidence.get(action.value, 1.01))


def action_id(prediction_id: str, action: ActionType, window: int) -> str:
    return ids.stable_id("remediation", prediction_id, action.value, str(window))


async def propose_for_project(
    *,
    driver: AsyncDriver,
    settings: Settings,
    events: EventService | None,
    project_id: str,
    project_name: str | None = None,
    now: float | None = None,
) -> ProposalRun:
    """One action per prediction at or above ``remediation_min_probability`` (highest first, at
    most ``remediation_max_per_run``): the knowledge loop's recommendation, else the model type's
    default. Idempotent: the action id is a hash of (prediction, action, horizon window), so a
    re-run in the same window creates nothing and re-executes nothing."""
    moment = time.time() if now is None else now
    run = ProposalRun(
        project_id=project_id, considered=0, proposed=0, executed=0, pending=0, shadowed=0, failed=0
    )
    if settings.remediation_max_per_run == 0:
        return run
    candidates = await service.proposable_predictions(
        driver=driver, settings=settings, project_id=project_id, limit=settings.remediation_max_per_run
    )
    run.considered = len(candidates)
    rows = []
    recommenders: dict[str, loop.Recommender] = {}
    for prediction in candidates:
        model_type = prediction["modelType"]
        default = ActionType(settings.remediation_default_actions.get(model_type, ActionType.NOTIFY.value))
        if model_type not in recommenders:
            recommenders[model_type] = await loop.recommender(
                driver=driver, settings=settings, model_type=model_type
            )
        advice = recommenders[model_type].advise(prediction["features"])
        chosen = advice.action if advice.action is not None else default
        threshold = auto_threshold(settings, chosen)
        would_execute = prediction["confidence"] >= threshold
        shadow = is_shadowed(settings, project_name, chosen)
        window = int(moment // (max(1.0, float(prediction["horizonHours"])) * 3600))
        reason = (
            f"{prediction['modelType']} {prediction['probability']:.2f} for {prediction['targetPath']}"
            f" (confidence {prediction['confidence']:.2f}, auto at {threshold:.2f}); {advice.why}"
        )
        rows.append(
            {
                "id": action_id(prediction["id"], chosen, window),
                "predictionId": prediction["id"],
                "action": chosen.value,
                "reason": reason[:2_000],
                "shadow": shadow,
                "wouldExecute": would_execute,
                "projectId": project_id,
                "correlationId": prediction["correlationId"] or prediction["id"],
                "window": window,
                "recommended": advice.action is not None,
            }
        )
    created = await service.record_proposals(driver=driver, settings=settings, rows=rows)
    run.proposed = len(created)
    for row in rows:
        if row["id"] not in created:
            continue
        outcome = await _advance(driver=driver, settings=settings, events=events, row=row)
        if outcome == "shadow":
            run.shadowed += 1
        elif outcome == RemediationStatus.EXECUTED:
            run.executed += 1
        elif outcome == RemediationStatus.FAILED:
            run.failed += 1
        elif outcome == RemediationStatus.APPROVED:
            run.started += 1
        else:
            run.pending += 1
    return run


async def _advance(
    *, driver: AsyncDriver, settings: Settings, events: EventService | None, row: dict[str, Any]
) -> str:
    """From proposed: shadow (stays proposed, recorded only), auto-approved and executed, or waiting."""
    step = {
        "action": row["action"],
        "predictionId": row["predictionId"],
        "projectId": row["projectId"],
        "reason": row["reason"],
        "shadow": row["shadow"],
        "wouldExecute": row["wouldExecute"],
    }
    publish = {
        "events": events,
        "settings": settings,
        "action_id": row["id"],
        "correlation_id": row["correlationId"],
    }
    await service.publish_step(step="proposed", data=step, **publish)
    if row["shadow"]:
        await service.publish_step(step="shadowed", data=step, **publish)
        return "shadow"
    proposed = (RemediationStatus.PROPOSED,)
    if not row["wouldExecute"]:
        await service.set_status(
            driver=driver,
            settings=settings,
            action_id=row["id"],
            to=RemediationStatus.PENDING_APPROVAL,
            allowed_from=proposed,
        )
        await service.publish_step(step="pending_approval", data=step, **publish)
        return RemediationStatus.PENDING_APPROVAL
    await service.set_status(
        driver=driver,
        settings=settings,
        action_id=row["id"],
        to=RemediationStatus.APPROVED,
        allowed_from=proposed,
        decided_by="auto",
    )
    await service.publish_step(step="approved", data={**step, "decidedBy": "auto"}, **publish)
    action = await service.get_action(driver=driver, settings=settings, action_id=row["id"])
    return (await execute(driver=driver, settings=settings, events=events, action=action)).status


async def execute(
    *, driver: AsyncDriver, settings: Settings, events: EventService | None, action: RemediationAction
) -> RemediationAction:
    """Run an approved action through the domain that owns the work: executed or failed. A
    run_workflow action only starts its run: it stays approved with the execution linked (its
    ``resultId``) and ``settle_workflow_actions`` closes it once the run has settled."""
    target_id = action.prediction.target_id if action.prediction else None
    target = action.prediction.target_path if action.prediction else None
    publish = {
        "events": events,
        "settings": settings,
        "action_id": action.id,
        "correlation_id": action.correlation_id,
    }
    try:
        result_id = await _perform(
            driver=driver, settings=settings, events=events, action=action, target_id=target_id, target=target
        )
    except Exception as error:  # any failure of the owning domain: recorded, retried by approving again
        message = f"{type(error).__name__}: {error}"[:1_000]
        done = await _settle(
            driver=driver,
            settings=settings,
            events=events,
            action=action,
            to=RemediationStatus.FAILED,
            result_id=None,
            error=message,
        )
        return done or await service.get_action(driver=driver, settings=settings, action_id=action.id)
    if action.action is ActionType.RUN_WORKFLOW:
        await service.link_workflow_execution(
            driver=driver, settings=settings, action_id=action.id, execution_id=result_id
        )
        await service.publish_step(
            step="started",
            data={
                "action": action.action.value,
                "resultId": result_id,
                "workflow": settings.remediation_workflow,
                "target": target,
            },
            **publish,
        )
        return await service.get_action(driver=driver, settings=settings, action_id=action.id)
    if action.action in (ActionType.CREATE_TASK, ActionType.TRIGGER_AUDIT):
        await service.link_result(driver=driver, settings=settings, action_id=action.id, result_id=result_id)
    done = await _settle(
        driver=driver,
        settings=settings,
        events=events,
        action=action,
        to=RemediationStatus.EXECUTED,
        result_id=result_id,
    )
    return done or await service.get_action(driver=driver, settings=settings, action_id=action.id)


async def _settle(
    *,
    driver: AsyncDriver,
    settings: Settings,
    events: EventService | None,
    action: RemediationAction,
    to: RemediationStatus,
    result_id: str | None,
    error: str | None = None,
    expect_result_id: str | None = None,
) -> RemediationAction | None:
    """Approved → executed or failed (compare-and-set: of two callers one wins, the other gets
    None and does nothing more), the step event, and an executed action's experience."""
    changed = await service.set_status(
        driver=driver,
        settings=settings,
        action_id=action.id,
        to=to,
        allowed_from=(RemediationStatus.APPROVED,),
        result_id=result_id,
        error=error,
        expect_result_id=expect_result_id,
    )
    if not changed:
        return None
    publish = {
        "events": events,
        "settings": settings,
        "action_id": action.id,
        "correlation_id": action.correlation_id,
    }
    if to is RemediationStatus.FAILED:
        data = {"action": action.action.value, "error": error}
        if result_id:
            data["resultId"] = result_id
        await service.publish_step(step="failed", data=data, **publish)
        return await service.get_action(driver=driver, settings=settings, action_id=action.id)
    target = action.prediction.target_path if action.prediction else None
    await service.publish_step(
        step="executed",
        data={"action": action.action.value, "resultId": result_id, "target": target},
        **publish,
    )
    done = await service.get_action(driver=driver, settings=settings, action_id=action.id)
    await loop.record_experience(driver=driver, settings=settings, action=done)
    return done


async def _perform(
    *,
    driver: AsyncDriver,
    settings: Settings,
    events: EventService | None,
    action: RemediationAction,
    target_id: str | None,
    target: str | None,
) -> str:
    """The side effect itself; returns the id of what it produced."""
    factors = "; ".join(
        f.get("text", "") for f in (action.prediction.top_factors if action.prediction else [])
    )
    if action.action is ActionType.CREATE_TASK:
        task = await work.create_task(
            driver=driver,
            settings=settings,
            title=f"Reduce predicted risk: {target}"[:500],
            description=f"{action.reason}\nWhy: {factors}\nRemediation action {action.id}",
            labels=["remediation"],
        )
        return task.id
    if action.action is ActionType.TRIGGER_AUDIT:
        if not target_id:
            raise ValueError("the prediction has no target to audit")
        request = await compliance.request_audit(
            driver=driver,
            settings=settings,
            events=events,
            target_id=target_id,
            kind=settings.remediation_audit_kind,
        )
        return request.audit.id
    if action.action is ActionType.RUN_WORKFLOW:
        from app.workflows import flows as workflows  # NATS + the engine only where a workflow runs

        runtime = workflows.WorkflowRuntime(settings, driver, name="remediation")
        try:  # started, not awaited: settle_workflow_actions closes the action once the run settles
            execution = await workflows.run_workflow(
                runtime,
                settings.remediation_workflow,
                event={"remediationActionId": action.id, "targetId": target_id, "target": target},
                correlation_id=action.correlation_id,
            )
        finally:
            await runtime.close()
        return execution.id
    # notify: the event is the notification (anyone may follow hub.<id>.remediation.notify)
    if not await service.publish_step(
        events=events,
        settings=settings,
        action_id=action.id,
        step="notify",
        correlation_id=action.correlation_id,
        data={"target": target, "targetId": target_id, "reason": action.reason, "why": factors},
    ):
        raise RuntimeError("the notification could not be published")
    return f"remediation-{action.id}-notify"


async def approve(
    *, driver: AsyncDriver, settings: Settings, events: EventService | None, action_id: str, decided_by: str
) -> RemediationAction:
    """A person's approval: the action runs now (its result or failure is on the returned action;
    a run_workflow action comes back approved with its started execution as ``result_id``)."""
    action = await service.decide(
        driver=driver,
        settings=settings,
        action_id=action_id,
        to=RemediationStatus.APPROVED,
        reason=None,
        decided_by=decided_by,
    )
    await service.publish_step(
        events=events,
        settings=settings,
        action_id=action.id,
        step="approved",
        correlation_id=action.correlation_id,
        data={"action": action.action.value, "decidedBy": decided_by},
    )
    return await execute(driver=driver, settings=settings, events=events, action=action)


async def reject(
    *,
    driver: AsyncDriver,
    settings: Settings,
    events: EventService | None,
    action_id: str,
    reason: str | None,
    decided_by: str,
) -> RemediationAction:
    """A person's rejection: recorded (with the reason) and remembered by the knowledge loop."""
    action = await service.decide(
        driver=driver,
        settings=settings,
        action_id=action_id,
        to=RemediationStatus.REJECTED,
        reason=f"rejected: {reason}" if reason else None,
        decided_by=decided_by,
    )
    await service.publish_step(
        events=events,
        settings=settings,
        action_id=action.id,
        step="rejected",
        correlation_id=action.correlation_id,
        data={"action": action.action.value, "decidedBy": decided_by, "reason": reason},
    )
    await loop.record_experience(driver=driver, settings=settings, action=action)
    return action


async def escalate_waiting(*, driver: AsyncDriver, settings: Settings, events: EventService | None) -> int:
    """Approvals unanswered for ``remediation_escalate_after_s``: one escalation event each."""
    claimed = await service.claim_escalations(driver=driver, settings=settings)
    for row in claimed:
        await service.publish_step(
            events=events,
            settings=settings,
            action_id=row["id"],
            step="escalated",
            correlation_id=row["correlationId"],
            data={
                "action": row["action"],
                "projectId": row["projectId"],
                "predictionId": row["predictionId"],
                "waitingSince": row["waitingSince"],
            },
        )
    return len(claimed)


async def settle_workflow_actions(
    *, driver: AsyncDriver, settings: Settings, events: EventService | None, now: datetime | None = None
) -> int:
    """Close the approved run_workflow actions whose run has settled: succeeded → executed (with
    its experience), failed / cancelled → failed (the failing steps' errors in the message); a run
    not settled ``remediation_workflow_timeout_s`` after the approval → failed. One read finds them
    (the workflows projection of the executions; a run the projection has not caught up with is
    closed on a later call), and each change is a compare-and-set from approved, so callers racing
    (two workers, the CLI) close an action once and a second call changes nothing. Returns how many
    this call closed."""
    rows = await service.workflow_actions_to_settle(driver=driver, settings=settings, now=now)
    closed = 0
    for row in rows:
        action = await service.get_action(driver=driver, settings=settings, action_id=row["id"])
        if action.status is not RemediationStatus.APPROVED:
            continue  # closed meanwhile by another caller
        status, execution = row["executionStatus"], row["executionId"]
        workflow = row["workflow"] or settings.remediation_workflow
        if status == "succeeded":
            to, error = RemediationStatus.EXECUTED, None
        elif status is None:
            to = RemediationStatus.FAILED
            within = f"did not settle within {settings.remediation_workflow_timeout_s:g} s"
            error = (
                f"workflow {workflow!r} execution {execution} {within}"
                if execution
                else f"workflow {workflow!r} {within} (no execution was linked to the approval)"
            )
        else:
            to = RemediationStatus.FAILED
            steps = sorted(row["errors"] or [], key=lambda s: (s["status"] != "failed", s["step"] or ""))
            failed = [f"{s['step']}: {s['error']}" for s in steps][:3]
            error = f"workflow {workflow!r} execution {execution} ended {status}"
            error += f" ({'; '.join(failed)})" if failed else ""
        done = await _settle(
            driver=driver,
            settings=settings,
            events=events,
            action=action,
            to=to,
            result_id=execution,
            error=error[:1_000] if error else None,
            expect_result_id=execution,  # a re-approval's newer run is not closed by this one
        )
        closed += done is not None
    return closed
