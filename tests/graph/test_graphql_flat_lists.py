"""The fast completion of Graph.nodes / Graph.edges answers exactly what graphql-core's general path does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graph_factory import CodeGraph
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graph.execution import FlatListExecutionContext
from app.schema import schema

SELECTIONS = {
    "plain": "nodes { id entity label distance } edges { fromId toId type }",
    "aliases, typename, metadata": "nodes { __typename key: id kind: entity label metadata distance } "
    "edges { from: fromId to: toId type metadata __typename }",
    "fragments and directives": "nodes { ...N label @skip(if: $skip) } "
    "edges { type ...E @include(if: $include) } "
    "stats { byEntity { key count } byEdgeType { __typename key count } }",
    "same field twice": "nodes { id id entity } edges { type fromId type }",
}
FRAGMENTS = "fragment N on GraphNode { id entity } fragment E on GraphEdge { fromId toId }"


@pytest.fixture
def general_path() -> Iterator[None]:
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        yield
    finally:
        schema.execution_context_class = FlatListExecutionContext


def _run(gql: Any, code_graph: CodeGraph, selection: str) -> dict[str, Any]:
    variables = "$skip: Boolean = true, $include: Boolean = true" if "@" in selection else ""
    query = (
        f"query($id: ID!, {variables}) "
        f"{{ projectGraph(projectId: $id, depth: 3, limit: 500) {{ truncated {selection} }} }} "
        + (FRAGMENTS if "..." in selection else "")
    )
    body = gql(query, {"id": code_graph.project_id})
    assert "errors" not in body, body
    graph = body["data"]["projectGraph"]
    assert graph["nodes"] and graph["edges"]
    return body["data"]


@pytest.mark.parametrize("selection", SELECTIONS.values(), ids=SELECTIONS.keys())
def test_flat_lists_match_the_general_path(
    gql: Any, code_graph: CodeGraph, selection: str, request: Any
) -> None:
    assert schema.execution_context_class is FlatListExecutionContext
    fast = _run(gql, code_graph, selection)
    request.getfixturevalue("general_path")
    assert schema.execution_context_class is StrawberryGraphQLCoreExecutionContext
    general = _run(gql, code_graph, selection)
    assert fast == general


def test_directives_apply_on_the_fast_path(gql: Any, code_graph: CodeGraph) -> None:
    data = _run(gql, code_graph, SELECTIONS["fragments and directives"])
    node, edge = data["projectGraph"]["nodes"][0], data["projectGraph"]["edges"][0]
    assert set(node) == {"id", "entity"}  # label skipped
    assert set(edge) == {"type", "fromId", "toId"}
