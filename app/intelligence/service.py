"""All data access of the intelligence domain: risk features in and out of the graph, training
records, predictions, and the model artefacts under ``HUB_HOME/models``.

Keyword-only functions handed the async driver; every query is a named file in
``cypher/intelligence/``; writes are ``UNWIND`` batches.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
from neo4j import AsyncDriver

from app.core.db import run_named
from app.core.errors import ConfigurationError, NotFound
from app.intelligence.models import (
    FILE_FEATURES,
    SERVICES_SCOPE,
    Factor,
    FeatureRefresh,
    ModelType,
    Prediction,
    TrainingRecord,
)
from ingest import ids

if TYPE_CHECKING:  # numpy and scikit-learn load only where a model is used (not in `hub graph ingest`)
    from app.intelligence.learning import TrainedModel

BATCH = 2_000
# Test, documentation and example files are not what defect prediction is about (and fix commits
# touch regression tests by construction, which would flatter the model): left out of training,
# scoring and evaluation alike.
_NOT_PRODUCTION = re.compile(
    r"(^|/)(tests?|testing|docs?|examples?|benchmarks?|bench)/|(^|/)(test_[^/]*|[^/]*_test\.py|conftest\.py)$"
)


def is_production_path(path: str) -> bool:
    return not _NOT_PRODUCTION.search(path)


def property_name(feature: str) -> str:
    """``commits90`` is stored on the File as ``riskCommits90``."""
    return "risk" + feature[0].upper() + feature[1:]


async def _read(
    driver: AsyncDriver, database: str, name: str, timeout_s: float = 120.0, **params: Any
) -> list[dict[str, Any]]:
    return [
        record.data()
        for record in await run_named(driver, name, database=database, timeout_s=timeout_s, **params)
    ]


async def _write(
    driver: AsyncDriver, database: str, name: str, timeout_s: float = 300.0, **params: Any
) -> list[dict[str, Any]]:
    records = await run_named(driver, name, database=database, timeout_s=timeout_s, write=True, **params)
    return [record.data() for record in records]


# --- features ----------------------------------------------------------------------------------


async def file_structure(
    driver: AsyncDriver, *, database: str = "neo4j", project_id: str
) -> list[dict[str, Any]]:
    """GDS centralities and Louvain over the project's file graph (IMPORTS + CALLS collapsed to
    files), written back as ``risk*`` properties, then read with sizes, symbols and test links."""
    graph_name = f"risk-{project_id}-{uuid.uuid4().hex[:8]}"
    try:
        projected = await _write(
            driver, database, "intelligence/file_graph_project", projectId=project_id, graphName=graph_name
        )
        if projected and projected[0]["nodeCount"]:
            await _write(driver, database, "intelligence/file_centrality_write", graphName=graph_name)
    finally:
        await _write(driver, database, "views/graph_drop", graphName=graph_name)
    return await _read(driver, database, "intelligence/file_structure", projectId=project_id)


async def history_features(
    driver: AsyncDriver, *, database: str = "neo4j", file_ids: Sequence[str], as_of: int
) -> list[dict[str, Any]]:
    """Churn, authors, fixes, age and owner concentration of files from commits before ``as_of``."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(file_ids), BATCH):
        rows += await _read(
            driver,
            database,
            "intelligence/file_history_features",
            fileIds=list(file_ids[start : start + BATCH]),
            asOf=as_of,
        )
    return rows


async def fix_labels(
    driver: AsyncDriver, *, database: str = "neo4j", file_ids: Sequence[str], after: int, until: int
) -> dict[str, int]:
    """Fix commits touching each file in (after, until]."""
    out: dict[str, int] = {}
    for start in range(0, len(file_ids), BATCH):
        for row in await _read(
            driver,
            database,
            "intelligence/file_fix_labels",
            fileIds=list(file_ids[start : start + BATCH]),
            **{"from": after, "to": until},
        ):
            out[row["fileId"]] = row["fixes"]
    return out


def merge_features(
    structure: Sequence[dict[str, Any]], history: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per production file: ``fileId``, ``path`` and every feature of ``FILE_FEATURES``."""
    by_id = {row["fileId"]: row for row in history}
    rows = []
    for row in structure:
        if not is_production_path(row["path"]) or row["fileId"] not in by_id:
            continue
        merged = {**row, **by_id[row["fileId"]]}
        rows.append(
            {
                "fileId": row["fileId"],
                "path": row["path"],
                **{name: float(merged.get(name) or 0.0) for name in FILE_FEATURES},
            }
        )
    return rows


async def write_features(
    driver: AsyncDriver, *, database: str = "neo4j", rows: Sequence[dict[str, Any]], as_of: int
) -> None:
    payload = [
        {"fileId": row["fileId"], "props": {property_name(n): row[n] for n in FILE_FEATURES}} for row in rows
    ]
    for start in range(0, len(payload), BATCH):
        await _write(
            driver,
            database,
            "intelligence/write_file_features",
            rows=payload[start : start + BATCH],
            asOf=as_of,
        )


async def refresh_file_features(
    driver: AsyncDriver, *, database: str = "neo4j", project_id: str, as_of: int | None = None
) -> tuple[list[dict[str, Any]], FeatureRefresh]:
    """Recompute every file's features as of now (or ``as_of``) and write them back.

    The history query reads commits strictly before the moment (a back-test at T must not see T);
    "now" is therefore the start of the next second: git stores commit times in whole seconds, and
    a commit made in the same second as the refresh (a push ingested at once) belongs to it."""
    started = time.perf_counter()
    moment = int(as_of) if as_of is not None else int(time.time()) + 1
    structure = await file_structure(driver, database=database, project_id=project_id)
    if not structure:
        await _ensure_project(driver, database=database, project_id=project_id)
    history = await history_features(
        driver, database=database, file_ids=[row["fileId"] for row in structure], as_of=moment
    )
    rows = merge_features(structure, history)
    await write_features(driver, database=database, rows=rows, as_of=moment)
    communities = len({row.get("communitySize") for row in structure})
    return rows, FeatureRefresh(
        project_id=project_id,
        files=len(rows),
        communities=communities,
        seconds=round(time.perf_counter() - started, 3),
    )


async def stored_features(
    driver: AsyncDriver, *, database: str = "neo4j", project_id: str
) -> list[dict[str, Any]]:
    """The features last written back (a prediction run needs no recomputation)."""
    keys = [property_name(n) for n in FILE_FEATURES]
    rows = await _read(driver, database, "intelligence/project_features", projectId=project_id, keys=keys)
    return [
        {
            "fileId": row["fileId"],
            "path": row["path"],
            **{n: float(v or 0.0) for n, v in zip(FILE_FEATURES, row["values"], strict=True)},
        }
        for row in rows
        if is_production_path(row["path"])
    ]


async def _ensure_project(driver: AsyncDriver, *, database: str = "neo4j", project_id: str) -> None:
    if not [p for p in await projects(driver, database=database) if p["id"] == project_id]:
        raise NotFound(
            f"no project {project_id!r} with a repository", hint="hub graph ingest PATH --project NAME"
        )


async def projects(driver: AsyncDriver, *, database: str = "neo4j") -> list[dict[str, Any]]:
    return await _read(driver, database, "intelligence/projects")


# --- models ------------------------------------------------------------------------------------


def models_dir(home: Path) -> Path:
    path = home / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_artefact(*, home: Path, model: TrainedModel, scope: str, version: int) -> tuple[str, str]:
    """joblib under ``HUB_HOME/models``; the sha256 goes into the graph and is checked on load,
    so only artefacts this hub wrote are ever unpickled."""
    name = f"{model.model_type}-{ids.stable_id('model-scope', scope)[:12]}-v{version}.joblib"
    path = models_dir(home) / name
    joblib.dump(model, path)
    return name, hashlib.sha256(path.read_bytes()).hexdigest()


# Models unpickled by this process, by (path, recorded sha256): the long-lived worker unpickles each
# artefact once, not on every 15-minute run (the file's hash is still checked on every load).
_LOADED: dict[tuple[str, str], TrainedModel] = {}


def load_artefact(*, home: Path, name: str, sha256: str) -> TrainedModel:
    from app.intelligence.learning import TrainedModel

    path = (models_dir(home) / name).resolve()
    if path.parent != models_dir(home).resolve() or not path.is_file():
        raise NotFound(f"model artefact {name!r} is not in {models_dir(home)}", hint="hub predict train")
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise ConfigurationError(
            f"model artefact {name} does not match its recorded hash; not loaded", hint="hub predict train"
        )
    cached = _LOADED.get((str(path), sha256))  # still hash-checked above: a changed file is refused
    if cached is not None:
        return cached
    model = joblib.load(path)  # our own file, verified above
    if not isinstance(model, TrainedModel):
        raise ConfigurationError(f"{name} is not a model artefact", hint="hub predict train")
    if len(_LOADED) > 64:  # one entry per project model version; a bound, not a policy
        _LOADED.clear()
    _LOADED[(str(path), sha256)] = model
    return model


async def record_training(
    driver: AsyncDriver, *, database: str = "neo4j", home: Path, model: TrainedModel, scope: str
) -> TrainingRecord:
    latest = await _read(
        driver, database, "intelligence/latest_training", modelType=model.model_type, scope=scope
    )
    version = (latest[0]["version"] + 1) if latest else 1
    artefact, sha = save_artefact(home=home, model=model, scope=scope, version=version)
    record_id = ids.stable_id("model-training", model.model_type, scope, str(version))
    trained_at = int(time.time())
    await _write(
        driver,
        database,
        "intelligence/record_training",
        id=record_id,
        modelType=model.model_type,
        version=version,
        scope=scope,
        trainedAt=trained_at,
        metrics=json.dumps(model.metrics),
        featureSet=list(model.features),
        datasetSize=model.dataset_size,
        kind=model.kind,
        artefact=artefact,
        sha256=sha,
    )
    return TrainingRecord(
        id=record_id,
        model_type=ModelType(model.model_type),
        scope=scope,
        version=version,
        kind=model.kind,
        trained_at=None,
        dataset_size=model.dataset_size,
        metrics=model.metrics,
    )


async def latest_model(
    driver: AsyncDriver, *, database: str = "neo4j", home: Path, model_type: ModelType, scope: str
) -> tuple[TrainingRecord, TrainedModel] | None:
    rows = await _read(
        driver, database, "intelligence/latest_training", modelType=model_type.value, scope=scope
    )
    if not rows:
        return None
    row = rows[0]
    record = TrainingRecord(
        id=row["id"],
        model_type=model_type,
        scope=scope,
        version=row["version"],
        kind=row["kind"],
        trained_at=row["trainedAt"].to_native(),
        dataset_size=row["datasetSize"],
        metrics=json.loads(row["metrics"]),
    )
    return record, load_artefact(home=home, name=row["artefact"], sha256=row["sha256"])


async def write_predictions(
    driver: AsyncDriver,
    *,
    database: str = "neo4j",
    project_id: str,
    model_type: ModelType,
    version: int,
    horizon_days: int,
    rows: Sequence[dict[str, Any]],
) -> int:
    """``rows``: targetId, probability, confidence, features (map), topFactors (list of maps)."""
    created = int(time.time())
    payload = [
        {
            "id": ids.stable_id("prediction", model_type.value, row["targetId"]),
            "targetId": row["targetId"],
            "probability": row["probability"],
            "confidence": row["confidence"],
            "features": json.dumps(row["features"]),
            "topFactors": json.dumps(row["topFactors"]),
            "correlationId": row.get("correlationId") or uuid.uuid4().hex,
        }
        for row in rows
    ]
    for start in range(0, len(payload), BATCH):
        await _write(
            driver,
            database,
            "intelligence/write_predictions",
            rows=payload[start : start + BATCH],
            modelType=model_type.value,
            version=version,
            createdAt=created,
            projectId=project_id,
            horizonDays=horizon_days,
        )
    return len(payload)


async def predictions(
    driver: AsyncDriver,
    *,
    database: str = "neo4j",
    project_id: str,
    model_type: ModelType = ModelType.FILE_DEFECT_RISK,
    limit: int = 50,
) -> list[Prediction]:
    rows = await _read(
        driver,
        database,
        "intelligence/predictions",
        projectId=project_id,
        modelType=model_type.value,
        limit=max(1, min(limit, 1000)),
    )
    return [
        Prediction(
            id=row["id"],
            target_id=row["targetId"],
            target=row["target"],
            probability=row["probability"],
            confidence=row["confidence"],
            top_factors=[Factor(**f) for f in json.loads(row["topFactors"] or "[]")],
            features=json.loads(row["features"] or "{}"),
            created_at=row["createdAt"].to_native() if row["createdAt"] else None,
            model_version=row["modelVersion"],
        )
        for row in rows
    ]


async def history_end(driver: AsyncDriver, *, database: str = "neo4j", project_id: str) -> int | None:
    rows = await _read(driver, database, "intelligence/history_end", projectId=project_id)
    return rows[0]["end"] if rows else None


async def features_at(driver: AsyncDriver, *, database: str = "neo4j", project_id: str) -> int | None:
    """Epoch seconds of the project's oldest written-back feature vector (None: never computed)."""
    rows = await _read(driver, database, "intelligence/project_features_at", projectId=project_id)
    return rows[0]["featuresAt"] if rows else None


async def has_risk_features(driver: AsyncDriver, *, database: str = "neo4j", project_id: str) -> bool:
    rows = await _read(driver, database, "intelligence/project_has_risk_features", projectId=project_id)
    return bool(rows and rows[0]["hasFeatures"])


# --- services (service_failure_risk) ------------------------------------------------------------


async def service_samples(
    driver: AsyncDriver, *, database: str = "neo4j", since: int
) -> dict[str, list[tuple[float, bool, float | None]]]:
    """Per Service id, its (time, ok, latencyMs) samples since ``since``, oldest first."""
    rows = await _read(driver, database, "intelligence/service_samples", since=since)
    return {
        row["serviceId"]: [(float(t), bool(ok), latency) for t, ok, latency in row["samples"]] for row in rows
    }


async def write_service_predictions(
    driver: AsyncDriver, *, database: str = "neo4j", version: int, kind: str, rows: Sequence[dict[str, Any]]
) -> int:
    """``rows``: targetId (a Service id), probability, confidence, features, topFactors."""
    payload = [
        {
            "id": ids.stable_id("prediction", ModelType.SERVICE_FAILURE_RISK.value, row["targetId"]),
            "targetId": row["targetId"],
            "probability": row["probability"],
            "confidence": row["confidence"],
            "features": json.dumps(row["features"]),
            "topFactors": json.dumps(row["topFactors"]),
            "correlationId": uuid.uuid4().hex,
        }
        for row in rows
    ]
    await _write(
        driver,
        database,
        "intelligence/write_service_predictions",
        rows=payload,
        version=version,
        kind=kind,
        createdAt=int(time.time()),
        scope=SERVICES_SCOPE,
    )
    return len(payload)
