"""GraphQL for agents: ``agents`` and ``registerAgent`` (credentials go in, never come out)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.agents import service
from app.agents.models import Agent as AgentModel
from app.agents.models import AgentRegistration


def _deps(info: Info[Any, Any]) -> dict[str, Any]:
    return {"driver": info.context.driver, "settings": info.context.settings}


@strawberry.type
class Agent:
    id: strawberry.ID
    name: str
    type: str
    capabilities: list[str]
    endpoint: str
    active: bool
    builtin: bool
    description: str | None
    has_credentials: bool

    @classmethod
    def of(cls, agent: AgentModel) -> Agent:
        return cls(
            id=strawberry.ID(agent.id),
            name=agent.name,
            type=agent.type.value,
            capabilities=agent.capabilities,
            endpoint=agent.endpoint,
            active=agent.active,
            builtin=agent.builtin,
            description=agent.description,
            has_credentials=agent.has_credentials,
        )


@strawberry.input
class RegisterAgentInput:
    name: str
    endpoint: str
    type: str = "api_tool"
    capabilities: list[str] = strawberry.field(default_factory=list)
    active: bool = True
    description: str | None = None
    credentials: JSON | None = None


@strawberry.type
class AgentsQuery:
    @strawberry.field(description="Built-in and registered agents.")
    async def agents(self, info: Info) -> list[Agent]:
        return [Agent.of(a) for a in await service.list_agents(**_deps(info))]


@strawberry.type
class AgentsMutation:
    @strawberry.mutation(description="Register or update an agent (admin).")
    async def register_agent(self, info: Info, input: RegisterAgentInput) -> Agent:
        registration = service.registration_of(
            name=input.name,
            endpoint=input.endpoint,
            type=input.type,
            capabilities=input.capabilities,
            active=input.active,
            description=input.description,
            credentials=input.credentials,
        )
        return Agent.of(await service.register_agent(**_deps(info), registration=registration))


__all__ = ["AgentRegistration", "AgentsMutation", "AgentsQuery"]
