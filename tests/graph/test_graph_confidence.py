"""minConfidence: clients can leave out low-confidence CALLS edges (the unique-name guesses)."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from neo4j import Driver

from ingest.pipeline import ingest_repository

SOURCES = {
    "app/helpers.py": "def helper():\n    return 1\n\n\ndef run():\n    return helper()\n",
    "app/orphan.py": "def orphan_task():\n    return 2\n",
    # orphan_task is neither imported nor defined here: only a unique-name guess (0.3) finds it
    "app/caller.py": "def caller():\n    return orphan_task()\n",
}


def _ingest(driver: Driver, tmp_path: Path) -> str:
    repo = tmp_path / "conf"
    for rel, text in SOURCES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    return ingest_repository(driver, path=repo, project=f"conf-{uuid.uuid4().hex[:8]}", history=0).project_id


def test_min_confidence_leaves_out_guesses(gql, api: TestClient, driver: Driver, tmp_path: Path) -> None:
    project_id = _ingest(driver, tmp_path)
    query = """query($id: ID!, $min: Float!) { projectGraph(projectId: $id, depth: 4, limit: 200,
      minConfidence: $min) { nodes { id label entity } edges { fromId toId type metadata } } }"""
    response = gql(query, {"id": project_id, "min": 0.0})
    assert response.get("data"), response
    everything = response["data"]["projectGraph"]
    calls = [e for e in everything["edges"] if e["type"] == "CALLS"]
    assert sorted((e["metadata"]["confidence"], e["metadata"]["evidence"]) for e in calls) == [
        (0.3, "guess"),
        (1.0, "scope"),
    ]
    confident = gql(query, {"id": project_id, "min": 0.5})["data"]["projectGraph"]
    assert [e["metadata"]["evidence"] for e in confident["edges"] if e["type"] == "CALLS"] == ["scope"]

    caller = {"id": next(e["fromId"] for e in calls if e["metadata"]["evidence"] == "guess")}
    calls_of = """query($id: ID!, $min: Float!) { node(id: $id) { ... on Symbol {
      calls(minConfidence: $min) { edges { node { qualifiedName } } } } } }"""

    def names(min_confidence: float) -> list[str]:
        found = gql(calls_of, {"id": caller["id"], "min": min_confidence})["data"]["node"]["calls"]["edges"]
        return [e["node"]["qualifiedName"] for e in found]

    assert names(0.0) == ["app.orphan.orphan_task"]
    assert names(0.5) == []

    rest = api.get(f"/api/symbols/{caller['id']}/dependencies", params={"minConfidence": 0.5})
    assert rest.status_code == 200, rest.text
    assert [n for n in rest.json()["nodes"] if n["distance"] == 1] == []
    loose = api.get(f"/api/symbols/{caller['id']}/dependencies", params={"minConfidence": 0.0})
    assert [n["label"].split(".")[-1] for n in loose.json()["nodes"] if n["distance"] == 1] == ["orphan_task"]

    assert (
        api.get(f"/api/symbols/{caller['id']}/dependencies", params={"minConfidence": 2}).status_code == 422
    )
    bad = gql(query, {"id": project_id, "min": 1.5})
    assert bad.get("errors") and "minConfidence" in bad["errors"][0]["message"]
