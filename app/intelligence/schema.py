"""GraphQL entry points of the intelligence domain: thin resolvers over the service and flows.

``IntelligenceQuery`` and ``IntelligenceMutation`` are composed into the root schema by
``app/schema.py``.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app.intelligence import flows, service
from app.intelligence.models import ModelType
from ingest import ids


@strawberry.type
class RiskFactor:
    feature: str
    value: float
    contribution: float = strawberry.field(description="drop in probability at the median value")
    text: str


@strawberry.type
class RiskPrediction:
    id: strawberry.ID
    target_id: strawberry.ID
    target: str | None
    probability: float
    confidence: float
    top_factors: list[RiskFactor]
    model_version: int | None
    created_at: str | None


@strawberry.type
class RiskRun:
    project_id: strawberry.ID
    model_version: int
    predictions: int
    seconds: float


@strawberry.type
class IntelligenceQuery:
    @strawberry.field(description="The newest file_defect_risk predictions of a project (by name).")
    async def risk_predictions(self, info: Info, project: str, limit: int = 50) -> list[RiskPrediction]:
        found = await service.predictions(
            info.context.driver,
            database=info.context.settings.neo4j_database,
            project_id=ids.project_id(project),
            model_type=ModelType.FILE_DEFECT_RISK,
            limit=limit,
        )
        return [
            RiskPrediction(
                id=strawberry.ID(p.id),
                target_id=strawberry.ID(p.target_id),
                target=p.target,
                probability=p.probability,
                confidence=p.confidence,
                model_version=p.model_version,
                created_at=p.created_at.isoformat() if p.created_at else None,
                top_factors=[RiskFactor(**f.model_dump()) for f in p.top_factors],
            )
            for p in found
        ]


@strawberry.type
class IntelligenceMutation:
    @strawberry.mutation(description="Refresh a project's risk features and predict now.")
    async def predict_risk(self, info: Info, project: str) -> RiskRun:
        run = await flows.predict_project(
            info.context.driver,
            database=info.context.settings.neo4j_database,
            home=info.context.settings.home,
            project_id=ids.project_id(project),
        )
        return RiskRun(
            project_id=strawberry.ID(run.project_id),
            model_version=run.model_version,
            predictions=run.predictions,
            seconds=run.seconds,
        )
