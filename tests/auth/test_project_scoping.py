"""A key limited to project A gets A's data and nothing of project B from the operations that span
projects (issue 12): search (REST and GraphQL) and event reads and streams (REST, correlation
lookups, JSON-RPC, WebSocket, SSE, the GraphQL subscription). Estate-wide events are hidden."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from neo4j import Driver
from tests_support import LiveServer, create_token

from app.auth.scopes import GRAPHQL_RULES, ROUTE_RULES, RPC_RULES
from app.config import Settings
from ingest.ids import project_id

TOKEN = "zq" + uuid.uuid4().hex[:8]  # a search term only this module's nodes carry
NAME_A, NAME_B = f"scope-a-{TOKEN}", f"scope-b-{TOKEN}"
A, B = project_id(NAME_A), project_id(NAME_B)
A_SYMBOLS, B_SYMBOLS = 3, 8


@pytest.fixture(scope="module")
def graph(driver: Driver) -> Iterator[dict[str, set[str]]]:
    """Two projects with Symbols, Files, SpecItems and Tasks matching TOKEN, and two nodes of no
    project (a Service and a Task without a SpecItem). Returns the node ids per owner."""
    ids: dict[str, set[str]] = {"A": set(), "B": set(), "none": set()}
    rows = []
    for owner, project, count in (("A", A, A_SYMBOLS), ("B", B, B_SYMBOLS)):
        repo = f"repo{owner}{TOKEN}"
        for i in range(count):
            rows.append({"label": "Symbol", "id": f"{TOKEN}{owner}s{i}", "repo": repo, "project": project,
                         "name": f"{TOKEN}fn{owner}{i}"})  # fmt: skip
        rows.append({"label": "File", "id": f"{TOKEN}{owner}f", "repo": repo, "project": project,
                     "name": f"src/{TOKEN}{owner}.py"})  # fmt: skip
        ids[owner] |= {row["id"] for row in rows if row["project"] == project}
    driver.execute_query(
        """
        UNWIND $rows AS row
        MERGE (p:Project {id: row.project}) SET p.name = CASE row.project WHEN $a THEN $nameA ELSE $nameB END
        MERGE (r:Repo {id: row.repo}) SET r.projectId = row.project, r.path = '/tmp/' + row.repo
        MERGE (p)-[:HAS_REPO]->(r)
        FOREACH (_ IN CASE row.label WHEN 'Symbol' THEN [1] ELSE [] END |
          MERGE (s:Symbol:Function {id: row.id})
          SET s.name = row.name, s.qualifiedName = row.name, s.kind = 'Function', s.repoId = row.repo)
        FOREACH (_ IN CASE row.label WHEN 'File' THEN [1] ELSE [] END |
          MERGE (f:File {id: row.id}) SET f.path = row.name, f.repoId = row.repo)
        """,
        rows=rows, a=A, nameA=NAME_A, nameB=NAME_B,
    )  # fmt: skip
    driver.execute_query(
        """
        UNWIND [[$a, 'A'], [$b, 'B']] AS pair
        CREATE (item:SpecItem {id: $token + pair[1] + 'spec', title: $token + ' spec', projectId: pair[0]})
        CREATE (item)-[:HAS_TASK]->(:Task {id: $token + pair[1] + 'task', title: $token + ' task'})
        WITH count(*) AS _
        CREATE (:Task {id: $token + 'orphan', title: $token + ' orphan task'})
        CREATE (:Service {id: $token + 'svc', name: $token + '-svc', type: 'http'})
        """,
        a=A, b=B, token=TOKEN,
    )  # fmt: skip
    for owner in ("A", "B"):
        ids[owner] |= {f"{TOKEN}{owner}spec", f"{TOKEN}{owner}task"}
    ids["none"] = {f"{TOKEN}orphan", f"{TOKEN}svc"}
    yield ids
    driver.execute_query(
        "MATCH (n) WHERE n.id STARTS WITH $token OR n.id IN [$a, $b] "
        "OR n.id STARTS WITH 'repo' AND n.id ENDS WITH $token DETACH DELETE n",
        token=TOKEN, a=A, b=B,
    )  # fmt: skip


@pytest.fixture(scope="module")
def keys(settings: Settings) -> dict[str, dict[str, str]]:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return {
        "admin": bearer(create_token(settings, ["admin"])),
        "limited": bearer(create_token(settings, ["read"], projects=[NAME_A])),
    }


@pytest.fixture(scope="module")
def live(settings: Settings, admin_token: str) -> Iterator[LiveServer]:
    with LiveServer(settings, admin_token) as server:
        yield server


def _rest_search(
    live: LiveServer, headers: dict[str, str], first: int, after: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"q": TOKEN, "first": first}
    if after:
        params["after"] = after
    response = httpx.get(f"{live.url}/api/search", params=params, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _all_rest_hits(live: LiveServer, headers: dict[str, str], first: int) -> list[list[str]]:
    """Every page's node ids, following the cursor."""
    pages, after = [], None
    while True:
        page = _rest_search(live, headers, first, after)
        pages.append([hit["node"]["id"] for hit in page["hits"]])
        if not page["hasNextPage"]:
            return pages
        after = page["endCursor"]


def test_search_returns_only_the_keys_projects_with_full_pages(
    live: LiveServer, graph: dict[str, set[str]], keys: dict[str, dict[str, str]]
) -> None:
    everything = {node for ids in graph.values() for node in ids}
    admin_pages = _all_rest_hits(live, keys["admin"], 50)
    assert {node for page in admin_pages for node in page} == everything
    # Pages of 2 for the limited key: all of A (symbols, file, spec item, its task), none of B or
    # of no project, and every page but the last full (filtered before paging, not after).
    limited_pages = _all_rest_hits(live, keys["limited"], 2)
    found = [node for page in limited_pages for node in page]
    assert set(found) == graph["A"] and len(found) == len(graph["A"])
    assert all(len(page) == 2 for page in limited_pages[:-1]) and limited_pages[-1]


def test_graphql_search_returns_only_the_keys_projects(
    live: LiveServer, graph: dict[str, set[str]], keys: dict[str, dict[str, str]]
) -> None:
    query = {"query": "query($q: String!) { search(query: $q, first: 50) "
                      "{ edges { node { node { id } } } pageInfo { hasNextPage } } }",
             "variables": {"q": TOKEN}}  # fmt: skip
    seen = {}
    for who in ("admin", "limited"):
        body = httpx.post(f"{live.url}/graphql", json=query, headers=keys[who], timeout=30).json()
        assert not body.get("errors"), body
        seen[who] = {edge["node"]["node"]["id"] for edge in body["data"]["search"]["edges"]}
    assert seen["limited"] == graph["A"]
    assert seen["admin"] == graph["A"] | graph["B"] | graph["none"]


@pytest.fixture(scope="module")
def published(live: LiveServer, keys: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Events about A (by id and by name), about B (by id and by name) and one estate-wide, all in
    one correlation."""
    correlation = "corr" + uuid.uuid4().hex
    subject = f"hub.local.{TOKEN}.noted"
    datas = {"A-id": {"project_id": A}, "B-id": {"project_id": B}, "A-name": {"project": NAME_A},
             "B-name": {"project": NAME_B}, "estate": {"note": "no project"}}  # fmt: skip
    ids = {}
    for label, data in datas.items():
        body = {"subject": subject, "data": data, "correlationid": correlation}
        response = httpx.post(f"{live.url}/api/events/publish", json=body, headers=keys["admin"], timeout=30)
        assert response.status_code == 201, response.text
        ids[label] = response.json()["id"]
    return {"correlation": correlation, "subject": subject, "ids": ids}


def _labels(published: dict[str, Any], event_ids: list[str]) -> list[str]:
    by_id = {v: k for k, v in published["ids"].items()}
    return [by_id[event_id] for event_id in event_ids if event_id in by_id]


def test_event_reads_show_only_the_keys_projects(
    live: LiveServer, published: dict[str, Any], keys: dict[str, dict[str, str]]
) -> None:
    def read(headers: dict[str, str], **params: Any) -> list[str]:
        response = httpx.get(f"{live.url}/api/events", params=params, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return _labels(published, [event["id"] for event in response.json()["events"]])

    everything = ["A-id", "B-id", "A-name", "B-name", "estate"]
    assert read(keys["admin"], subject=published["subject"]) == everything
    assert read(keys["limited"], subject=published["subject"]) == ["A-id", "A-name"]
    # A page of one is still filled (B's events are skipped, not counted against the limit).
    first = httpx.get(f"{live.url}/api/events", params={"subject": published["subject"], "limit": 1},
                      headers=keys["limited"], timeout=30).json()  # fmt: skip
    assert _labels(published, [e["id"] for e in first["events"]]) == ["A-id"] and first["next_cursor"]
    # Correlation lookups (through the projection and the stream tail) and JSON-RPC alike.
    assert read(keys["limited"], correlation_id=published["correlation"]) == ["A-id", "A-name"]
    assert read(keys["admin"], correlation_id=published["correlation"]) == everything
    params = {"subject": published["subject"], "correlation_id": published["correlation"]}
    rpc = {"jsonrpc": "2.0", "method": "events.query", "id": 1, "params": params}
    answer = httpx.post(f"{live.url}/rpc", json=rpc, headers=keys["limited"], timeout=30).json()
    assert _labels(published, [e["id"] for e in answer["result"]["events"]]) == ["A-id", "A-name"]


async def _publish_b_then_a(live: LiveServer, headers: dict[str, str], subject: str) -> str:
    """B's event, an estate-wide one, then A's; returns A's id (the first a limited reader may see)."""
    async with httpx.AsyncClient(base_url=live.url, headers=headers, timeout=30) as client:
        for data in ({"project_id": B}, {"project": NAME_B}, {"note": "estate"}, {"project_id": A}):
            response = await client.post("/api/events/publish", json={"subject": subject, "data": data})
            assert response.status_code == 201, response.text
        return response.json()["id"]


async def test_websocket_and_sse_streams_show_only_the_keys_projects(
    live: LiveServer, keys: dict[str, dict[str, str]]
) -> None:
    subject = f"hub.local.{TOKEN}.live{uuid.uuid4().hex[:6]}"
    ws_url = live.url.replace("http", "ws") + f"/api/events/stream?subject={subject}"
    async with websockets.connect(ws_url, additional_headers=keys["limited"]) as ws:
        await asyncio.sleep(0.2)
        a_id = await _publish_b_then_a(live, keys["admin"], subject)
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["id"] == a_id

    async with (
        httpx.AsyncClient(base_url=live.url, timeout=10, headers=keys["limited"]) as client,
        client.stream("GET", "/api/events/stream", params={"subject": subject}) as stream,
    ):
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith(": connected")
        a_id = await _publish_b_then_a(live, keys["admin"], subject)
        line = ""
        while not line.startswith("id: "):
            line = await asyncio.wait_for(anext(lines), 10)
        assert line == f"id: {a_id}"


async def test_graphql_events_subscription_shows_only_the_keys_projects(
    live: LiveServer, keys: dict[str, dict[str, str]]
) -> None:
    subject = f"hub.local.{TOKEN}.sub{uuid.uuid4().hex[:6]}"
    ws_url = live.url.replace("http", "ws") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"authorization": keys["limited"]["Authorization"]}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        query = f'subscription {{ events(subject: "{subject}") {{ id }} }}'
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        await asyncio.sleep(0.5)  # the subscription is registered before events are published
        a_id = await _publish_b_then_a(live, keys["admin"], subject)
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next" and message["payload"]["data"]["events"]["id"] == a_id, message


def test_every_filtered_operation_is_covered_here() -> None:
    """A new operation marked ``filtered`` needs its own case in this module."""
    covered = {("GET", "/api/search"), ("GET", "/api/events"), ("GET", "/api/events/stream"),
               ("WS", "/api/events/stream"), "Query.search", "Subscription.events",
               "events.query"}  # fmt: skip
    filtered = {key for key, rule in ROUTE_RULES.items() if rule.filtered}
    filtered |= {name for name, rule in {**GRAPHQL_RULES, **RPC_RULES}.items() if rule.filtered}
    assert filtered == covered
