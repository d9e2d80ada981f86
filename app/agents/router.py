"""REST entry points of the agents domain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from app.agents import service
from app.agents.models import Agent, AgentRegistration, AgentRequest, AgentResult

router = APIRouter(prefix="/api/agents", tags=["agents"])


def _deps(request: Request) -> dict[str, Any]:
    return {"driver": request.app.state.driver, "settings": request.app.state.settings}


@router.get("")
async def list_agents(request: Request) -> list[Agent]:
    return await service.list_agents(**_deps(request))


@router.post("", status_code=201)
async def register(request: Request, registration: AgentRegistration) -> Agent:
    return await service.register_agent(**_deps(request), registration=registration)


@router.post("/{name}/invoke")
async def invoke(
    request: Request,
    name: str,
    params: Annotated[dict[str, Any] | None, Body(embed=True, alias="with")] = None,
    timeout: Annotated[float, Query(gt=0, le=3600)] = 600.0,
) -> AgentResult:
    """Run an agent once (findings are returned, not recorded)."""
    await service.get_agent(**_deps(request), name=name)
    return await service.invoke(
        **_deps(request),
        nc=getattr(getattr(request.app.state, "events", None), "nc", None),
        request=AgentRequest(agent=name, params=params or {}),
        timeout_s=timeout,
    )
