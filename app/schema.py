"""The root GraphQL schema, assembled in one place.

Each domain contributes Query / Mutation / Subscription types; add yours to the tuples below.
Limits run before execution: depth, aliases and tokens (Strawberry's validators) and the static
cost estimate of :mod:`app.graph.limits`, reported in ``extensions.cost``.
"""

from __future__ import annotations

import functools
from typing import Any

from neo4j import AsyncDriver
from starlette.requests import HTTPConnection
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter
from strawberry.fastapi import BaseContext
from strawberry.tools import merge_types

from app.agents.schema import AgentsMutation, AgentsQuery
from app.auth.graphql import ScopeGuard
from app.compliance.schema import ComplianceMutation
from app.config import Settings
from app.core.principal import Principal, principal_of
from app.events.schema import EventsSubscription
from app.graph.execution import FlatListExecutionContext
from app.graph.limits import HubErrorCodes, HubSchema, QueryCostLimiter, ValidationByText
from app.graph.schema import NODE_TYPES, GraphMutation, GraphQuery
from app.health.schema import HealthMutation
from app.intelligence.schema import IntelligenceMutation, IntelligenceQuery
from app.remediation.schema import RemediationMutation, RemediationQuery
from app.views.schema import ViewsMutation, ViewsQuery
from app.work.schema import WorkMutation
from app.workflows.schema import WorkflowsMutation, WorkflowsQuery, WorkflowsSubscription

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000

QUERIES: tuple[type, ...] = (
    GraphQuery, ViewsQuery, AgentsQuery, WorkflowsQuery, IntelligenceQuery, RemediationQuery,
)  # fmt: skip
MUTATIONS: tuple[type, ...] = (
    GraphMutation,
    WorkMutation,
    HealthMutation,
    ComplianceMutation,
    ViewsMutation,
    AgentsMutation,
    WorkflowsMutation,
    IntelligenceMutation,
    RemediationMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (EventsSubscription, WorkflowsSubscription)


class HubContext(BaseContext):
    """What every resolver gets: the Neo4j driver, the settings and the event service (or None)."""

    def __init__(
        self,
        *,
        driver: AsyncDriver,
        settings: Settings,
        events: Any | None,
        principal: Principal | None = None,
    ) -> None:
        super().__init__()
        self.driver = driver
        self.settings = settings
        self.events = events
        self.principal = principal  # checked per root field by app.auth.graphql.ScopeGuard
        self.loaders: dict[str, Any] = {}  # per-request DataLoaders by name (one round trip per level)


async def get_context(connection: HTTPConnection) -> HubContext:
    state = connection.app.state
    return HubContext(driver=state.driver, settings=state.settings, events=getattr(state, "events", None),
                      principal=principal_of(connection))  # fmt: skip


schema = HubSchema(
    query=merge_types("Query", QUERIES),
    mutation=merge_types("Mutation", MUTATIONS) if MUTATIONS else None,
    subscription=merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None,
    types=NODE_TYPES,
    execution_context_class=FlatListExecutionContext,
    extensions=[
        functools.partial(ParserCache, maxsize=512),  # VISLZR and clients repeat a few query texts
        HubErrorCodes,
        ScopeGuard,  # before the cost estimate: a caller without the scope learns nothing more
        functools.partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        functools.partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        functools.partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        QueryCostLimiter,
        ValidationByText,
    ],
)
