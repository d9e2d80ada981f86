"""Test data for remediation and the knowledge loop: predictions about files of the ingested risk
project, written through the intelligence service (the production write path) under a project id
of the test's own, and Experiences in a chosen context."""

from __future__ import annotations

import json
import uuid
from typing import Any

from neo4j import AsyncDriver, Driver

from app.intelligence import service as intelligence
from app.intelligence.models import ModelType

_used: set[str] = set()


def unused_files(driver: Driver, risk_project: str, count: int) -> list[str]:
    """Production files of the risk project no other test here has used, and about which no action
    was proposed yet: a prediction's id is (model, file), so an earlier `hub predict run` over the
    risk project (tests/intelligence/test_entry_points.py) may already have proposed an action for
    the same prediction in the same window, and this test's proposal would find it there."""
    records, _, _ = driver.execute_query(
        "MATCH (:Project {id: $p})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File) "
        "WHERE f.path STARTS WITH 'pkg/' "
        "AND NOT EXISTS { MATCH (:RemediationAction)-[:FOR]->(:Prediction)-[:ABOUT]->(f) } "
        "RETURN f.id AS id ORDER BY f.path",
        p=risk_project,
    )
    free = [r["id"] for r in records if r["id"] not in _used][:count]
    assert len(free) == count, "the risk project has too few files left for this test"
    _used.update(free)
    return free


async def predict(
    driver: AsyncDriver,
    project_id: str,
    rows: list[tuple[str, float, float]],
    features: dict[str, dict[str, float]] | None = None,
) -> None:
    await intelligence.write_predictions(
        driver,
        project_id=project_id,
        model_type=ModelType.FILE_DEFECT_RISK,
        version=1,
        horizon_days=90,
        rows=[
            {
                "targetId": file_id,
                "probability": p,
                "confidence": c,
                "features": (features or {}).get(file_id) or {"commits90": 10.0 * p, "fixes": 5.0 * p},
                "topFactors": [
                    {"feature": "fixes", "value": 3.0, "contribution": 0.2, "text": "3 past bug-fix commits"}
                ],
            }
            for file_id, p, c in rows
        ],
    )


def count(driver: Driver, query: str, **params: Any) -> int:
    records, _, _ = driver.execute_query(query, **params)
    return int(records[0]["n"])


def seed_experiences(driver: Driver, rows: list[tuple[dict[str, float], str, bool]]) -> list[str]:
    """Judged experiences (context features, action, success) as the loop would have recorded them;
    their ids (the test removes them, so other tests' recommendations are not steered)."""
    ids = [uuid.uuid4().hex for _ in rows]
    driver.execute_query(
        "UNWIND $rows AS row CREATE (:Experience {id: row.id, modelType: 'file_defect_risk', "
        "action: row.action, features: row.features, decision: 'executed', recommended: false, "
        "outcome: row.success, success: row.success, decidedAt: datetime() - duration('P30D'), "
        "judgeAt: datetime() - duration('P23D')})",
        rows=[
            {"id": i, "features": json.dumps(f), "action": a, "success": ok}
            for i, (f, a, ok) in zip(ids, rows, strict=True)
        ],
    )
    return ids
