"""The query API over a repository ingested by the real pipeline (tests/fixtures/ts_paths)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from neo4j import Driver

from ingest.pipeline import ingest_repository

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ts_paths"


def test_ingested_typescript_repo_is_queryable(gql, driver: Driver, tmp_path: Path) -> None:
    repo = tmp_path / "ts_paths"
    shutil.copytree(FIXTURE, repo)
    summary = ingest_repository(driver, path=repo, project=f"ts-paths-{uuid.uuid4().hex[:8]}", history=0)

    graph = gql(
        """query($id: ID!) { projectGraph(projectId: $id, depth: 4, limit: 1000) {
          truncated nodes { id entity label } edges { fromId toId type } } }""",
        {"id": summary.project_id},
    )["data"]["projectGraph"]
    files = {n["label"] for n in graph["nodes"] if n["entity"] == "FILE"}
    assert {"src/app.ts", "src/core/circle.ts", "src/core/shape.ts"} <= files
    assert {"HAS_REPO", "CONTAINS", "DECLARES", "IMPORTS"} <= {e["type"] for e in graph["edges"]}

    main = next(n for n in graph["nodes"] if n["entity"] == "SYMBOL" and n["label"].endswith("main"))
    deps = gql(
        """query($id: ID!) { symbolDependencies(symbolId: $id, direction: OUTGOING, depth: 2) {
          nodes { label distance } } }""",
        {"id": main["id"]},
    )["data"]["symbolDependencies"]
    called = {n["label"] for n in deps["nodes"] if n["distance"] == 1}
    assert called, deps  # main calls Circle / square / label in the fixture

    hits = gql(
        '{ search(query: "circle", scope: [files, symbols], first: 50) { edges { node { node { id } } } } }'
    )
    ids = {e["node"]["node"]["id"] for e in hits["data"]["search"]["edges"]}
    assert ids & {n["id"] for n in graph["nodes"]}
