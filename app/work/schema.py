"""GraphQL mutations of the work domain; the Task and SpecItem types are the graph's (Node
interface), so that any traversal or search returns them with their connections."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app.graph.schema import SpecItem, Task
from app.work import service
from app.work.models import TaskStatus

TaskStatusEnum = strawberry.enum(TaskStatus, name="TaskStatus")


@strawberry.input
class CreateTaskInput:
    title: str
    description: str | None = None
    status: TaskStatusEnum = TaskStatus.TODO  # type: ignore[valid-type]
    assignee: str | None = None
    labels: list[str] | None = None
    spec_item_id: strawberry.ID | None = None


@strawberry.input
class UpdateTaskInput:
    id: strawberry.ID
    status: TaskStatusEnum | None = None  # type: ignore[valid-type]
    assignee: str | None = strawberry.field(default=None, description="Empty string unassigns.")
    labels: list[str] | None = None


@strawberry.input
class CreateSpecItemInput:
    title: str
    description: str | None = None
    project_id: strawberry.ID | None = None


@strawberry.type
class WorkMutation:
    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> Task:
        record = await service.create_task(
            driver=info.context.driver,
            settings=info.context.settings,
            title=input.title,
            description=input.description,
            status=input.status,
            assignee=input.assignee,
            labels=input.labels or (),
            spec_item_id=input.spec_item_id,
        )
        return Task.of(record)

    @strawberry.mutation
    async def update_task(self, info: Info, input: UpdateTaskInput) -> Task:
        record = await service.update_task(
            driver=info.context.driver,
            settings=info.context.settings,
            task_id=input.id,
            status=input.status,
            assignee=input.assignee or None,
            clear_assignee=input.assignee == "",
            labels=input.labels,
        )
        return Task.of(record)

    @strawberry.mutation
    async def create_spec_item(self, info: Info, input: CreateSpecItemInput) -> SpecItem:
        record = await service.create_spec_item(
            driver=info.context.driver,
            settings=info.context.settings,
            title=input.title,
            description=input.description,
            project_id=input.project_id,
        )
        return SpecItem.of(record)
