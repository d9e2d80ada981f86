"""The knowledge loop: every executed or rejected action is an ``(:Experience)`` (the prediction's
feature vector, the action, the decision); after ``remediation_outcome_delay_s`` a cron judges it
(did the file get a fix commit / is the service up again); a new prediction's actions are ranked
by their success rate among the k nearest judged experiences (standardised feature vectors,
scikit-learn ``NearestNeighbors``). Success = the action ran and the outcome followed; a rejected
action counts as a failure of that action (a person judged it wrong for that context).

scikit-learn is imported only when there are experiences to vote (it is slow to import).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.remediation.models import ActionStats, ActionType, LoopStats, RemediationAction, RemediationStatus
from app.remediation.service import _run as _run  # the package's one query runner
from ingest import ids

# Fewer judged experiences than this and the loop abstains (the default action is used).
MIN_EXPERIENCES = 5


@dataclass
class Advice:
    action: ActionType | None  # None: no opinion (too few neighbours)
    why: str
    rates: dict[str, float] = field(default_factory=dict)


@dataclass
class Recommender:
    """The judged experiences of one model type, indexed once for a run of recommendations."""

    keys: list[str]
    actions: list[str]
    successes: list[bool]
    index: Any = None  # (scaler, NearestNeighbors) when there are enough experiences
    k: int = 15

    @classmethod
    def build(cls, experiences: Sequence[dict[str, Any]], *, k: int) -> Recommender:
        vectors = [
            json.loads(e["features"]) if isinstance(e["features"], str) else e["features"]
            for e in experiences
        ]
        keys = sorted(set().union(*(v.keys() for v in vectors))) if vectors else []
        built = cls(
            keys=keys,
            actions=[e["action"] for e in experiences],
            successes=[bool(e["success"]) for e in experiences],
            k=k,
        )
        if len(experiences) >= MIN_EXPERIENCES and keys:
            import numpy as np
            from sklearn.neighbors import NearestNeighbors
            from sklearn.preprocessing import StandardScaler

            matrix = np.array([[float(v.get(key) or 0.0) for key in keys] for v in vectors])
            scaler = StandardScaler().fit(matrix)
            neighbours = NearestNeighbors(n_neighbors=min(k, len(matrix))).fit(scaler.transform(matrix))
            built.index = (scaler, neighbours)
        return built

    def advise(self, features: dict[str, Any]) -> Advice:
        if self.index is None:
            return Advice(None, f"knowledge loop: fewer than {MIN_EXPERIENCES} judged experiences")
        import numpy as np

        scaler, neighbours = self.index
        point = scaler.transform(np.array([[float(features.get(key) or 0.0) for key in self.keys]]))
        _, found = neighbours.kneighbors(point)
        tally: dict[str, list[int]] = {}
        for i in found[0]:
            wins = tally.setdefault(self.actions[i], [0, 0])
            wins[0] += int(self.successes[i])
            wins[1] += 1
        rates = {action: wins / seen for action, (wins, seen) in tally.items()}
        # best success rate; among equals the better-evidenced action
        best = max(tally, key=lambda a: (rates[a], tally[a][1]))
        if rates[best] == 0:
            return Advice(
                None, f"knowledge loop: no action succeeded among {len(found[0])} similar cases", rates
            )
        wins, seen = tally[best]
        return Advice(
            ActionType(best), f"knowledge loop: {best} worked {wins}/{seen} times in similar cases", rates
        )


async def recommender(
    *, driver: AsyncDriver, settings: Settings, model_type: str, limit: int = 5_000
) -> Recommender:
    rows = await _run(driver, settings, "judged_experiences", modelType=model_type, limit=limit)
    return Recommender.build(rows, k=settings.remediation_neighbours)


async def record_experience(*, driver: AsyncDriver, settings: Settings, action: RemediationAction) -> None:
    """Executed or rejected actions only (shadow ones never ran, failed ones say nothing of the
    action's worth); once per action."""
    if action.shadow or action.status not in (RemediationStatus.EXECUTED, RemediationStatus.REJECTED):
        return
    prediction = action.prediction
    features = await _prediction_features(driver=driver, settings=settings, action_id=action.id)
    now = time.time()
    await _run(
        driver,
        settings,
        "record_experience",
        write=True,
        id=ids.stable_id("experience", action.id),
        actionId=action.id,
        modelType=prediction.model_type if prediction else "",
        action=action.action.value,
        features=json.dumps(features),
        decision=action.status.value,
        recommended=action.recommended,
        targetId=prediction.target_id if prediction else None,
        now=datetime.fromtimestamp(now, UTC).isoformat(),
        judgeAt=datetime.fromtimestamp(now + settings.remediation_outcome_delay_s, UTC).isoformat(),
    )


async def _prediction_features(*, driver: AsyncDriver, settings: Settings, action_id: str) -> dict[str, Any]:
    rows = await _run(driver, settings, "action_features", id=action_id)
    return json.loads(rows[0]["features"] or "{}") if rows else {}


async def judge_due(*, driver: AsyncDriver, settings: Settings, now: float | None = None) -> int:
    """Outcomes of experiences whose delay has passed: a file action's outcome is a fix commit on
    the file after the decision; a service action's, the service's newest sample being up."""
    moment = time.time() if now is None else now
    due = await _run(
        driver, settings, "due_experiences", now=datetime.fromtimestamp(moment, UTC).isoformat(), limit=5_000
    )
    if not due:
        return 0
    happened: dict[str, bool] = {}
    for model_type, query in (
        ("file_defect_risk", "files_fixed_since"),
        ("service_failure_risk", "services_recovered"),
    ):
        rows = [
            {"targetId": e["targetId"], "since": e["decidedAt"]} for e in due if e["modelType"] == model_type
        ]
        if rows:
            for row in await _run(driver, settings, query, rows=rows):
                happened[row["targetId"]] = bool(row["happened"])
    outcomes = [
        {
            "id": e["id"],
            "outcome": happened.get(e["targetId"], False),
            "success": e["decision"] == RemediationStatus.EXECUTED.value
            and happened.get(e["targetId"], False),
        }
        for e in due
    ]
    await _run(
        driver,
        settings,
        "set_outcomes",
        write=True,
        rows=outcomes,
        now=datetime.fromtimestamp(moment, UTC).isoformat(),
    )
    return len(outcomes)


async def stats(*, driver: AsyncDriver, settings: Settings) -> LoopStats:
    rows = await _run(driver, settings, "loop_stats")
    judged = sum(r["judged"] for r in rows)
    rec_judged = sum(r["recommendedJudged"] for r in rows)
    rec_ok = sum(r["recommendedSucceeded"] for r in rows)
    return LoopStats(
        experiences=sum(r["experiences"] for r in rows),
        judged=judged,
        recommended_judged=rec_judged,
        recommended_succeeded=rec_ok,
        hit_rate=round(rec_ok / rec_judged, 4) if rec_judged else None,
        by_action=[
            ActionStats(
                action=ActionType(r["action"]),
                experiences=r["experiences"],
                successes=r["successes"],
                success_rate=round(r["successes"] / r["judged"], 4) if r["judged"] else None,
            )
            for r in rows
        ],
    )
