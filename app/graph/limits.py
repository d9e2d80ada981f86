"""Guards of the GraphQL layer: a static cost estimate checked before execution, and the mapping
of the hub's errors to GraphQL ``extensions.code``.

The cost of a field is ``1 + n * (cost of its selection)`` where ``n`` is how many items a list can
hold: the field's own ``first``/``limit`` argument, else the ``first``/``limit`` of the field that
contains it (a connection's ``edges``, a graph's ``nodes``), else a small default. A query over the
budget is answered with a LIMIT_EXCEEDED error and never executed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from app.core.errors import HubError

MAX_COST = 50_000
DEFAULT_LIST_SIZE = 10
SIZE_ARGUMENTS = ("first", "limit")
# projectView-like fields: ``maxNodes`` bounds the nodes the database folds and each open group
# (``expanded``) is one more bounded read, so both count once (not multiplied by the selection).
VIEW_SIZE_ARGUMENT, OPEN_GROUPS_ARGUMENT = "maxNodes", "expanded"
OPEN_GROUP_COST = 10


class _Estimator:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def selection_cost(
        self, selections: SelectionSetNode, parent: GraphQLNamedType, size: int | None, seen: frozenset[str]
    ) -> int:
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent, size, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_cost(selection.selection_set, target or parent, size, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # validation reports both; never loop
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.selection_cost(fragment.selection_set, target, size, seen | {name})
        return total

    def size_argument(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The field's ``first``/``limit``: literal, variable, or the schema's default."""
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        for name in SIZE_ARGUMENTS:
            if name not in definition.args:
                continue
            value: Any = definition.args[name].default_value
            argument = given.get(name)
            if isinstance(argument, IntValueNode):
                value = int(argument.value)
            elif isinstance(argument, VariableNode):
                value = self.variables.get(argument.name.value, value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(value, 0)
        return None

    def argument(self, node: FieldNode, definition: GraphQLField, name: str) -> Any:
        """An argument's value: literal, variable, or the schema's default."""
        if name not in definition.args:
            return None
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        if name not in given:
            default = definition.args[name].default_value
            return None if default is Undefined else default
        return value_from_ast_untyped(given[name], self.variables)

    def view_cost(self, node: FieldNode, definition: GraphQLField) -> int:
        max_nodes = self.argument(node, definition, VIEW_SIZE_ARGUMENT)
        groups = self.argument(node, definition, OPEN_GROUPS_ARGUMENT)
        nodes = max_nodes if isinstance(max_nodes, int) and not isinstance(max_nodes, bool) else 0
        open_groups = len(groups) if isinstance(groups, list) else 0
        return max(nodes, 0) + OPEN_GROUP_COST * open_groups

    def field_cost(
        self, node: FieldNode, parent: GraphQLNamedType, size: int | None, seen: frozenset[str]
    ) -> int:
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(node.name.value)
        if definition is None:  # __typename, introspection fields
            return 1
        if VIEW_SIZE_ARGUMENT in definition.args:
            return self.view_cost(node, definition) + self.plain_field_cost(node, definition, size, seen)
        return self.plain_field_cost(node, definition, size, seen)

    def plain_field_cost(
        self, node: FieldNode, definition: GraphQLField, size: int | None, seen: frozenset[str]
    ) -> int:
        own_size = self.size_argument(node, definition)
        is_list = is_list_type(get_nullable_type(definition.type))
        multiplier = (own_size or size or DEFAULT_LIST_SIZE) if is_list else 1
        if node.selection_set is None:
            return 1
        # A sized object's lists (a connection's edges, a graph's nodes) inherit its size.
        child_size = None if is_list else own_size
        named = get_named_type(definition.type)
        return 1 + max(multiplier, 1) * self.selection_cost(node.selection_set, named, child_size, seen)


def estimate_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any] | None,
) -> int:
    root: GraphQLObjectType | None = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Estimator(schema, fragments, variables or {}).selection_cost(
        operation.selection_set, root, None, frozenset()
    )


class QueryCostLimiter(SchemaExtension):
    """Rejects an operation whose estimated cost exceeds ``max_cost``; reports ``extensions.cost``."""

    def __init__(self, *, max_cost: int = MAX_COST) -> None:
        self.max_cost = max_cost
        self.cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            operation = next(
                (op for op in operations if op.name and op.name.value == context.operation_name),
                operations[0] if len(operations) == 1 else None,
            )
            if operation is not None:
                self.cost = estimate_cost(context.schema._schema, operation, fragments, context.variables)
                if self.cost > self.max_cost:
                    context.result = ExecutionResult(
                        data=None,
                        errors=[
                            GraphQLError(
                                f"query cost {self.cost} exceeds the limit of {self.max_cost}: "
                                "ask for fewer items (first/limit) or nest fewer lists",
                                extensions={
                                    "code": "LIMIT_EXCEEDED",
                                    "cost": self.cost,
                                    "maxCost": self.max_cost,
                                },
                            )
                        ],
                    )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"estimated": self.cost, "max": self.max_cost}}


class HubErrorCodes(SchemaExtension):
    """The hub's exceptions become GraphQL errors with ``extensions.code``; anything unexpected is
    reported as INTERNAL without its message (which may carry query text or driver details)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or []:
            original = error.original_error
            if isinstance(original, HubError):
                extensions = {"code": original.code}
                if original.hint:
                    extensions["hint"] = original.hint
                error.extensions = {**(error.extensions or {}), **extensions}
            elif original is not None and not isinstance(original, GraphQLError):
                error.message = "internal error"
                error.extensions = {**(error.extensions or {}), "code": "INTERNAL"}
            elif not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}


class ValidationByText(SchemaExtension):
    """Remembers the validation outcome of recent query texts (VISLZR sends the same few with new
    variables). Strawberry's ValidationCache keys on the rule classes, which the depth and alias
    limiters create anew for every request, so it never hits; the rules themselves never change,
    so the text is key enough. Validation does not depend on variables; the cost check does and
    runs on every request."""

    MAX_ENTRIES = 512
    _outcomes: OrderedDict[str, list[GraphQLError]] = OrderedDict()

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query or ""
        known = self._outcomes.get(text)
        if known is not None:
            self._outcomes.move_to_end(text)
            context.pre_execution_errors = known
            yield
            return
        yield
        if context.pre_execution_errors is not None:
            self._outcomes[text] = list(context.pre_execution_errors)
            while len(self._outcomes) > self.MAX_ENTRIES:
                self._outcomes.popitem(last=False)


class HubSchema(strawberry.Schema):
    """Logs only unexpected errors: a NOT_FOUND or a rejected query is the client's outcome, and a
    traceback per 404 would bury the errors that need a look."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [
            error
            for error in errors
            if error.original_error is not None and not isinstance(error.original_error, HubError)
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)
