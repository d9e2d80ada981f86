"""arq jobs of remediation: escalate approvals left waiting, close run_workflow actions whose run
has settled, and judge the knowledge loop's experiences whose delay has passed. Escalating and
judging are claims in one write and closing an action is a compare-and-set, so several workers on
one Redis (arq runs each cron tick once anyway) never escalate, close or judge twice."""

from __future__ import annotations

from typing import Any

from app.remediation import flows, loop


async def escalate_remediations_job(ctx: dict[str, Any]) -> int:
    """One ``remediation.escalated`` event per approval unanswered for remediation_escalate_after_s."""
    return await flows.escalate_waiting(
        driver=ctx["driver"], settings=ctx["settings"], events=ctx.get("events")
    )


async def settle_remediations_job(ctx: dict[str, Any]) -> int:
    """Approved run_workflow actions whose run settled (or overran remediation_workflow_timeout_s)
    become executed or failed."""
    return await flows.settle_workflow_actions(
        driver=ctx["driver"], settings=ctx["settings"], events=ctx.get("events")
    )


async def judge_experiences_job(ctx: dict[str, Any]) -> int:
    """Outcomes of the experiences whose remediation_outcome_delay_s has passed."""
    return await loop.judge_due(driver=ctx["driver"], settings=ctx["settings"])
