"""Helpers for the ingestion tests: temporary git repositories and graph snapshots."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from neo4j import Driver

VOLATILE = {"lastIndexedAt"}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Test Person", "-c", "user.email=test@example.com",
         *args], capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def write_repo(root: Path, sources: dict[str, str]) -> Path:
    """A git repository at ``root`` holding ``sources`` (path -> text), committed."""
    for rel, text in sources.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def make_repo(source: Path, target: Path, message: str = "initial import") -> Path:
    shutil.copytree(source, target, symlinks=True)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", message)
    return target


def snapshot(driver: Driver, repo_id: str) -> dict[str, Any]:
    """Every node and relationship of a repo's code subgraph, without timestamps."""
    nodes, _, _ = driver.execute_query(
        """
        MATCH (r:Repo {id: $repoId})-[:CONTAINS]->(f:File)
        OPTIONAL MATCH (f)-[:DECLARES]->(s:Symbol)
        WITH collect(DISTINCT f) + collect(DISTINCT s) AS nodes
        UNWIND nodes AS n
        RETURN n.id AS id, labels(n) AS labels, properties(n) AS props
        """,
        repoId=repo_id,
    )
    edges, _, _ = driver.execute_query(
        """
        MATCH (r:Repo {id: $repoId})-[:CONTAINS]->(f:File)
        OPTIONAL MATCH (f)-[:DECLARES]->(s:Symbol)
        WITH collect(DISTINCT f) + collect(DISTINCT s) AS nodes
        UNWIND nodes AS n
        MATCH (n)-[e]->(m)
        RETURN type(e) AS type, n.id AS src, coalesce(m.id, m.sha) AS dst, e.confidence AS confidence,
               e.evidence AS evidence
        """,
        repoId=repo_id,
    )
    node_map = {
        r["id"]: (tuple(sorted(r["labels"])),
                  tuple(sorted((k, str(v)) for k, v in r["props"].items() if k not in VOLATILE)))
        for r in nodes
    }  # fmt: skip
    edge_list = sorted((r["type"], r["src"], r["dst"], r["confidence"], r["evidence"] or "") for r in edges)
    return {"nodes": node_map, "edges": edge_list}


def counts(driver: Driver) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
        "RETURN nodes, rels"
    )
    return records[0]["nodes"], records[0]["rels"]
