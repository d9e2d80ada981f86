"""The GraphQL side of the boundary: each root field's rule (app/auth/scopes.py) checked before
execution, and the websocket's credential taken from its ``connection_init`` payload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.auth.scopes import GRAPHQL_RULES, check
from app.auth.service import Guard
from app.core.errors import HubError
from app.core.principal import Principal


def root_fields(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    """The operation's root fields, through fragments (a spread at the root is still a root field)."""
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from root_fields(fragments[name].selection_set, fragments, seen | {name})


class ScopeGuard(SchemaExtension):
    """Refuses the whole operation when any root field is not allowed to the caller."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            try:
                self._check(document.definitions, context.operation_name, context.variables or {},
                            getattr(context.context, "principal", None))  # fmt: skip
            except HubError as error:
                extensions: dict[str, Any] = {"code": error.code}
                if error.hint:
                    extensions["hint"] = error.hint
                refusal = GraphQLError(error.message, extensions=extensions)
                if context.operation_type is OperationType.SUBSCRIPTION:
                    raise refusal from None  # a subscription ignores a preset result; an error ends it
                context.result = ExecutionResult(data=None, errors=[refusal])
        yield

    def _check(
        self,
        definitions: Any,
        operation_name: str | None,
        variables: dict[str, Any],
        principal: Principal | None,
    ) -> None:
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        operation = next(
            (op for op in operations if op.name and op.name.value == operation_name),
            operations[0] if len(operations) == 1 else None,
        )
        if operation is None:
            return  # graphql-core reports the missing operation itself
        root = operation.operation.value.capitalize()  # Query, Mutation, Subscription
        for field in root_fields(operation.selection_set, fragments):
            name = f"{root}.{field.name.value}"
            rule = GRAPHQL_RULES.get(name)
            project = None
            if rule is not None and rule.project is not None:
                given = {a.name.value: a.value for a in field.arguments or ()}
                if rule.project in given:
                    project = value_from_ast_untyped(given[rule.project], variables)
            check(rule, principal, what=name, project=project)


async def authenticate_connection_init(guard: Guard, params: object) -> Principal:
    """The principal of a graphql-transport-ws ``connection_init`` payload:
    ``{"authorization": "Bearer hub_..."}``; rejects the connection otherwise."""
    value = params.get("authorization") if isinstance(params, dict) else None
    token = value.removeprefix("Bearer ").strip() if isinstance(value, str) else ""
    principal, retry_after = await guard.check(token) if token else (None, None)
    if principal is None:
        raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "message": "a credential is needed"})
    if retry_after is not None:
        raise ConnectionRejectionError({"code": "RATE_LIMITED", "retryAfter": retry_after})
    return principal
