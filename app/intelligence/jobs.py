"""arq jobs of the intelligence domain: predictions on a schedule (every
``predict_interval_min``, default 15) and a weekly retrain. Each project is handled on its own:
one without enough history is logged and skipped, never failing the others."""

from __future__ import annotations

import logging
from typing import Any

from app.core.errors import HubError
from app.intelligence import flows, service

log = logging.getLogger(__name__)


async def predict_projects_job(ctx: dict[str, Any]) -> dict[str, int]:
    """Refresh features and predict for every project (training first where no model exists)."""
    driver, settings = ctx["driver"], ctx["settings"]
    done: dict[str, int] = {}
    for project in await service.projects(driver, database=settings.neo4j_database):
        try:
            run = await flows.predict_project(
                driver, database=settings.neo4j_database, home=settings.home, project_id=project["id"]
            )
        except HubError as error:
            log.info("no predictions for %s: %s", project["name"], error)
            continue
        done[project["name"]] = run.predictions
    return done


async def retrain_projects_job(ctx: dict[str, Any]) -> dict[str, int]:
    """A new model version per project from its history up to now."""
    driver, settings = ctx["driver"], ctx["settings"]
    versions: dict[str, int] = {}
    for project in await service.projects(driver, database=settings.neo4j_database):
        try:
            record = await flows.train_file_model(
                driver, database=settings.neo4j_database, home=settings.home, project_id=project["id"]
            )
        except HubError as error:
            log.info("model of %s not retrained: %s", project["name"], error)
            continue
        versions[project["name"]] = record.version
    return versions
