"""file_defect_risk: trained from the project's own history, recorded as a ModelTraining with a
verified artefact, scored into Prediction nodes with confidence and readable top factors."""

from __future__ import annotations

import json
import statistics

import pytest
from history_repo_factory import HistoryRepo
from neo4j import AsyncDriver, Driver

from app.config import Settings
from app.core.errors import ConfigurationError, InvalidInput
from app.intelligence import flows, service
from app.intelligence.learning import CANDIDATES, Dataset, describe, train
from app.intelligence.models import ModelType


async def test_train_and_predict(
    async_driver: AsyncDriver,
    driver: Driver,
    settings: Settings,
    risk_project: str,
    history_repo: HistoryRepo,
) -> None:
    record = await flows.train_file_model(async_driver, home=settings.home, project_id=risk_project)
    assert record.version >= 1 and record.kind in CANDIDATES
    assert record.metrics["validated"] and record.metrics["origins"] == 4
    # The candidates were compared on the newest window; the chosen one ranks hot files well.
    assert record.metrics["validation"][record.kind]["rocAuc"] > 0.75
    loaded = await service.latest_model(
        async_driver, home=settings.home, model_type=ModelType.FILE_DEFECT_RISK, scope=risk_project
    )
    assert loaded is not None and loaded[0].version == record.version

    run = await flows.predict_project(async_driver, home=settings.home, project_id=risk_project)
    assert run.predictions == 41 and run.model_version == record.version
    predictions = await service.predictions(async_driver, project_id=risk_project, limit=100)
    assert len(predictions) == 41
    hot = [p.probability for p in predictions if p.target in history_repo.hot]
    quiet = [p.probability for p in predictions if p.target not in history_repo.hot]
    assert statistics.mean(hot) > 2 * statistics.mean(quiet)
    top = predictions[0]
    assert top.target in history_repo.hot
    assert 0.0 <= top.confidence <= 1.0
    assert top.top_factors and all(f.text and f.contribution > 0 for f in top.top_factors)
    assert set(top.features) >= {"commits90", "pageRank", "fixes"}
    records, _, _ = driver.execute_query(
        "MATCH (p:Prediction {modelType: 'file_defect_risk', projectId: $p})-[:ABOUT]->(f:File) "
        "RETURN count(p) AS n, count(DISTINCT f) AS files",
        p=risk_project,
    )
    assert records[0]["n"] == records[0]["files"] == 41
    # A second run replaces the predictions instead of adding to them.
    await flows.predict_project(async_driver, home=settings.home, project_id=risk_project, refresh=False)
    again, _, _ = driver.execute_query(
        "MATCH (p:Prediction {projectId: $p}) RETURN count(p) AS n", p=risk_project
    )
    assert again[0]["n"] == 41
    training, _, _ = driver.execute_query(
        "MATCH (m:ModelTraining {scope: $p}) RETURN m.featureSet AS features, m.metrics AS metrics, "
        "m.datasetSize AS size ORDER BY m.version DESC LIMIT 1",
        p=risk_project,
    )
    assert "fixes" in training[0]["features"] and training[0]["size"] > 41
    assert json.loads(training[0]["metrics"])["chosen"] == record.kind


async def test_a_tampered_artefact_is_not_loaded(
    async_driver: AsyncDriver, settings: Settings, risk_project: str
) -> None:
    record = await flows.train_file_model(async_driver, home=settings.home, project_id=risk_project)
    artefact = next(service.models_dir(settings.home).glob(f"*-v{record.version}.joblib"))
    artefact.write_bytes(artefact.read_bytes() + b"\x00")
    with pytest.raises(ConfigurationError, match="does not match"):
        await service.latest_model(
            async_driver, home=settings.home, model_type=ModelType.FILE_DEFECT_RISK, scope=risk_project
        )
    await flows.train_file_model(
        async_driver, home=settings.home, project_id=risk_project
    )  # a good one again


def test_training_refuses_too_few_fixes() -> None:
    data = Dataset()
    data.extend([{"commits": float(i)} for i in range(50)], [1 if i < 3 else 0 for i in range(50)], 1)
    with pytest.raises(InvalidInput, match="only 3 fix-touched"):
        train("file_defect_risk", data)


def test_factors_read_as_words() -> None:
    assert describe("commits90", 14.0) == "14 commits in the last 90 days"
    assert describe("ownerShare", 0.8) == "its top author made 80% of its commits"
