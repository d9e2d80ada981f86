"""Multi-step work of the intelligence domain: train a project's defect model from its own
history, refresh features and predict, and the step run after every ingest."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo4j import AsyncDriver

from app.core.errors import InvalidInput
from app.intelligence import service
from app.intelligence.models import (
    DEFAULT_HORIZON_DAYS,
    SERVICES_SCOPE,
    TRAINING_ORIGINS,
    ModelType,
    PredictionRun,
    TrainingRecord,
)

if TYPE_CHECKING:  # numpy and scikit-learn load only where a model is used (not in `hub graph ingest`)
    from app.intelligence.learning import Dataset, TrainedModel

log = logging.getLogger(__name__)
DAY = 86_400


async def training_dataset(
    driver: AsyncDriver,
    *,
    database: str = "neo4j",
    structure: list[dict[str, Any]],
    history_end: int,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    origins: int = TRAINING_ORIGINS,
) -> Dataset:
    """Labelled windows ending at ``history_end``, one horizon apart: features from commits
    before each origin T, labels = a fix commit touched the file in (T, T + horizon]. Files
    without any commit before T did not exist yet and are left out. The structural features are
    today's graph (the live graph has no past structure; the back-test ingests each T instead)."""
    from app.intelligence.learning import Dataset

    dataset = Dataset()
    file_ids = [row["fileId"] for row in structure]
    for k in range(origins, 0, -1):
        origin = history_end - k * horizon_days * DAY
        history = await service.history_features(driver, database=database, file_ids=file_ids, as_of=origin)
        rows = [row for row in service.merge_features(structure, history) if row["commits"] > 0]
        labels = await service.fix_labels(
            driver,
            database=database,
            file_ids=[r["fileId"] for r in rows],
            after=origin,
            until=origin + horizon_days * DAY,
        )
        dataset.extend(rows, [int(labels.get(r["fileId"], 0) > 0) for r in rows], origin)
    return dataset


async def train_file_model(
    driver: AsyncDriver,
    *,
    database: str = "neo4j",
    home: Path,
    project_id: str,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> TrainingRecord:
    structure = await service.file_structure(driver, database=database, project_id=project_id)
    if not structure:
        raise InvalidInput(f"project {project_id} has no files", hint="hub graph ingest PATH --project NAME")
    history_end = await service.history_end(driver, database=database, project_id=project_id)
    if history_end is None:
        raise InvalidInput(f"project {project_id} has no git history", hint="ingest a git repository")
    dataset = await training_dataset(
        driver, database=database, structure=structure, history_end=history_end, horizon_days=horizon_days
    )
    from app.intelligence.learning import train

    model = train(ModelType.FILE_DEFECT_RISK.value, dataset)
    model.metrics["horizonDays"] = horizon_days
    return await service.record_training(driver, database=database, home=home, model=model, scope=project_id)


def score(model: TrainedModel, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Probability, calibration confidence and the top factors in words, per file."""
    probabilities = model.probabilities(rows)
    factors = model.top_factors(rows)
    return [
        {
            "targetId": row["fileId"],
            "path": row["path"],
            "probability": round(float(p), 4),
            "confidence": model.confidence(float(p)),
            "topFactors": top,
            "features": {k: v for k, v in row.items() if k not in ("fileId", "path")},
        }
        for row, p, top in zip(rows, probabilities, factors, strict=True)
    ]


async def predict_project(
    driver: AsyncDriver,
    *,
    database: str = "neo4j",
    home: Path,
    project_id: str,
    refresh: bool = True,
    train_if_missing: bool = True,
) -> PredictionRun:
    """Features (recomputed unless ``refresh`` is off) scored by the project's newest model,
    written as ``(:Prediction)-[:ABOUT]->(:File)``."""
    started = time.perf_counter()
    if refresh:
        rows, _ = await service.refresh_file_features(driver, database=database, project_id=project_id)
    else:
        rows = await service.stored_features(driver, database=database, project_id=project_id)
    loaded = await service.latest_model(
        driver, database=database, home=home, model_type=ModelType.FILE_DEFECT_RISK, scope=project_id
    )
    if loaded is None:
        if not train_if_missing:
            raise InvalidInput(f"no trained model for project {project_id}", hint="hub predict train")
        await train_file_model(driver, database=database, home=home, project_id=project_id)
        loaded = await service.latest_model(
            driver, database=database, home=home, model_type=ModelType.FILE_DEFECT_RISK, scope=project_id
        )
        assert loaded is not None
    record, model = loaded
    scored = score(model, rows)
    written = await service.write_predictions(
        driver,
        database=database,
        project_id=project_id,
        model_type=ModelType.FILE_DEFECT_RISK,
        version=record.version,
        horizon_days=int(record.metrics.get("horizonDays", DEFAULT_HORIZON_DAYS)),
        rows=scored,
    )
    return PredictionRun(
        project_id=project_id,
        model_type=ModelType.FILE_DEFECT_RISK,
        model_version=record.version,
        predictions=written,
        seconds=round(time.perf_counter() - started, 3),
    )


async def after_ingest(driver: AsyncDriver, *, database: str = "neo4j", project_id: str) -> int | None:
    """The ingest flow's risk step: where the project has risk features (a prediction run made
    them), refresh them so they match the new code and history; predictions follow on the
    worker's schedule. None when there were none, or on failure, which never fails the ingest."""
    try:
        if not await service.has_risk_features(driver, database=database, project_id=project_id):
            return None
        _, refreshed = await service.refresh_file_features(driver, database=database, project_id=project_id)
    except Exception as error:
        log.warning("risk features of %s not refreshed: %s", project_id, error)
        return None
    return refreshed.files


# --- service_failure_risk -----------------------------------------------------------------------

SERVICE_HISTORY_DAYS = 8  # a week of training windows plus the day the features look back over


async def _service_series(driver: AsyncDriver, *, database: str, now: float) -> dict[str, list[Any]]:
    from app.intelligence.service_risk import Sample

    raw = await service.service_samples(
        driver, database=database, since=int(now - SERVICE_HISTORY_DAYS * DAY)
    )
    return {sid: [Sample(t, ok, latency) for t, ok, latency in samples] for sid, samples in raw.items()}


async def train_service_model(
    driver: AsyncDriver, *, database: str = "neo4j", home: Path, now: float | None = None
) -> TrainingRecord:
    """One model for every registered Service (scope ``services``), from their sample history:
    learned when the history has hours with and without failures, else the documented prior."""
    from app.intelligence import service_risk

    moment = time.time() if now is None else now
    series = await _service_series(driver, database=database, now=moment)
    if not any(series.values()):
        raise InvalidInput("no Service has health samples yet", hint="register a Service; wait for probes")
    model = service_risk.train(service_risk.training_dataset(series, now=moment))
    model.metrics["horizonHours"] = 1
    return await service.record_training(
        driver, database=database, home=home, model=model, scope=SERVICES_SCOPE
    )


async def predict_services(
    driver: AsyncDriver, *, database: str = "neo4j", home: Path, now: float | None = None
) -> PredictionRun:
    """``(:Prediction {modelType: 'service_failure_risk'})-[:ABOUT]->(:Service)`` for every
    Service with samples: the probability it fails a check in the next hour. The model is trained
    when missing, and again while it is only the prior (a learned one replaces it once the
    history allows)."""
    from app.intelligence import service_risk

    started = time.perf_counter()
    moment = time.time() if now is None else now
    series = await _service_series(driver, database=database, now=moment)
    if not any(series.values()):
        return PredictionRun(project_id=SERVICES_SCOPE, model_type=ModelType.SERVICE_FAILURE_RISK,
                             model_version=0, predictions=0, seconds=0.0)  # fmt: skip
    loaded = await service.latest_model(
        driver, database=database, home=home, model_type=ModelType.SERVICE_FAILURE_RISK, scope=SERVICES_SCOPE
    )
    if loaded is None or loaded[0].kind == "prior":
        candidate = service_risk.train(service_risk.training_dataset(series, now=moment))
        if loaded is None or candidate.kind != "prior":
            candidate.metrics["horizonHours"] = 1
            await service.record_training(
                driver, database=database, home=home, model=candidate, scope=SERVICES_SCOPE
            )
            loaded = await service.latest_model(
                driver,
                database=database,
                home=home,
                model_type=ModelType.SERVICE_FAILURE_RISK,
                scope=SERVICES_SCOPE,
            )
            assert loaded is not None
    record, model = loaded
    rows = [
        {"targetId": sid, **service_risk.service_features(samples, moment)}
        for sid, samples in series.items()
        if samples
    ]
    probabilities = model.probabilities(rows)
    factors = model.top_factors(rows)
    scored = [
        {
            "targetId": row["targetId"],
            "probability": round(float(p), 4),
            "confidence": model.confidence(float(p)),
            "topFactors": top,
            "features": {k: v for k, v in row.items() if k != "targetId"},
        }
        for row, p, top in zip(rows, probabilities, factors, strict=True)
    ]
    written = await service.write_service_predictions(
        driver, database=database, version=record.version, kind=record.kind, rows=scored
    )
    return PredictionRun(
        project_id=SERVICES_SCOPE,
        model_type=ModelType.SERVICE_FAILURE_RISK,
        model_version=record.version,
        predictions=written,
        seconds=round(time.perf_counter() - started, 3),
    )
