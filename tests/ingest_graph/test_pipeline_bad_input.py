"""Bad input is skipped and counted, or refused with a clear error; nothing is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from graph_snapshot import git
from neo4j import Driver

from app.core.errors import InvalidInput
from ingest.pipeline import ingest_repository


def test_skips_are_counted_and_broken_files_still_recorded(driver: Driver, tmp_path: Path) -> None:
    root = tmp_path / "messy"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg/ok.py").write_text("def fine():\n    return 1\n")
    (root / "pkg/broken.py").write_text(
        "def before():\n    pass\n\ndef broken(:\n    pass\n\nclass After:\n    pass\n"
    )
    (root / "pkg/blob.py").write_bytes(b"\x00\x01\x02binary\xff")
    (root / "pkg/latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (root / "pkg/huge.py").write_text("x = 1\n" * 400_000)  # 2.4 MB, over the default 2 MB limit
    for vendored in ("node_modules/lib", "dist", ".venv/lib", "build"):
        (root / vendored).mkdir(parents=True)
        (root / vendored / "vendored.js").write_text("export function v() {}\n")
    outside = tmp_path / "outside.py"
    outside.write_text("def secret():\n    pass\n")
    os.symlink(outside, root / "pkg/link_out.py")
    os.symlink(tmp_path, root / "escape_dir")
    summary = ingest_repository(driver, path=root, project="bad-input", history=0)

    assert summary.skipped["binary"] == 2  # NUL bytes, and bytes that are not UTF-8
    assert summary.skipped["too_large"] == 1
    assert summary.skipped["symlink_outside"] == 1
    assert summary.skipped["vendored_dirs"] >= 4
    records, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $r})-[:CONTAINS]->(f:File) RETURN f.path AS p, f.parseErrors AS e",
        r=summary.repo_id,
    )
    files = {r["p"]: r["e"] for r in records}
    assert set(files) == {"pkg/ok.py", "pkg/broken.py"}
    assert files["pkg/broken.py"] > 0
    names, _, _ = driver.execute_query(
        "MATCH (s:Symbol {repoId: $r, path: 'pkg/broken.py'}) RETURN collect(s.name) AS n", r=summary.repo_id
    )
    assert "before" in names[0]["n"]  # what parsed before the error is kept
    secrets, _, _ = driver.execute_query("MATCH (s:Symbol {name: 'secret'}) RETURN count(s) AS n")
    assert secrets[0]["n"] == 0


def test_size_limit_is_configurable(driver: Driver, tmp_path: Path) -> None:
    root = tmp_path / "sized"
    root.mkdir()
    (root / "a.py").write_text("x = 1\n" * 100)
    summary = ingest_repository(driver, path=root, project="sized", history=0, max_file_bytes=100)
    assert summary.skipped == {"too_large": 1}


def test_missing_path_and_file_path_are_refused(driver: Driver, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        ingest_repository(driver, path=tmp_path / "nope", project="x")
    (tmp_path / "file.py").write_text("")
    with pytest.raises(InvalidInput, match="is not a directory"):
        ingest_repository(driver, path=tmp_path / "file.py", project="x")


def test_cli_errors_are_one_clear_line(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def hub(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True,
                              env={**os.environ, **env}, timeout=120, check=False)  # fmt: skip

    missing = hub("graph", "ingest", str(tmp_path / "nope"), "--project", "x")
    assert (
        missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    )
    bad_lang = hub("graph", "ingest", str(tmp_path), "--project", "x", "--lang", "cobol")
    assert bad_lang.returncode == 1 and "unknown language" in bad_lang.stderr
    bad_ref = tmp_path / "repo"
    bad_ref.mkdir()
    git(bad_ref, "init", "-q")
    since = hub("graph", "ingest", str(bad_ref), "--project", "x", "--since", "no-such-ref")
    assert since.returncode == 1 and "is not a commit" in since.stderr
    down = hub("graph", "ingest", str(tmp_path), "--project", "x", HUB_NEO4J_URI="bolt://127.0.0.1:9",
               HUB_NEO4J_PASSWORD="x")  # fmt: skip
    assert down.returncode == 1 and "Neo4j is not reachable" in down.stderr and "Traceback" not in down.stderr
