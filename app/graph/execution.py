"""A faster completion of the large flat lists in a graph result.

graphql-core completes every field of every list item through the full resolver machinery: for a
depth-2 neighbourhood (~340 nodes x 4 fields + ~640 edges x 3 fields) that is 3,000+ resolver
calls and about half of the request's CPU time. The items of ``Graph.nodes`` / ``Graph.edges`` are
plain data (every field a stored attribute, no arguments, no resolver logic), so for them the
selection is planned once per list and each item becomes a dict in one comprehension. The plan
falls back to the general path whenever it cannot vouch for the same answer: deferred fragments,
field arguments, non-leaf fields, or a null in a non-null field. ``tests/graph`` compares both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    is_leaf_type,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# GraphQL type names whose fields are all plain stored values (see the module docstring).
FLAT_TYPES = frozenset({"GraphNode", "GraphEdge", "CountByKey"})
DEFINITION_KEY = "strawberry-definition"

# (response key, attribute name or None for __typename, coerce, nullable, the Python type whose
# values the coercion returns unchanged, or None)
FieldPlan = tuple[str, str | None, Callable[[Any], Any], bool, type | None]


class FlatListExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: Any,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        item_type = return_type.of_type
        nullable_items = not isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if (
            isinstance(object_type, GraphQLObjectType)
            and object_type.name in FLAT_TYPES
            and isinstance(result, list)
        ):
            plan = self._flat_plan(object_type, field_details_list)
            if plan is not None:
                completed = _complete_flat(plan, result, nullable_items)
                if completed is not None:
                    return completed
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _flat_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> list[FieldPlan] | None:
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        plan: list[FieldPlan] = []
        for response_key, details in grouped_field_set.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                plan.append((response_key, None, lambda _: object_type.name, False, None))
                continue
            field = object_type.fields.get(name)
            if field is None or node.arguments or field.args:
                return None
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf = field.type if nullable else field.type.of_type
            definition = field.extensions.get(DEFINITION_KEY)
            if (
                not is_leaf_type(leaf)
                or definition is None
                or definition.base_resolver is not None
                or definition.extensions
                or definition.permission_classes
            ):
                return None
            unchanged = str if leaf in (GraphQLString, GraphQLID) else None
            plan.append((response_key, definition.python_name, _coercer(leaf), nullable, unchanged))
        return plan


def _coercer(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """The type's own output coercion, memoised for hashable values (enums, repeated strings)."""
    coerce = leaf.coerce_output_value
    memo: dict[Any, Any] = {}

    def coerce_value(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            memo[value] = coerced = coerce(value)
            return coerced
        except TypeError:  # unhashable: lists, dicts (the JSON scalar)
            return coerce(value)

    return coerce_value


def _complete_flat(plan: list[FieldPlan], items: list[Any], nullable_items: bool) -> list[Any] | None:
    completed: list[Any] = []
    for item in items:
        if item is None:
            if not nullable_items:
                return None
            completed.append(None)
            continue
        row: dict[str, Any] = {}
        for key, attribute, coerce, nullable, unchanged in plan:
            value = item if attribute is None else getattr(item, attribute)
            if type(value) is unchanged:
                row[key] = value
            elif value is None:
                if not nullable:
                    return None  # let the general path raise the proper error
                row[key] = None
            else:
                row[key] = coerce(value)
        completed.append(row)
    return completed
