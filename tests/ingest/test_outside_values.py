"""Values from outside that reach git or the file system: never an option, never outside the repo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.core.errors import InvalidInput
from ingest.discovery import check_repo_files, discover
from ingest.pipeline import changed_since


def repo_with_a_commit(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    identity = ["-c", "user.name=T", "-c", "user.email=t@e"]
    subprocess.run(["git", "-C", str(root), *identity, "commit", "-qm", "1"], check=True)


def test_a_since_ref_naming_an_option_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo_with_a_commit(root)
    written = tmp_path / "written"
    with pytest.raises(InvalidInput, match="is not a commit"):
        changed_since(root, f"--output={written}")
    assert not written.exists()
    assert changed_since(root, "HEAD") == set()  # a real ref still works


def test_files_from_outside_stay_inside_the_repo(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "ok.py").write_text("x = 1\n")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.py").write_text("KEY = 'hunter2'\n")
    (root / "linked").symlink_to(secret, target_is_directory=True)  # a symlinked folder component

    assert check_repo_files(root, ["src/ok.py", "src/deleted.py"]) == ["src/ok.py", "src/deleted.py"]
    for bad, reason in [
        ("../secret/key.py", "'..'"),
        ("src/../../secret/key.py", "'..'"),
        (str(secret / "key.py"), "repo-relative"),
        ("linked/key.py", "outside the repository"),
        ("a\x00b.py", "not a file path"),
    ]:
        with pytest.raises(ValueError, match=reason):
            check_repo_files(root, [bad])
    # Discovery itself never reads through the link either, even when asked for that path.
    found = discover(root, only={"linked/key.py", "src/ok.py"})
    assert [f.path for f in found.files] == ["src/ok.py"] and found.skipped["symlink_outside"] == 1
