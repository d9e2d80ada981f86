"""arq jobs of the intelligence domain: predictions on a schedule (every
``predict_interval_min``, default 15) and a weekly retrain. Each project is handled on its own:
one without enough history is logged and skipped, never failing the others."""

from __future__ import annotations

import logging
import time
from typing import Any

from app.core.errors import HubError
from app.intelligence import flows, service
from app.intelligence.models import SERVICES_SCOPE
from app.remediation import flows as remediation

log = logging.getLogger(__name__)


async def predict_projects_job(ctx: dict[str, Any]) -> dict[str, int]:
    """Predict for every project (training first where no model exists) from its written-back
    features, recomputed first when older than predict_refresh_after_s; then remediation is
    proposed for the risky ones (executed, waiting or shadowed per the settings)."""
    driver, settings = ctx["driver"], ctx["settings"]
    done: dict[str, int] = {}
    for project in await service.projects(driver, database=settings.neo4j_database):
        try:
            computed = await service.features_at(
                driver, database=settings.neo4j_database, project_id=project["id"]
            )
            stale = computed is None or time.time() - computed > settings.predict_refresh_after_s
            run = await flows.predict_project(
                driver,
                database=settings.neo4j_database,
                home=settings.home,
                project_id=project["id"],
                refresh=stale,
            )
        except HubError as error:
            log.info("no predictions for %s: %s", project["name"], error)
            continue
        done[project["name"]] = run.predictions
        await remediation.propose_for_project(
            driver=driver,
            settings=settings,
            events=ctx.get("events"),
            project_id=project["id"],
            project_name=project["name"],
        )
    try:
        services = await flows.predict_services(driver, database=settings.neo4j_database, home=settings.home)
    except HubError as error:
        log.info("no service predictions: %s", error)
    else:
        if services.predictions:
            done[SERVICES_SCOPE] = services.predictions
            await remediation.propose_for_project(
                driver=driver, settings=settings, events=ctx.get("events"), project_id=SERVICES_SCOPE,
                project_name=SERVICES_SCOPE,
            )  # fmt: skip
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
    try:
        record = await flows.train_service_model(driver, database=settings.neo4j_database, home=settings.home)
    except HubError as error:
        log.info("service model not retrained: %s", error)
    else:
        versions[SERVICES_SCOPE] = record.version
    return versions
