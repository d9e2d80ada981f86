"""The knowledge loop: recommendations by success among the nearest past contexts (generated
experiences where one action clearly works for one kind of context), then the whole loop in the
graph: a recommended action runs, a fix commit follows, the judge records success, and the hit
rate says the recommendation worked."""

from __future__ import annotations

import asyncio
import random
import time
import uuid

from neo4j import AsyncDriver, Driver
from remediation_factory import count, predict, seed_experiences, unused_files
from typer.testing import CliRunner

from app.cli.main import app as cli
from app.config import Settings
from app.remediation import flows, loop, service
from app.remediation.loop import MIN_EXPERIENCES, Recommender
from app.remediation.models import ActionType, RemediationStatus


def _contexts(seed: int) -> list[tuple[dict[str, float], str, bool]]:
    """Churny files (many recent commits, few fixes): create_task works, trigger_audit does not.
    Fix-prone files (few commits, many fixes): the other way round."""
    rng = random.Random(seed)
    rows = []
    for _ in range(40):
        churny = {"commits90": 40 + rng.random() * 10, "fixes": rng.random() * 2}
        fixy = {"commits90": rng.random() * 5, "fixes": 20 + rng.random() * 5}
        rows += [
            (churny, "create_task", rng.random() < 0.9),
            (churny, "trigger_audit", rng.random() < 0.1),
            (fixy, "trigger_audit", rng.random() < 0.9),
            (fixy, "create_task", rng.random() < 0.1),
        ]
    return rows


def test_nearest_contexts_pick_the_action_that_worked_there() -> None:
    rows = _contexts(1)
    experiences = [{"features": f, "action": a, "success": ok} for f, a, ok in rows]
    recommender = Recommender.build(experiences, k=15)
    churny = recommender.advise({"commits90": 44.0, "fixes": 1.0})
    fixy = recommender.advise({"commits90": 2.0, "fixes": 22.0})
    assert (
        churny.action is ActionType.CREATE_TASK
        and churny.rates["create_task"] > churny.rates["trigger_audit"]
    )
    assert fixy.action is ActionType.TRIGGER_AUDIT and fixy.rates["trigger_audit"] > fixy.rates["create_task"]
    assert "worked" in churny.why
    too_few = Recommender.build(experiences[: MIN_EXPERIENCES - 1], k=15).advise(
        {"commits90": 44.0, "fixes": 1.0}
    )
    assert too_few.action is None


async def test_the_loop_recommends_runs_judges_and_reports_its_hit_rate(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, risk_project: str
) -> None:
    seeded = seed_experiences(driver, _contexts(2))
    try:
        await _loop_round(async_driver, driver, settings, risk_project)
    finally:
        driver.execute_query("MATCH (e:Experience) WHERE e.id IN $ids DETACH DELETE e", ids=seeded)


async def _loop_round(
    async_driver: AsyncDriver, driver: Driver, settings: Settings, risk_project: str
) -> None:
    churny_file, rejected_file = unused_files(driver, risk_project, 2)
    project = f"loop-{uuid.uuid4().hex[:8]}"
    contexts = {
        churny_file: {"commits90": 45.0, "fixes": 0.5},
        rejected_file: {"commits90": 1.0, "fixes": 21.0},
    }
    await predict(async_driver, project, [(churny_file, 0.9, 0.95), (rejected_file, 0.88, 0.2)], contexts)
    # the default would be trigger_audit; the loop knows better for the churny file
    tuned = settings.model_copy(
        update={
            "remediation_default_actions": {"file_defect_risk": "trigger_audit"},
            "remediation_outcome_delay_s": 0,
        }
    )
    await flows.propose_for_project(driver=async_driver, settings=tuned, events=None, project_id=project)
    actions = {
        a.prediction.target_id: a
        for a in await service.list_actions(driver=async_driver, settings=settings, project_id=project)
    }
    ran, waiting = actions[churny_file], actions[rejected_file]
    assert (
        ran.action is ActionType.CREATE_TASK and ran.recommended and ran.status is RemediationStatus.EXECUTED
    )
    assert waiting.action is ActionType.TRIGGER_AUDIT and waiting.recommended
    await flows.reject(
        driver=async_driver, settings=tuned, events=None, action_id=waiting.id, reason="no", decided_by="t"
    )

    # a fix commit touches the churny file after the task was made; nothing touches the other
    later = int(time.time()) + 60
    driver.execute_query(
        "MATCH (f:File {id: $f}) CREATE (c:Commit {sha: $sha, time: datetime({epochSeconds: $t}), "
        "isFix: true, message: 'fix: the risky thing'})-[:MODIFIED {added: 1, deleted: 1}]->(f)",
        f=churny_file,
        sha=uuid.uuid4().hex,
        t=later,
    )
    before = await loop.stats(driver=async_driver, settings=settings)
    judged = await loop.judge_due(driver=async_driver, settings=tuned, now=later + 5)
    assert judged == 2
    assert await loop.judge_due(driver=async_driver, settings=tuned, now=later + 5) == 0  # judged once
    assert (
        count(
            driver,
            "MATCH (e:Experience)-[:FROM]->(:RemediationAction {id: $a}) WHERE e.success AND e.outcome "
            "RETURN count(e) AS n",
            a=ran.id,
        )
        == 1
    )
    assert (
        count(
            driver,
            "MATCH (e:Experience)-[:FROM]->(:RemediationAction {id: $a}) WHERE e.success = false "
            "RETURN count(e) AS n",
            a=waiting.id,
        )
        == 1
    )

    after = await loop.stats(driver=async_driver, settings=settings)
    # both experiences were recorded when decided; now both are judged
    assert after.experiences == before.experiences and after.judged == before.judged + 2
    assert (after.recommended_judged, after.recommended_succeeded) == (
        before.recommended_judged + 2,
        before.recommended_succeeded + 1,
    )
    assert after.hit_rate == round(after.recommended_succeeded / after.recommended_judged, 4)
    shown = await asyncio.to_thread(CliRunner().invoke, cli, ["remediation", "stats", "--json"])
    assert shown.exit_code == 0, shown.output
    assert (
        '"hit_rate"' in shown.stdout and f'"recommended_judged": {after.recommended_judged}' in shown.stdout
    )
