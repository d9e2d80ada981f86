"""Hostile GraphQL: rejected before execution, with clear errors, never reaching Neo4j."""

from __future__ import annotations

import time

import pytest
from graph_factory import CodeGraph

from app.config import Settings
from app.core.errors import LimitExceeded
from app.graph import service
from app.work import service as work_service


@pytest.fixture
def db_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each named query the service runs (a spy: the real query still runs)."""
    calls: list[str] = []
    real = service._run

    async def spy(driver, settings, name, /, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(name)
        return await real(driver, settings, name, **kwargs)

    monkeypatch.setattr(service, "_run", spy)
    return calls


def nested(depth: int) -> str:
    """A query ``depth`` fields deep: Symbol.calls chains."""
    inner = "name"
    for _ in range((depth - 2) // 3):
        inner = f"calls(first: 1) {{ edges {{ node {{ {inner} }} }} }}"
    return f'{{ node(id: "{"0" * 32}") {{ ... on Symbol {{ {inner} }} }} }}'


def test_twelve_deep_query_is_rejected_by_the_depth_limiter(gql, db_calls: list[str]) -> None:
    for attempt in range(2):  # the second answer comes from the remembered validation outcome
        body = gql(nested(14))
        assert body["data"] is None, attempt
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert db_calls == []
    allowed = gql(nested(8))  # within the limit: executes (and the id is unknown)
    assert allowed["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert db_calls == ["node_by_id"]


def test_alias_amplified_query_is_rejected(gql, code_graph: CodeGraph, db_calls: list[str]) -> None:
    fields = " ".join(
        f'g{i}: projectGraph(projectId: "{code_graph.project_id}", depth: 4, limit: 5000) {{ truncated }}'
        for i in range(40)
    )
    for _ in range(2):
        body = gql(f"{{ {fields} }}")
        assert body["data"] is None
        assert "aliases" in body["errors"][0]["message"]
    assert db_calls == []


def test_oversized_documents_are_rejected_by_the_token_limiter(gql, db_calls: list[str]) -> None:
    body = gql("{ " + " ".join("__typename" for _ in range(3000)) + " }")
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()
    assert db_calls == []


def test_cost_estimate_rejects_fan_out_before_execution(gql, db_calls: list[str]) -> None:
    fan_out = """{ projects(first: 100) { edges { node { repos(first: 100) { edges { node {
      files(first: 100) { edges { node { path } } } } } } } } } }"""
    body = gql(fan_out)
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"]
    assert body["extensions"]["cost"]["estimated"] == error["extensions"]["cost"]
    assert db_calls == []

    # variables count as much as literals
    via_variables = gql(
        "query($n: Int!) { projects(first: $n) { edges { node { repos(first: $n) { edges { node {"
        " files(first: $n) { edges { node { path } } } } } } } } } }",
        {"n": 100},
    )
    assert via_variables["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert db_calls == []

    small = gql("{ projects(first: 2) { edges { node { name } } } }")
    assert "errors" not in small and 0 < small["extensions"]["cost"]["estimated"] < 100


def test_page_size_above_100_is_rejected(gql) -> None:
    body = gql("{ projects(first: 101) { edges { node { name } } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_every_query_runs_under_the_transaction_timeout(
    async_driver, driver, settings: Settings, code_graph: CodeGraph
) -> None:
    # Another transaction holds the Task's write lock; the update waits on it until the server
    # aborts it for exceeding its (short) transaction timeout, instead of hanging.
    strict = settings.model_copy(update={"neo4j_query_timeout_s": 0.5})
    with driver.session(database=settings.neo4j_database) as session, session.begin_transaction() as blocker:
        blocker.run("MATCH (t:Task {id: $id}) SET t.lockedBy = 'test'", id=code_graph.task_id).consume()
        started = time.monotonic()
        with pytest.raises(LimitExceeded, match="longer than"):
            await work_service.update_task(
                driver=async_driver, settings=strict, task_id=code_graph.task_id, status="done"
            )
        assert time.monotonic() - started < 10
        blocker.rollback()


def test_an_invalid_query_stays_invalid_and_a_valid_one_valid(gql, code_graph: CodeGraph) -> None:
    """Validation outcomes are remembered by query text: the same text, the same verdict."""
    for _ in range(3):
        wrong = gql("{ projects { edges { node { noSuchField } } } }")
        assert "noSuchField" in wrong["errors"][0]["message"]
        right = gql("query($id: ID!) { project(id: $id) { name } }", {"id": code_graph.project_id})
        assert "errors" not in right and right["data"]["project"]["name"] == code_graph.project_name


def test_project_view_size_and_open_groups_count_in_the_cost(gql, code_graph: CodeGraph) -> None:
    """maxNodes and each open group are database work: counted before execution, with the figure."""
    project = code_graph.project_id
    view = (
        "query($p: ID!, $n: Int!, $e: [String!]) {"
        " projectView(projectId: $p, maxNodes: $n, expanded: $e) { truncated } }"
    )
    small = gql(view, {"p": project, "n": 100, "e": []})
    assert small["extensions"]["cost"]["estimated"] >= 100
    wide = gql(view, {"p": project, "n": 20_000, "e": [f"folder:{i}" for i in range(4_000)]})
    error = wide["errors"][0]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED" and wide["data"] is None
    assert error["extensions"]["cost"] >= 20_000 + 10 * 4_000
    assert str(error["extensions"]["cost"]) in error["message"]


def test_deep_search_offsets_are_refused_before_the_database(gql, db_calls: list[str]) -> None:
    import base64

    deep = base64.b64encode(b"offset:50000").decode()
    query = 'query($a: String) { search(query: "x", after: $a) { edges { node { score } } } }'
    body = gql(query, {"a": deep})
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "50001" in body["errors"][0]["message"]
    assert db_calls == []
