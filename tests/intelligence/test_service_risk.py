"""service_failure_risk: features from HealthSample series (checked against a hand-computed
series), a flaky service scored above a healthy one (by the prior and by a learned model), and the
whole path through the graph: samples in Neo4j -> model -> (:Prediction)-[:ABOUT]->(:Service)
-> a notify remediation for the flaky one."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from neo4j import AsyncDriver, Driver

from app.config import Settings
from app.events.models import EventQuery
from app.events.service import EventService
from app.intelligence import flows
from app.intelligence.models import SERVICE_FEATURES, SERVICES_SCOPE
from app.intelligence.service_risk import (
    HOUR,
    NEVER_HOURS,
    PriorEstimator,
    Sample,
    service_features,
    train,
    training_dataset,
)
from app.remediation import flows as remediation
from app.remediation import service as remediation_service
from app.remediation.models import ActionType, RemediationStatus


def test_features_on_a_hand_computed_series() -> None:
    t = 1_000_000.0
    samples = [
        Sample(t - 7200, True, 100.0),  # outside the hour, inside 6 h and the day
        Sample(t - 3000, True, 110.0),
        Sample(t - 2000, False, None),
        Sample(t - 1000, True, 130.0),
        Sample(t - 10, False, None),
        Sample(t + 100, False, None),  # after T: never seen
    ]
    f = service_features(samples, t)
    assert f["samples24h"] == 5
    assert f["failureRate1h"] == pytest.approx(2 / 4)
    assert f["failureRate24h"] == pytest.approx(2 / 5)
    assert f["flaps1h"] == 3  # ok -> fail -> ok -> fail
    assert f["flaps24h"] == 3  # ok, ok, fail, ok, fail
    assert f["latencyMs1h"] == pytest.approx(120.0)
    assert f["latencyRatio"] == pytest.approx(120.0 / ((100 + 110 + 130) / 3))
    hours = np.array([-7200, -3000, -1000]) / HOUR
    assert f["latencySlope6h"] == pytest.approx(np.polyfit(hours, [100.0, 110.0, 130.0], 1)[0])
    assert f["hoursSinceFailure"] == pytest.approx(10 / HOUR)
    assert f["down"] == 1.0
    quiet = service_features([Sample(t - 60, True, 50.0)], t)
    assert quiet["hoursSinceFailure"] == NEVER_HOURS and quiet["down"] == 0.0 and quiet["flaps24h"] == 0
    assert set(f) == set(SERVICE_FEATURES)


def _series(*, now: float, days: float, step_s: int, fail_rate: float, seed: int) -> list[Sample]:
    """A check every ``step_s``; a flaky service fails in bursts (a failure makes the next check
    likelier to fail too), a healthy one never."""
    rng = random.Random(seed)
    out, failing, at = [], False, now - days * 86_400
    while at <= now:
        failing = rng.random() < (0.5 if failing else fail_rate)
        out.append(Sample(at, not failing, None if failing else 80.0 + rng.random() * 20))
        at += step_s
    return out


def test_flaky_scores_above_healthy_by_prior_and_learned_model() -> None:
    now = 2_000_000.0
    flaky = _series(now=now, days=3, step_s=300, fail_rate=0.08, seed=1)
    healthy = _series(now=now, days=3, step_s=300, fail_rate=0.0, seed=2)
    rows = [service_features(flaky, now), service_features(healthy, now)]

    prior = PriorEstimator().predict_proba(np.array([[r[n] for n in SERVICE_FEATURES] for r in rows]))[:, 1]
    assert prior[0] > prior[1]

    model = train(training_dataset({"flaky": flaky, "healthy": healthy}, now=now))
    assert model.kind == "logistic" and model.metrics["validated"]
    assert model.metrics["validation"]["logistic"]["rocAuc"] > 0.7
    flaky_p, healthy_p = model.probabilities(rows)
    assert flaky_p > healthy_p
    assert model.top_factors(rows[:1])[0], "a flaky service's score is explained"

    # a history without any failure cannot teach a model: the prior, said so
    calm = train(training_dataset({"healthy": healthy}, now=now))
    assert calm.kind == "prior" and calm.metrics["validated"] is False


def _store(driver: Driver, name: str, samples: list[Sample]) -> str:
    service_id = uuid.uuid4().hex
    driver.execute_query(
        "CREATE (s:Service {id: $id, name: $name, health: 'unknown'}) WITH s "
        "UNWIND $rows AS row CREATE (s)-[:HAS_SAMPLE]->(:HealthSample {id: row.id, time: datetime(row.time), "
        "ok: row.ok, latencyMs: row.latencyMs})",
        id=service_id,
        name=name,
        rows=[
            {
                "id": uuid.uuid4().hex,
                "time": datetime.fromtimestamp(s.time, UTC).isoformat(),
                "ok": s.ok,
                "latencyMs": s.latency_ms,
            }
            for s in samples
        ],
    )
    return service_id


async def test_service_predictions_in_the_graph_drive_a_notify(
    async_driver: AsyncDriver, driver: Driver, settings: Settings
) -> None:
    now = time.time()
    flaky_id = _store(
        driver, f"flaky-{uuid.uuid4().hex[:6]}", _series(now=now, days=2, step_s=300, fail_rate=0.08, seed=3)
    )
    healthy_id = _store(
        driver, f"calm-{uuid.uuid4().hex[:6]}", _series(now=now, days=2, step_s=300, fail_rate=0.0, seed=4)
    )

    run = await flows.predict_services(
        async_driver, database=settings.neo4j_database, home=settings.home, now=now
    )
    assert run.predictions >= 2
    records, _, _ = driver.execute_query(
        "MATCH (p:Prediction {modelType: 'service_failure_risk'})-[:ABOUT]->(s:Service) WHERE s.id IN $ids "
        "RETURN s.id AS id, p.probability AS p, p.modelKind AS kind, p.projectId AS scope",
        ids=[flaky_id, healthy_id],
    )
    by_id = {r["id"]: r for r in records}
    assert by_id[flaky_id]["p"] > by_id[healthy_id]["p"]
    assert by_id[flaky_id]["kind"] == "logistic" and by_id[flaky_id]["scope"] == SERVICES_SCOPE

    # remediation for services: the default action is notify; only the flaky one is risky enough
    tuned = settings.model_copy(
        update={
            "remediation_min_probability": (by_id[flaky_id]["p"] + by_id[healthy_id]["p"]) / 2,
            "remediation_auto_confidence": {**settings.remediation_auto_confidence, "notify": 0.0},
        }
    )
    events = EventService(settings, service="service-risk-test")
    await events.connect()
    try:
        await remediation.propose_for_project(
            driver=async_driver,
            settings=tuned,
            events=events,
            project_id=SERVICES_SCOPE,
            project_name=SERVICES_SCOPE,
        )
        actions = await remediation_service.list_actions(
            driver=async_driver, settings=settings, project_id=SERVICES_SCOPE
        )
        targets = {a.prediction.target_id: a for a in actions}
        assert healthy_id not in targets
        flaky = targets[flaky_id]
        assert flaky.action is ActionType.NOTIFY and flaky.status is RemediationStatus.EXECUTED
        page = await events.query(EventQuery(correlation_id=flaky.correlation_id), driver=async_driver)
        notes = [e for e in page.events if e.subject.endswith(".remediation.notify")]
        assert len(notes) == 1 and notes[0].data["targetId"] == flaky_id
    finally:
        await events.close()
