"""REST entry points of the workflows domain (thin: they call app.workflows.flows / the store)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from app.core.errors import DependencyUnavailable, InvalidInput
from app.workflows.flows import WorkflowRuntime, apply_workflow, execution_logs, run_workflow, wait_for
from app.workflows.models import Execution, ExecutionView, WorkflowDef

router = APIRouter(prefix="/api/workflows", tags=["workflows"])


def runtime_of(request: Request) -> WorkflowRuntime:
    runtime = getattr(request.app.state, "workflows", None)
    if runtime is None:
        raise DependencyUnavailable("the workflow runtime is not started")
    return runtime


@router.get("")
async def list_workflows(request: Request) -> list[WorkflowDef]:
    engine = await runtime_of(request).connect()
    return await engine.store.list_definitions()


@router.post("", status_code=201)
async def apply(request: Request) -> WorkflowDef:
    """The body is the workflow as YAML (``application/yaml``) or JSON (``application/json``)."""
    raw = await request.body()
    if len(raw) > 256 * 1024:
        raise InvalidInput("the workflow document is larger than 256 KiB")
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise InvalidInput("the workflow document must be UTF-8 text") from None
    return await apply_workflow(runtime_of(request), text)  # YAML is a superset of JSON


@router.post("/{name}/run", status_code=201)
async def run(
    request: Request,
    name: str,
    event: Annotated[dict[str, Any] | None, Body(embed=True)] = None,
    wait: Annotated[bool, Query(description="answer once the execution has settled")] = False,
    timeout: Annotated[float, Query(gt=0, le=3600)] = 600.0,
) -> ExecutionView | Execution:
    runtime = runtime_of(request)
    execution = await run_workflow(runtime, name, event=event or {})
    if wait:
        return await wait_for(runtime, execution.id, timeout_s=timeout)
    return execution


@router.get("/executions")
async def executions(
    request: Request, workflow: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[Execution]:
    engine = await runtime_of(request).connect()
    return await engine.store.list_executions(workflow=workflow, limit=limit)


@router.get("/executions/{execution_id}")
async def execution(request: Request, execution_id: str) -> ExecutionView:
    engine = await runtime_of(request).connect()
    return await engine.store.view(execution_id)


@router.post("/executions/{execution_id}/cancel")
async def cancel(request: Request, execution_id: str) -> Execution:
    engine = await runtime_of(request).connect()
    return await engine.cancel(execution_id)


@router.get("/executions/{execution_id}/logs")
async def logs(request: Request, execution_id: str) -> list[dict[str, Any]]:
    return await execution_logs(runtime_of(request), execution_id)
