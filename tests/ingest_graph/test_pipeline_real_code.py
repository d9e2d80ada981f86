"""Real code through the whole pipeline into Neo4j: counts equal the ``ast`` oracle."""

from __future__ import annotations

import ast
import importlib.util
from collections import Counter
from pathlib import Path

from graph_snapshot import make_repo
from neo4j import Driver
from tests_support import ast_kind_counts

from ingest.pipeline import ingest_repository


def oracle(root: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in root.rglob("*.py"):
        counts += ast_kind_counts(ast.parse(path.read_bytes()))
    return counts


def test_rich_counts_equal_ast_and_imports_resolve(driver: Driver, tmp_path: Path) -> None:
    spec = importlib.util.find_spec("rich")
    assert spec is not None and spec.submodule_search_locations, "rich is a dependency of the hub"
    package = Path(next(iter(spec.submodule_search_locations)))
    repo = make_repo(package, tmp_path / "rich-repo" / "rich")  # the package inside a repo root
    summary = ingest_repository(driver, path=repo.parent, project="real-rich", history=0)
    assert summary.files_parsed == len(list(package.rglob("*.py")))

    records, _, _ = driver.execute_query(
        "MATCH (s:Symbol {repoId: $r}) WHERE s.kind IN ['Class', 'Method', 'Function'] "
        "RETURN s.kind AS kind, count(*) AS n",
        r=summary.repo_id,
    )
    assert {r["kind"]: r["n"] for r in records} == dict(oracle(package))

    # Every in-package import resolves to a File of the repo: none lands on an external node.
    leaked, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $r})-[:CONTAINS]->(:File)-[:IMPORTS]->(m) "
        "WHERE (m:ExternalModule OR m:Package) AND toLower(m.name) = 'rich' RETURN count(*) AS n",
        r=summary.repo_id,
    )
    assert leaked[0]["n"] == 0
    assert summary.unresolved_imports == 0
    file_imports, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $r})-[:CONTAINS]->(:File)-[i:IMPORTS]->(:File) RETURN count(i) AS n",
        r=summary.repo_id,
    )
    assert file_imports[0]["n"] > 100
    # A known edge: rich/console.py imports rich/segment.py.
    edge, _, _ = driver.execute_query(
        "MATCH (:File {repoId: $r, path: 'rich/console.py'})-[:IMPORTS]->(g:File {path: 'rich/segment.py'}) "
        "RETURN count(*) AS n",
        r=summary.repo_id,
    )
    assert edge[0]["n"] == 1
    # Methods hang off their classes.
    members, _, _ = driver.execute_query(
        "MATCH (c:Class {repoId: $r, qualifiedName: 'rich.console.Console'})-[:HAS_MEMBER]->(m:Method) "
        "RETURN collect(m.name) AS names",
        r=summary.repo_id,
    )
    assert {"print", "log", "export_text"} <= set(members[0]["names"])
