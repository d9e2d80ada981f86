"""TypeScript (tsconfig paths), JS/JSX and Go fixtures through the pipeline into Neo4j."""

from __future__ import annotations

from pathlib import Path

from graph_snapshot import make_repo
from neo4j import Driver

from ingest.pipeline import ingest_repository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def edges(driver: Driver, repo_id: str, rel: str) -> set[tuple[str, str]]:
    records, _, _ = driver.execute_query(
        "MATCH (a:Symbol {repoId: $r})-[e]->(b:Symbol) WHERE type(e) = $t "
        "RETURN a.qualifiedName AS a, b.qualifiedName AS b",
        r=repo_id, t=rel,
    )  # fmt: skip
    return {(r["a"], r["b"]) for r in records}


def file_imports(driver: Driver, repo_id: str) -> set[tuple[str, str]]:
    records, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $r})-[:CONTAINS]->(f:File)-[:IMPORTS]->(g) "
        "RETURN f.path AS f, coalesce(g.path, labels(g)[0] + ':' + g.name) AS g",
        r=repo_id,
    )
    return {(r["f"], r["g"]) for r in records}


def kinds(driver: Driver, repo_id: str) -> dict[str, str]:
    records, _, _ = driver.execute_query(
        "MATCH (s:Symbol {repoId: $r}) RETURN s.qualifiedName AS q, s.kind AS k", r=repo_id
    )
    return {r["q"]: r["k"] for r in records}


def test_typescript_with_tsconfig_paths(driver: Driver, tmp_path: Path) -> None:
    repo = make_repo(FIXTURES / "ts_paths", tmp_path / "ts")
    summary = ingest_repository(driver, path=repo, project="lang-ts")
    imports = file_imports(driver, summary.repo_id)
    # "@utils/math" through tsconfig paths, "./core" through an index file.
    assert ("src/app.ts", "src/utils/math.ts") in imports or ("src/app.ts", "src/utils/index.ts") in imports
    assert all(not target.startswith("ExternalModule:@") for _, target in imports)
    assert edges(driver, summary.repo_id, "IMPLEMENTS")
    assert edges(driver, summary.repo_id, "EXTENDS")
    assert edges(driver, summary.repo_id, "CALLS")
    assert summary.commits_added == 1


def test_javascript_and_jsx(driver: Driver, tmp_path: Path) -> None:
    repo = make_repo(FIXTURES / "js_jsx", tmp_path / "js")
    summary = ingest_repository(driver, path=repo, project="lang-js")
    imports = file_imports(driver, summary.repo_id)
    assert any(target.startswith("Package:react") for _, target in imports)
    assert any(target.endswith("index.js") for _, target in imports)
    assert edges(driver, summary.repo_id, "CALLS")


def test_go_module(driver: Driver, tmp_path: Path) -> None:
    repo = make_repo(FIXTURES / "go_mod", tmp_path / "go")
    summary = ingest_repository(driver, path=repo, project="lang-go")
    found = kinds(driver, summary.repo_id)
    assert "Method" in found.values() and "Function" in found.values()
    assert any(k in ("Type", "Interface") for k in found.values())
    imports = file_imports(driver, summary.repo_id)
    assert any(src.startswith("cmd/") and dst.startswith("internal/") for src, dst in imports)
    calls = edges(driver, summary.repo_id, "CALLS")
    assert any(a.split(".")[0] != b.split(".")[0] for a, b in calls)  # across packages
