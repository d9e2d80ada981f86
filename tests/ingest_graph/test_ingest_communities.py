"""`hub graph ingest` keeps a project's GDS communities current: computed on request, recomputed
by later ingests of a project that has them, left alone with --no-communities."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

ROOT = Path(__file__).resolve().parents[2]


def ingest(root: Path, *flags: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "graph", "ingest", str(root), "--project", "communities-cli",
         "--json", *flags],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def community_ids(driver: Driver, project_id: str) -> dict[str, int | None]:
    records, _, _ = driver.execute_query(
        "MATCH (:Project {id: $p})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File) RETURN f.path AS path, "
        "f.communityId AS community",
        p=project_id,
    )
    return {r["path"]: r["community"] for r in records}


def test_ingest_computes_then_keeps_communities_current(driver: Driver, tmp_path: Path) -> None:
    root = tmp_path / "clustered"
    root.mkdir()
    (root / "a.py").write_text("def a():\n    return 1\n")
    (root / "b.py").write_text("from a import a\n\n\ndef b():\n    return a()\n")
    first = ingest(root, "--communities")
    assert all(c is not None for c in community_ids(driver, first["project_id"]).values())

    (root / "c.py").write_text("from b import b\n\n\ndef c():\n    return b()\n")
    ingest(root)  # default: the project has communities, so they are recomputed
    assert community_ids(driver, first["project_id"])["c.py"] is not None

    (root / "d.py").write_text("def d():\n    return 4\n")
    ingest(root, "--no-communities")
    assert community_ids(driver, first["project_id"])["d.py"] is None


def test_a_failed_community_computation_leaves_the_ingest_written(
    driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GDS failing after the code graph is written is a warning, not a lost ingest."""
    from typer.testing import CliRunner

    from app.cli.main import app
    from app.views import service as views_service

    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("GDS is out of memory")

    monkeypatch.setattr(views_service, "compute_communities", broken)
    root = tmp_path / "unlucky"
    root.mkdir()
    (root / "a.py").write_text("def a():\n    return 1\n")
    result = CliRunner().invoke(app, ["graph", "ingest", str(root), "--project", "communities-fail",
                                      "--communities", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert any("GDS communities not recomputed" in w and "out of memory" in w for w in summary["warnings"])
    assert set(community_ids(driver, summary["project_id"])) == {"a.py"}
