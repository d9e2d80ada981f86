"""REST under /api: the same service functions as GraphQL, with HTTP status codes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from graph_factory import CodeGraph


def test_projects_list_and_detail(api: TestClient, code_graph: CodeGraph) -> None:
    names: list[str] = []
    after = None
    while True:
        page = api.get("/api/projects", params={"first": 50, **({"after": after} if after else {})}).json()
        names += [item["name"] for item in page["items"]]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert code_graph.project_name in names
    detail = api.get(f"/api/projects/{code_graph.project_id}")
    assert detail.status_code == 200 and detail.json()["name"] == code_graph.project_name
    missing = api.get(f"/api/projects/{'8' * 32}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    assert api.get("/api/projects/not-an-id").status_code == 400
    assert api.get("/api/projects", params={"first": 0}).status_code == 422


def test_project_graph_and_symbol_dependencies(api: TestClient, code_graph: CodeGraph) -> None:
    graph = api.get(
        f"/api/projects/{code_graph.project_id}/graph",
        params={"depth": 4, "entity": ["Repo", "File", "Symbol"], "kind": ["Class"], "limit": 100},
    ).json()
    assert {n["label"] for n in graph["nodes"] if n["entity"] == "Symbol"} == {
        "App",
        "CartService",
        "BaseService",
    }
    rooted = api.get(
        f"/api/projects/{code_graph.project_id}/graph",
        params={"depth": 1, "rootId": code_graph.files["src/util/format.ts"], "edgeType": "IMPORTS"},
    )
    assert {n["label"] for n in rooted.json()["nodes"]} == {"src/util/format.ts", "src/services/cart.ts"}
    assert api.get(f"/api/projects/{code_graph.project_id}/graph", params={"depth": 5}).status_code == 422

    deps = api.get(
        f"/api/symbols/{code_graph.symbols['main']}/dependencies",
        params={"direction": "OUTGOING", "depth": 2},
    ).json()
    assert {n["label"]: n["distance"] for n in deps["nodes"]} == {
        "main": 0,
        "App.start": 1,
        "CartService.addItem": 2,
    }
    assert api.get(f"/api/symbols/{'9' * 32}/dependencies").status_code == 404

    impact = api.get(f"/api/nodes/{code_graph.symbols['formatPrice']}/impact", params={"depth": 1}).json()
    assert {n["label"] for n in impact["nodes"]} == {"formatPrice", "CartService.total"}
    path = api.get(
        "/api/path", params={"from": code_graph.symbols["main"], "to": code_graph.symbols["App.start"]}
    )
    assert path.json()["found"] and path.json()["length"] == 1


def test_search(api: TestClient, code_graph: CodeGraph) -> None:
    body = api.get(
        "/api/search", params={"q": f"Implement cart total {code_graph.token}", "scope": "tasks"}
    ).json()
    assert body["hits"][0]["node"]["id"] == code_graph.task_id and body["hits"][0]["scope"] == "tasks"
    assert api.get("/api/search", params={"q": "(((["}).status_code == 200
    assert api.get("/api/search", params={"q": ""}).status_code == 422
