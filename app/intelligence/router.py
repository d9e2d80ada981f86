"""REST entry points of the intelligence domain (thin: the service and flows do the work)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.core.deps import DriverDep, SettingsDep
from app.intelligence import flows, service
from app.intelligence.models import ModelType, Prediction, PredictionRun, TrainingRecord
from ingest import ids

router = APIRouter(prefix="/api/intelligence", tags=["intelligence"])


@router.get("/projects/{project}/predictions")
async def project_predictions(
    project: str,
    driver: DriverDep,
    settings: SettingsDep,
    model_type: ModelType = ModelType.FILE_DEFECT_RISK,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[Prediction]:
    """The newest predictions of a project (by name), highest probability first."""
    return await service.predictions(
        driver,
        database=settings.neo4j_database,
        project_id=ids.project_id(project),
        model_type=model_type,
        limit=limit,
    )


@router.post("/projects/{project}/predict")
async def predict(project: str, driver: DriverDep, settings: SettingsDep) -> PredictionRun:
    """Refresh the project's risk features and predict now (trains first where no model exists)."""
    return await flows.predict_project(
        driver, database=settings.neo4j_database, home=settings.home, project_id=ids.project_id(project)
    )


@router.post("/projects/{project}/train")
async def train(project: str, driver: DriverDep, settings: SettingsDep) -> TrainingRecord:
    """A new file_defect_risk model version from the project's history."""
    return await flows.train_file_model(
        driver, database=settings.neo4j_database, home=settings.home, project_id=ids.project_id(project)
    )
