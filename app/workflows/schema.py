"""GraphQL for workflows: ``workflows``, ``workflowExecution(id)``, ``workflowExecutions``,
``applyWorkflow``, ``runWorkflow``, ``cancelWorkflowExecution`` and the ``workflowLogs``
subscription. Resolvers translate and call app.workflows.flows; no logic of their own."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.core.errors import DependencyUnavailable
from app.workflows import flows, service
from app.workflows.models import Execution, ExecutionView, StepResult, WorkflowDef


def _runtime(info: Info[Any, Any]) -> flows.WorkflowRuntime:
    context = info.context
    request = context.get("request") if isinstance(context, dict) else getattr(context, "request", None)
    found = getattr(getattr(getattr(request, "app", None), "state", None), "workflows", None)
    if found is None:
        raise DependencyUnavailable("the workflow runtime is not started")
    return found


@strawberry.type
class WorkflowStepDef:
    id: str
    agent: str
    needs: list[str]
    condition: str | None
    on_fail: str
    timeout: float | None


@strawberry.type
class Workflow:
    name: str
    description: str | None
    trigger_event: str | None
    trigger_condition: str | None
    steps: list[WorkflowStepDef]

    @classmethod
    def of(cls, workflow: WorkflowDef) -> Workflow:
        return cls(
            name=workflow.name,
            description=workflow.description,
            trigger_event=workflow.trigger.event if workflow.trigger else None,
            trigger_condition=workflow.trigger.condition if workflow.trigger else None,
            steps=[
                WorkflowStepDef(
                    id=s.id,
                    agent=s.agent,
                    needs=s.needs,
                    condition=s.condition,
                    on_fail=s.on_fail.value,
                    timeout=s.timeout,
                )
                for s in workflow.steps
            ],
        )


@strawberry.type
class WorkflowStepRun:
    step_id: str
    status: str
    attempts: int
    started_at: str
    ended_at: str
    error: str | None
    audit_id: str | None
    output: JSON

    @classmethod
    def of(cls, result: StepResult) -> WorkflowStepRun:
        return cls(
            step_id=result.step_id,
            status=result.status.value,
            attempts=result.attempts,
            started_at=result.started_at,
            ended_at=result.ended_at,
            error=result.error,
            audit_id=result.audit_id,
            output=result.output,
        )


@strawberry.type(description="A finding of the Audit a step produced, with the file it is in.")
class WorkflowFinding:
    id: str
    step_id: str
    audit_id: str
    rule: str | None
    severity: str | None
    message: str | None
    line: int | None
    path: str | None
    file_id: str | None = strawberry.field(description="The File node (null: no ingested file matched).")
    project_id: str | None = strawberry.field(description="The project the file belongs to.")


@strawberry.type
class WorkflowExecution:
    id: str
    workflow: Workflow
    status: str
    correlation_id: str
    started_at: str
    completed_at: str | None
    warnings: list[str]
    event: JSON
    steps: list[WorkflowStepRun]

    @classmethod
    def of(cls, execution: Execution, results: list[StepResult] | None = None) -> WorkflowExecution:
        return cls(
            id=execution.id,
            workflow=Workflow.of(execution.definition),
            status=execution.status.value,
            correlation_id=execution.correlation_id,
            started_at=execution.started_at,
            completed_at=execution.completed_at,
            warnings=execution.warnings,
            event=execution.event,
            steps=[WorkflowStepRun.of(r) for r in results or []],
        )

    @classmethod
    def of_view(cls, view: ExecutionView) -> WorkflowExecution:
        return cls.of(view.execution, view.steps)

    @strawberry.field(description="Findings of the Audits this execution's steps produced (one read).")
    async def findings(self, info: Info, limit: int = 200) -> list[WorkflowFinding]:
        step_of = {s.audit_id: s.step_id for s in self.steps if s.audit_id}
        runtime = _runtime(info)
        found = await service.audit_findings(
            driver=runtime.driver,
            settings=runtime.settings,
            audit_ids=sorted(step_of),
            limit=max(1, min(limit, 1000)),
        )
        return [
            WorkflowFinding(
                id=f["id"],
                step_id=step_of[f["auditId"]],
                audit_id=f["auditId"],
                rule=f["rule"],
                severity=f["severity"],
                message=f["message"],
                line=f["line"],
                path=f["path"],
                file_id=f["fileId"],
                project_id=f["projectId"],
            )
            for f in found
        ]


@strawberry.type
class WorkflowLogEntry:
    id: str
    time: str
    execution_id: str
    step_id: str | None
    level: str
    message: str
    status: str | None
    step_status: str | None = strawberry.field(
        description="The state of the step this line reports: 'running' for a step's progress "
        "lines (started, retrying), its settled status on its last line; null for execution lines."
    )

    @classmethod
    def of(cls, entry: dict[str, Any], execution_id: str) -> WorkflowLogEntry:
        step_id, status = entry["stepId"], entry["status"]
        return cls(
            id=entry["id"],
            time=entry["time"],
            execution_id=execution_id,
            step_id=step_id,
            level=entry["level"],
            message=entry["message"],
            status=status,
            step_status=(status or "running") if step_id else None,
        )


@strawberry.type
class WorkflowsQuery:
    @strawberry.field(description="Applied workflow definitions.")
    async def workflows(self, info: Info) -> list[Workflow]:
        engine = await _runtime(info).connect()
        return [Workflow.of(w) for w in await engine.store.list_definitions()]

    @strawberry.field(description="One execution with its step results.")
    async def workflow_execution(self, info: Info, id: strawberry.ID) -> WorkflowExecution:
        engine = await _runtime(info).connect()
        return WorkflowExecution.of_view(await engine.store.view(str(id)))

    @strawberry.field(description="Recent executions, newest first (optionally of one workflow).")
    async def workflow_executions(
        self, info: Info, workflow: str | None = None, limit: int = 20
    ) -> list[WorkflowExecution]:
        engine = await _runtime(info).connect()
        found = await engine.store.list_executions(workflow=workflow, limit=max(1, min(limit, 200)))
        return [WorkflowExecution.of(e) for e in found]


@strawberry.type
class WorkflowsMutation:
    @strawberry.mutation(description="Validate and store a workflow (YAML or JSON text); nothing on error.")
    async def apply_workflow(self, info: Info, document: str) -> Workflow:
        return Workflow.of(await flows.apply_workflow(_runtime(info), document))

    @strawberry.mutation(description="Start an execution; returns at once (follow it with workflowLogs).")
    async def run_workflow(self, info: Info, name: str, event: JSON | None = None) -> WorkflowExecution:
        payload = event if isinstance(event, dict) else {}
        return WorkflowExecution.of(await flows.run_workflow(_runtime(info), name, event=payload))

    @strawberry.mutation(description="Cancel an execution.")
    async def cancel_workflow_execution(self, info: Info, id: strawberry.ID) -> WorkflowExecution:
        engine = await _runtime(info).connect()
        return WorkflowExecution.of(await engine.cancel(str(id)))


@strawberry.type
class WorkflowsSubscription:
    @strawberry.subscription(description="An execution's log: what is stored, then live, until it settles.")
    async def workflow_logs(
        self, info: Info, execution_id: strawberry.ID
    ) -> AsyncGenerator[WorkflowLogEntry, None]:
        async for entry in flows.follow_logs(_runtime(info), str(execution_id)):
            yield WorkflowLogEntry.of(entry, str(execution_id))
