"""All data access of the work domain: creating and updating Tasks and SpecItems.

Reading them (``node``, ``search``, the nested ``tasks`` / ``specItems`` / ``implements``
connections) is the graph domain's, like every other entity's read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from neo4j import AsyncDriver

from app.config import Settings
from app.core.db import run_named
from app.core.errors import InvalidInput, NotFound
from app.core.values import clean_text, utc_now
from app.graph.service import Entity, EntityRecord, entity_record, get_node, parse_id
from app.work.models import TaskStatus


async def _write(driver: AsyncDriver, settings: Settings, name: str, /, **params: Any) -> list[Any]:
    return await run_named(
        driver,
        f"work/{name}",
        database=settings.neo4j_database,
        timeout_s=settings.neo4j_query_timeout_s,
        write=True,
        **params,
    )


async def _existing(
    driver: AsyncDriver, settings: Settings, node_id: str | None, entity: Entity
) -> str | None:
    """The raw id of the node a new item hangs under (NotFound when absent); None for none."""
    if node_id is None:
        return None
    return (await get_node(driver=driver, settings=settings, node_id=node_id, expected=entity)).id


def _labels(labels: Sequence[str] | None) -> list[str] | None:
    if labels is None:
        return None
    if len(labels) > 50 or any(not label.strip() or len(label) > 100 for label in labels):
        raise InvalidInput("labels: at most 50, each 1-100 characters")
    return sorted({label.strip() for label in labels})


async def create_task(
    *,
    driver: AsyncDriver,
    settings: Settings,
    title: str,
    description: str | None = None,
    status: TaskStatus = TaskStatus.TODO,
    assignee: str | None = None,
    labels: Sequence[str] = (),
    spec_item_id: str | None = None,
) -> EntityRecord:
    spec_raw = await _existing(driver, settings, spec_item_id, Entity.SPEC_ITEM)
    rows = await _write(
        driver,
        settings,
        "create_task",
        id=uuid.uuid4().hex,
        title=clean_text("title", title, required=True, limit=500),
        description=clean_text("description", description),
        status=TaskStatus(status).value,
        assignee=clean_text("assignee", assignee, limit=200),
        labels=_labels(labels) or [],
        specItemId=spec_raw,
        now=utc_now(),
    )
    return entity_record(Entity.TASK, rows[0])


async def update_task(
    *,
    driver: AsyncDriver,
    settings: Settings,
    task_id: str,
    status: TaskStatus | None = None,
    assignee: str | None = None,
    clear_assignee: bool = False,
    labels: Sequence[str] | None = None,
) -> EntityRecord:
    entity, raw_id = parse_id(task_id)
    if entity not in (None, Entity.TASK):
        raise NotFound(f"no Task with id {task_id!r}")
    rows = await _write(
        driver,
        settings,
        "update_task",
        id=raw_id,
        status=TaskStatus(status).value if status is not None else None,
        assignee=clean_text("assignee", assignee, limit=200),
        clearAssignee=clear_assignee,
        labels=_labels(labels),
        now=utc_now(),
    )
    if not rows:
        raise NotFound(f"no Task with id {task_id!r}")
    return entity_record(Entity.TASK, rows[0])


async def create_spec_item(
    *,
    driver: AsyncDriver,
    settings: Settings,
    title: str,
    description: str | None = None,
    project_id: str | None = None,
) -> EntityRecord:
    project_raw = await _existing(driver, settings, project_id, Entity.PROJECT)
    rows = await _write(
        driver,
        settings,
        "create_spec_item",
        id=uuid.uuid4().hex,
        title=clean_text("title", title, required=True, limit=500),
        description=clean_text("description", description),
        projectId=project_raw,
        now=utc_now(),
    )
    return entity_record(Entity.SPEC_ITEM, rows[0])
