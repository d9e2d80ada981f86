"""GraphQL queries against the real Neo4j holding the generated code graph."""

from __future__ import annotations

import base64

from graph_factory import CodeGraph, build_code_graph

PROJECT = """query($id: ID!, $first: Int!, $after: String, $prefix: String) {
  project(id: $id) { id entityId name
    repos { edges { node { entityId
      files(first: $first, after: $after, pathPrefix: $prefix) {
        edges { cursor node { path lang symbols { edges { node { qualifiedName kind rangeStart } } } } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } } } } } }"""

GRAPH = """query($id: ID!, $depth: Int!, $limit: Int!, $filters: GraphFilter, $roots: [ID!]) {
  projectGraph(projectId: $id, depth: $depth, limit: $limit, filters: $filters, rootIds: $roots) {
    truncated nodes { id entity label distance metadata } edges { fromId toId type metadata }
    stats { nodeCount edgeCount depth byEntity { key count } } } }"""


def labels(nodes: list[dict]) -> set[str]:
    return {node["label"] for node in nodes}


def test_projects_paginate_with_cursors(gql, code_graph: CodeGraph) -> None:
    seen: list[str] = []
    after = None
    for _ in range(200):
        body = gql(
            "query($after: String){ projects(first: 2, after: $after) { edges { cursor node { id name } }"
            " pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )
        page = body["data"]["projects"]
        assert 1 <= len(page["edges"]) <= 2
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert code_graph.project_name in seen
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)  # ordered by name
    assert body["extensions"]["cost"]["estimated"] > 0


def test_project_by_global_or_raw_id_with_nested_pages(gql, code_graph: CodeGraph) -> None:
    global_id = base64.b64encode(f"Project:{code_graph.project_id}".encode()).decode()
    first = gql(PROJECT, {"id": global_id, "first": 4})["data"]["project"]
    assert first["id"] == global_id and first["entityId"] == code_graph.project_id
    files = first["repos"]["edges"][0]["node"]["files"]
    paths = [edge["node"]["path"] for edge in files["edges"]]
    assert paths == sorted(code_graph.files)[:4]
    assert files["pageInfo"]["hasNextPage"] and not files["pageInfo"]["hasPreviousPage"]
    app_ts = next(edge["node"] for edge in files["edges"] if edge["node"]["path"] == "src/app.ts")
    assert [s["node"]["qualifiedName"] for s in app_ts["symbols"]["edges"]] == ["main", "App", "App.start"]

    second = gql(PROJECT, {"id": code_graph.project_id, "first": 4, "after": files["pageInfo"]["endCursor"]})
    rest = second["data"]["project"]["repos"]["edges"][0]["node"]["files"]
    assert [edge["node"]["path"] for edge in rest["edges"]] == sorted(code_graph.files)[4:]
    assert not rest["pageInfo"]["hasNextPage"] and rest["pageInfo"]["hasPreviousPage"]

    prefixed = gql(PROJECT, {"id": code_graph.project_id, "first": 10, "prefix": "src/services/"})
    only = prefixed["data"]["project"]["repos"]["edges"][0]["node"]["files"]["edges"]
    assert [edge["node"]["path"] for edge in only] == ["src/services/base.ts", "src/services/cart.ts"]


def test_node_resolves_every_entity_and_unknown_ids_are_not_found(gql, code_graph: CodeGraph) -> None:
    query = "query($id: ID!){ node(id: $id) { __typename id entityId } }"
    cases = {
        "Project": code_graph.project_id,
        "Repo": code_graph.repo_id,
        "File": code_graph.files["src/app.ts"],
        "Symbol": code_graph.symbols["CartService"],
        "Commit": code_graph.commits[0],
        "Person": next(iter(code_graph.people.values())),
        "Service": code_graph.service_ids["payments"],
        "Task": code_graph.task_id,
        "SpecItem": code_graph.spec_item_id,
        "Audit": code_graph.audit_id,
    }
    for typename, raw_id in cases.items():
        node = gql(query, {"id": raw_id})["data"]["node"]
        assert node["__typename"] == typename and node["entityId"] == raw_id
        again = gql(query, {"id": node["id"]})["data"]["node"]  # the global id round-trips
        assert again == node

    missing = gql(query, {"id": "0" * 32})
    assert missing["data"] is None
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong_kind = gql("query($id: ID!){ project(id: $id) { name } }", {"id": code_graph.files["src/app.ts"]})
    assert wrong_kind["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    malformed = gql(query, {"id": "not-an-id"})
    assert malformed["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_entity_fields_and_relations(gql, code_graph: CodeGraph) -> None:
    body = gql(
        """query($sym: ID!, $audit: ID!, $spec: ID!, $commit: ID!) {
      sym: node(id: $sym) { ... on Symbol { name kind signature file { path }
        calls { edges { node { name } } }
        calledBy { edges { node { qualifiedName } } } extends { edges { node { name } } }
        implementedBy { edges { node { title } } } } }
      audit: node(id: $audit) { ... on Audit { kind status target { __typename entityId } } }
      spec: node(id: $spec) { ... on SpecItem { tasks { edges { node { title status labels
        implements { edges { node { qualifiedName } } } } } } } }
      commit: node(id: $commit) { ... on Commit { isFix files { edges { node { path } } }
        authors { edges { node { email } } } } } }""",
        {
            "sym": code_graph.symbols["CartService.total"],
            "audit": code_graph.audit_id,
            "spec": code_graph.spec_item_id,
            "commit": code_graph.commits[0],
        },
    )
    assert "errors" not in body, body
    sym = body["data"]["sym"]
    assert sym["kind"] == "Method" and sym["file"]["path"] == "src/services/cart.ts"
    assert [e["node"]["name"] for e in sym["calls"]["edges"]] == ["formatPrice"]
    assert {e["node"]["qualifiedName"] for e in sym["calledBy"]["edges"]} == {
        "CartService.addItem",
        "testCartTotal",
    }
    assert sym["implementedBy"]["edges"][0]["node"]["title"].startswith("Implement cart total")
    audit = body["data"]["audit"]
    assert audit["target"] == {"__typename": "Symbol", "entityId": code_graph.symbols["CartService.total"]}
    task = body["data"]["spec"]["tasks"]["edges"][0]["node"]
    assert (
        task["labels"] == ["cart"]
        and task["implements"]["edges"][0]["node"]["qualifiedName"] == "CartService.total"
    )
    commit = body["data"]["commit"]
    assert commit["isFix"] and commit["files"]["edges"][0]["node"]["path"] == "src/services/cart.ts"


def test_project_graph_depth_limit_and_truncation(gql, code_graph: CodeGraph) -> None:
    shallow = gql(GRAPH, {"id": code_graph.project_id, "depth": 1, "limit": 100})["data"]["projectGraph"]
    assert {(n["entity"], n["distance"]) for n in shallow["nodes"]} == {("PROJECT", 0), ("REPO", 1)}
    assert shallow["edges"] == [
        {"fromId": code_graph.project_id, "toId": code_graph.repo_id, "type": "HAS_REPO", "metadata": {}}
    ]
    assert not shallow["truncated"]

    deep = gql(GRAPH, {"id": code_graph.project_id, "depth": 4, "limit": 500})["data"]["projectGraph"]
    assert not deep["truncated"]
    assert set(code_graph.files.values()) | set(code_graph.symbols.values()) <= {
        n["id"] for n in deep["nodes"]
    }
    assert max(n["distance"] for n in deep["nodes"]) <= 4
    ids = {n["id"] for n in deep["nodes"]}
    assert all(e["fromId"] in ids and e["toId"] in ids for e in deep["edges"])
    calls = [e for e in deep["edges"] if e["type"] == "CALLS"]
    assert {e["metadata"]["confidence"] for e in calls} >= {0.8, 0.9, 1.0}
    assert deep["stats"]["nodeCount"] == len(deep["nodes"]) and deep["stats"]["depth"] == 4

    capped = gql(GRAPH, {"id": code_graph.project_id, "depth": 4, "limit": 5})["data"]["projectGraph"]
    assert capped["truncated"] and len(capped["nodes"]) == 5
    distances = [n["distance"] for n in capped["nodes"]]
    assert distances == sorted(distances)  # breadth-first: the nearest nodes are kept

    for bad in ({"depth": 5, "limit": 10}, {"depth": 2, "limit": 5001}, {"depth": 2, "limit": 0}):
        body = gql(GRAPH, {"id": code_graph.project_id, **bad})
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", bad


def test_project_graph_filters_and_roots(gql, code_graph: CodeGraph) -> None:
    def run(filters: dict, depth: int = 4, roots: list[str] | None = None) -> dict:
        body = gql(
            GRAPH,
            {"id": code_graph.project_id, "depth": depth, "limit": 500, "filters": filters, "roots": roots},
        )
        assert "errors" not in body, body
        return body["data"]["projectGraph"]

    classes = run({"entities": ["REPO", "FILE", "SYMBOL"], "symbolKinds": ["CLASS"]})
    symbols = {n["label"] for n in classes["nodes"] if n["entity"] == "SYMBOL"}
    assert symbols == {"App", "CartService", "BaseService"}
    assert all("Class" in n["metadata"]["labels"] for n in classes["nodes"] if n["entity"] == "SYMBOL")

    python = run({"languages": ["python"]})
    files = {n["label"] for n in python["nodes"] if n["entity"] == "FILE"}
    assert files == {"scripts/seed.py"}
    assert {n["label"] for n in python["nodes"] if n["entity"] == "SYMBOL"} == {"seed"}

    services = run({"pathPrefix": "src/services/", "entities": ["REPO", "FILE", "SYMBOL"]})
    assert {n["label"] for n in services["nodes"] if n["entity"] == "FILE"} == {
        "src/services/cart.ts",
        "src/services/base.ts",
    }

    imports_only = run({"edgeTypes": ["IMPORTS"]}, depth=2, roots=[code_graph.files["src/services/cart.ts"]])
    assert labels(imports_only["nodes"]) == {
        "src/services/cart.ts",
        "src/services/base.ts",
        "src/util/format.ts",
        "src/app.ts",
        "tests/cart.test.ts",
    }
    assert {e["type"] for e in imports_only["edges"]} == {"IMPORTS"}

    around = run({}, depth=1, roots=[code_graph.files["src/util/format.ts"]])
    assert {n["label"] for n in around["nodes"] if n["distance"] == 1} >= {
        "formatPrice",
        "src/services/cart.ts",
    }

    unknown_root = gql(GRAPH, {"id": code_graph.project_id, "depth": 1, "limit": 10, "roots": ["1" * 32]})
    assert unknown_root["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    unknown_project = gql(GRAPH, {"id": "2" * 32, "depth": 1, "limit": 10})
    assert unknown_project["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_project_graph_roots_must_belong_to_the_project(gql, code_graph: CodeGraph, driver) -> None:
    """A file of another project is refused as a root; people and other estate-wide nodes are not."""
    other = build_code_graph(driver)
    foreign = gql(GRAPH, {"id": code_graph.project_id, "depth": 1, "limit": 10,
                          "roots": [other.files["src/app.ts"]]})  # fmt: skip
    error = foreign["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND" and "is not in project" in error["message"]
    own = gql(GRAPH, {"id": other.project_id, "depth": 1, "limit": 10, "roots": [other.files["src/app.ts"]]})
    assert "errors" not in own, own
    person = next(iter(code_graph.people.values()))
    shared = gql(GRAPH, {"id": code_graph.project_id, "depth": 1, "limit": 50, "roots": [person]})
    assert "errors" not in shared and shared["data"]["projectGraph"]["nodes"][0]["id"] == person


DEPS = """query($id: ID!, $direction: Direction!, $depth: Int!, $types: [EdgeType!]) {
  symbolDependencies(symbolId: $id, direction: $direction, depth: $depth, edgeTypes: $types) {
    truncated nodes { id label distance } edges { fromId toId type } } }"""


EDGES = """query($id: ID!, $roots: [ID!], $all: Boolean!) {
  projectGraph(projectId: $id, depth: 1, limit: 500, rootIds: $roots, allEdges: $all) {
    nodes { id distance } edges { fromId toId type } } }"""


def test_project_graph_edges_crossed_by_default_and_all_on_request(gql, code_graph: CodeGraph) -> None:
    """By default the edges are those the expansion crossed (each touches a node nearer than the
    depth); allEdges adds the edges among the outermost ring (here a class's HAS_MEMBER to its
    methods, all three declared by the root file), over the same nodes."""
    root = code_graph.files["src/services/cart.ts"]
    crossed, every = (
        gql(EDGES, {"id": code_graph.project_id, "roots": [root], "all": flag})["data"]["projectGraph"]
        for flag in (False, True)
    )
    assert {n["id"] for n in crossed["nodes"]} == {n["id"] for n in every["nodes"]}
    distance = {n["id"]: n["distance"] for n in crossed["nodes"]}
    assert crossed["edges"]
    assert all(distance[e["fromId"]] == 0 or distance[e["toId"]] == 0 for e in crossed["edges"])
    key = lambda e: (e["fromId"], e["toId"], e["type"])  # noqa: E731
    assert {key(e) for e in crossed["edges"]} < {key(e) for e in every["edges"]}
    outer = {key(e) for e in every["edges"] if distance[e["fromId"]] == distance[e["toId"]] == 1}
    members = {code_graph.symbols["CartService.total"], code_graph.symbols["CartService.addItem"]}
    assert {(code_graph.symbols["CartService"], m, "HAS_MEMBER") for m in members} <= outer


def test_symbol_dependencies_by_direction_and_depth(gql, code_graph: CodeGraph) -> None:
    def run(symbol: str, direction: str, depth: int, types: list[str] | None = None) -> dict[str, int]:
        body = gql(
            DEPS, {"id": code_graph.symbols[symbol], "direction": direction, "depth": depth, "types": types}
        )
        assert "errors" not in body, body
        return {n["label"]: n["distance"] for n in body["data"]["symbolDependencies"]["nodes"]}

    assert run("main", "OUTGOING", 1) == {"main": 0, "App.start": 1}
    assert run("main", "OUTGOING", 5) == {
        "main": 0,
        "App.start": 1,
        "CartService.addItem": 2,
        "CartService.total": 3,
        "formatPrice": 4,
    }
    assert run("CartService.total", "INCOMING", 2) == {
        "CartService.total": 0,
        "CartService.addItem": 1,
        "testCartTotal": 1,
        "App.start": 2,
    }
    assert run("CartService.total", "BOTH", 1) == {
        "CartService.total": 0,
        "CartService.addItem": 1,
        "testCartTotal": 1,
        "formatPrice": 1,
    }
    assert run("CartService", "OUTGOING", 3, ["EXTENDS"]) == {"CartService": 0, "BaseService": 1}

    too_deep = gql(DEPS, {"id": code_graph.symbols["main"], "direction": "OUTGOING", "depth": 6})
    assert too_deep["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    not_symbol = gql(DEPS, {"id": code_graph.files["src/app.ts"], "direction": "OUTGOING", "depth": 1})
    assert not_symbol["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_impact_and_shortest_path(gql, code_graph: CodeGraph) -> None:
    impact = gql(
        "query($id: ID!){ impact(id: $id, depth: 3) { nodes { label distance } } }",
        {"id": code_graph.files["src/util/format.ts"]},
    )["data"]["impact"]
    assert {n["label"]: n["distance"] for n in impact["nodes"]} == {
        "src/util/format.ts": 0,
        "src/services/cart.ts": 1,
        "src/app.ts": 2,
        "tests/cart.test.ts": 2,
    }

    query = """query($a: ID!, $b: ID!, $d: Int!){ path(fromId: $a, toId: $b, maxDepth: $d) {
      found length graph { nodes { id distance } edges { fromId toId type } } } }"""
    found = gql(query, {"a": code_graph.symbols["main"], "b": code_graph.symbols["App.start"], "d": 4})[
        "data"
    ]["path"]
    assert found["found"] and found["length"] == 1
    assert [n["id"] for n in found["graph"]["nodes"]] == [
        code_graph.symbols["main"],
        code_graph.symbols["App.start"],
    ]
    far = gql(query, {"a": code_graph.symbols["main"], "b": code_graph.symbols["formatPrice"], "d": 6})[
        "data"
    ]["path"]
    assert far["found"] and far["length"] == 4 and len(far["graph"]["edges"]) == 4
    short = gql(query, {"a": code_graph.symbols["main"], "b": code_graph.symbols["formatPrice"], "d": 1})[
        "data"
    ]["path"]
    assert short == {"found": False, "length": None, "graph": {"nodes": [], "edges": []}}
    missing = gql(query, {"a": code_graph.symbols["main"], "b": "3" * 32, "d": 2})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


SEARCH = """query($q: String!, $scope: [SearchScope!], $first: Int!, $after: String) {
  search(query: $q, scope: $scope, first: $first, after: $after) {
    edges { cursor node { score scope node { id entity label metadata } } }
    pageInfo { hasNextPage endCursor } } }"""


def ours(code_graph: CodeGraph, hits: list[dict]) -> list[dict]:
    own = {code_graph.repo_id, code_graph.project_id}
    return [
        h["node"]
        for h in hits
        if h["node"]["node"]["metadata"].get("repoId") in own
        or code_graph.token in h["node"]["node"]["label"]
    ]


def test_search_is_ranked_and_paged(gql, code_graph: CodeGraph) -> None:
    body = gql(SEARCH, {"q": "formatPrice", "scope": ["symbols"], "first": 50})
    hits = ours(code_graph, body["data"]["search"]["edges"])
    assert [h["node"]["label"] for h in hits][:2] == ["formatPrice", "formatPriceRange"]  # exact beats prefix
    assert hits[0]["score"] > hits[1]["score"]
    scores = [e["node"]["score"] for e in body["data"]["search"]["edges"]]
    assert scores == sorted(scores, reverse=True)

    tasks = gql(SEARCH, {"q": f"cart {code_graph.token}", "scope": ["tasks", "specItems"], "first": 10})
    found = {(e["node"]["scope"], e["node"]["node"]["id"]) for e in tasks["data"]["search"]["edges"]}
    assert found == {("tasks", code_graph.task_id), ("specItems", code_graph.spec_item_id)}

    first = gql(SEARCH, {"q": f"cart {code_graph.token}", "first": 1})["data"]["search"]
    assert first["pageInfo"]["hasNextPage"]
    second = gql(
        SEARCH, {"q": f"cart {code_graph.token}", "first": 1, "after": first["pageInfo"]["endCursor"]}
    )
    ids = [
        first["edges"][0]["node"]["node"]["id"],
        second["data"]["search"]["edges"][0]["node"]["node"]["id"],
    ]
    assert sorted(ids) == sorted([code_graph.task_id, code_graph.spec_item_id])


def test_search_treats_lucene_syntax_and_injection_as_text(gql, code_graph: CodeGraph, driver) -> None:
    before = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    hostile = [
        "formatPrice(",
        "a AND OR NOT",
        "*",
        '"unterminated',
        "x~2^3",
        "[1 TO 5]",
        "path:/etc/passwd",
        "\\",
        "&& || !",
        "') RETURN 1 //",
        "x' OR 1=1 //",
        "}) MATCH (n) DETACH DELETE n //",
        "{!lucene}",
        "?",
    ]
    for text in hostile:
        body = gql(SEARCH, {"q": text, "first": 5})
        assert "errors" not in body, (text, body)
    path = gql(SEARCH, {"q": "src/services/cart.ts", "scope": ["files"], "first": 50})
    assert code_graph.files["src/services/cart.ts"] in {
        e["node"]["node"]["id"] for e in path["data"]["search"]["edges"]
    }
    empty = gql(SEARCH, {"q": "   ", "first": 5})
    assert empty["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    graph = gql(
        GRAPH,
        {
            "id": code_graph.project_id,
            "depth": 2,
            "limit": 10,
            "filters": {"pathPrefix": "' }) DETACH DELETE n //"},
        },
    )
    assert "errors" not in graph
    assert driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"] >= before
    assert gql("query($id: ID!){ node(id: $id) { id } }", {"id": code_graph.project_id})["data"]["node"]


def test_metadata_is_read_only_when_asked_for_and_the_rest_is_the_same(gql, code_graph: CodeGraph) -> None:
    """Without `metadata` in the selection the traversal reads only naming properties: same nodes,
    labels and edges; asked for directly or through a fragment, metadata comes back whole."""
    head = "query($id: ID!) { projectGraph(projectId: $id, depth: 3, limit: 500) { "
    plain = gql(head + "nodes { id entity label distance } edges { fromId toId type } } }",
                {"id": code_graph.project_id})["data"]["projectGraph"]  # fmt: skip
    direct = gql(head + "nodes { id entity label distance metadata } edges { fromId toId type metadata } } }",
                 {"id": code_graph.project_id})["data"]["projectGraph"]  # fmt: skip
    fragment = gql(head + "nodes { ...N } edges { fromId toId type } } } "
                   "fragment N on GraphNode { id entity label distance metadata }",
                   {"id": code_graph.project_id})["data"]["projectGraph"]  # fmt: skip

    def shape(graph: dict) -> tuple:
        return (sorted((n["id"], n["entity"], n["label"], n["distance"]) for n in graph["nodes"]),
                sorted((e["fromId"], e["toId"], e["type"]) for e in graph["edges"]))  # fmt: skip

    assert shape(plain) == shape(direct) == shape(fragment)
    for graph in (direct, fragment):
        files = [n for n in graph["nodes"] if n["entity"] == "FILE"]
        assert files and all({"lang", "loc", "hash"} <= set(n["metadata"]) for n in files)
    assert any(e["metadata"] for e in direct["edges"])  # CALLS carry their confidence
