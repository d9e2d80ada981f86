"""Git history: commits, authors, MODIFIED with line counts, fix detection, churn, incremental."""

from __future__ import annotations

from pathlib import Path

from graph_snapshot import git
from neo4j import Driver

from ingest.history import is_fix
from ingest.pipeline import ingest_repository


def test_fix_detection() -> None:
    assert is_fix("Fix crash when the cart is empty")
    assert is_fix("Refactor pricing\n\nFixes: #42")
    assert is_fix("hotfix: wrong tax")
    assert not is_fix("Add prefix support")  # 'prefix' is not 'fix'
    assert not is_fix("Document the debugger")


def test_history_is_ingested_incrementally(driver: Driver, tmp_path: Path) -> None:
    root = tmp_path / "hist"
    root.mkdir()
    (root / "a.py").write_text("def a():\n    return 1\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Add a")
    (root / "a.py").write_text("def a():\n    return 2\n\n\ndef b():\n    return 3\n")
    git(root, "commit", "-qam", "Fix a and add b")
    first = ingest_repository(driver, path=root, project="hist")
    assert first.commits_added == 2
    records, _, _ = driver.execute_query(
        "MATCH (p:Person)-[:AUTHORED]->(c:Commit {repoId: $r})-[m:MODIFIED]->(f:File) "
        "RETURN c.message AS msg, c.isFix AS fix, p.email AS email, m.added AS added, m.deleted AS deleted, "
        "f.path AS path ORDER BY c.time, msg",
        r=first.repo_id,
    )
    rows = sorted((r["msg"], r["fix"], r["email"], r["added"], r["deleted"], r["path"]) for r in records)
    assert rows == [
        ("Add a", False, "test@example.com", 2, 0, "a.py"),
        ("Fix a and add b", True, "test@example.com", 5, 1, "a.py"),
    ]
    churn, _, _ = driver.execute_query(
        "MATCH (f:File {repoId: $r, path: 'a.py'}) RETURN f.commitCount AS c, f.fixCount AS x, "
        "f.churnAdded AS a, f.churnDeleted AS d",
        r=first.repo_id,
    )
    assert dict(churn[0]) == {"c": 2, "x": 1, "a": 7, "d": 1}

    again = ingest_repository(driver, path=root, project="hist")
    assert again.commits_added == 0
    (root / "b.py").write_text("X = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Add b.py")
    third = ingest_repository(driver, path=root, project="hist")
    assert third.commits_added == 1
    total, _, _ = driver.execute_query("MATCH (c:Commit {repoId: $r}) RETURN count(c) AS n", r=first.repo_id)
    assert total[0]["n"] == 3
    limited = ingest_repository(driver, path=root, project="hist-limited", history=1)
    assert limited.commits_added == 1
