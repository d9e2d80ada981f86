"""The intelligence domain's vocabulary: model types, prediction and training records."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ModelType(StrEnum):
    FILE_DEFECT_RISK = "file_defect_risk"
    SERVICE_FAILURE_RISK = "service_failure_risk"


# The file feature vector, in a fixed order (the model artefact records it too): what the graph
# knows of a file's structure at T, then what its git history says before T.
STRUCTURE_FEATURES: tuple[str, ...] = (
    "pageRank", "betweenness", "inDegree", "outDegree", "communitySize",
    "loc", "size", "symbols", "testEdges",
)  # fmt: skip
HISTORY_FEATURES: tuple[str, ...] = (
    "commits", "commits30", "commits90", "commits365", "added30", "added90", "added365",
    "deleted30", "deleted90", "deleted365", "authors30", "authors90", "authors365",
    "fixes", "fixes365", "ageDays", "daysSinceChange", "ownerShare",
)  # fmt: skip
FILE_FEATURES: tuple[str, ...] = STRUCTURE_FEATURES + HISTORY_FEATURES

# The service feature vector (service_failure_risk), from HealthSample series before T.
SERVICE_FEATURES: tuple[str, ...] = (
    "samples24h", "failureRate1h", "failureRate24h", "flaps1h", "flaps24h", "latencyMs1h",
    "latencyRatio", "latencySlope6h", "hoursSinceFailure", "down",
)  # fmt: skip
# Service predictions are not about one project: they are listed (and remediated) under this scope.
SERVICES_SCOPE = "services"

DEFAULT_HORIZON_DAYS = 90
# Live training: labelled windows ending now, now - horizon, ... (the newest validates the choice).
TRAINING_ORIGINS = 4


class Factor(BaseModel):
    feature: str
    value: float
    contribution: float = Field(description="drop in probability when the feature is set to the median")
    text: str


class Prediction(BaseModel):
    id: str
    target_id: str
    target: str | None
    probability: float
    confidence: float
    top_factors: list[Factor]
    features: dict[str, float]
    created_at: datetime | None
    model_version: int | None


class TrainingRecord(BaseModel):
    id: str
    model_type: ModelType
    scope: str
    version: int
    kind: str
    trained_at: datetime | None
    dataset_size: int
    metrics: dict[str, Any]


class FeatureRefresh(BaseModel):
    project_id: str
    files: int
    communities: int
    seconds: float


class PredictionRun(BaseModel):
    project_id: str
    model_type: ModelType
    model_version: int
    predictions: int
    seconds: float
