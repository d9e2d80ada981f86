"""GraphQL entry points of the health domain: registering a Service (the same registry as
``POST /api/services``). The ``Service`` type itself is read through the graph's Node interface."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app.graph import service as graph_service
from app.graph.schema import Service
from app.health.services_health import register_service, registration


@strawberry.input
class RegisterServiceInput:
    name: str
    type: str | None = None
    endpoint: str | None = None
    health_url: str | None = None


@strawberry.type
class HealthMutation:
    @strawberry.mutation(description="Register (or re-state) a Service, keyed by its name.")
    async def register_service(self, info: Info, input: RegisterServiceInput) -> Service:
        driver, settings = info.context.driver, info.context.settings
        fields = registration(
            name=input.name, type=input.type, endpoint=input.endpoint, healthUrl=input.health_url
        )
        service_id = await register_service(driver, registration=fields, database=settings.neo4j_database)
        record = await graph_service.get_node(
            driver=driver, settings=settings, node_id=service_id, expected=graph_service.Entity.SERVICE
        )
        return Service.of(record)
