"""Nested connections are loaded per level: one query for all the parents at one depth, each
parent still getting its own page (the same answer as asking for each parent alone)."""

from __future__ import annotations

import pytest
from graph_factory import CodeGraph

from app.graph import service

NESTED = """query($id: ID!) { node(id: $id) { ... on Repo {
  files(first: 50) { edges { node { path
    symbols(first: 2) { pageInfo { hasNextPage } edges { node { qualifiedName
      members(first: 3) { edges { cursor } } } } } } } } } } }"""

ONE_FILE = """query($id: ID!) { node(id: $id) { ... on File {
  symbols(first: 2) { pageInfo { hasNextPage } edges { node { qualifiedName
    members(first: 3) { edges { cursor } } } } } } } }"""


@pytest.fixture
def related_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many parents each run of the batched neighbour query carried (a spy: it still runs)."""
    calls: list[int] = []
    real = service._run

    async def spy(driver, settings, name, /, **kwargs):  # type: ignore[no-untyped-def]
        if name == "related":
            calls.append(len(kwargs["parents"]))
        return await real(driver, settings, name, **kwargs)

    monkeypatch.setattr(service, "_run", spy)
    return calls


def test_one_query_per_level_and_the_same_pages_as_one_parent_at_a_time(
    gql, code_graph: CodeGraph, related_calls: list[int]
) -> None:
    body = gql(NESTED, {"id": code_graph.repo_id})
    assert "errors" not in body, body
    files = body["data"]["node"]["files"]["edges"]
    assert len(files) == len(code_graph.files) > 2
    symbols = sum(len(f["node"]["symbols"]["edges"]) for f in files)
    assert symbols > 2
    # files, symbols, members: three levels, three queries, however many parents each has.
    assert related_calls == [1, len(files), symbols]

    for file in files:
        alone = gql(ONE_FILE, {"id": code_graph.files[file["node"]["path"]]})
        assert alone["data"]["node"]["symbols"] == file["node"]["symbols"], file["node"]["path"]
