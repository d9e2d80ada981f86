"""Which files of a repository are code to parse, and why the others are skipped.

Reading happens here too: the content is needed for the hash anyway, and reading once means a
file that changes while we work is either wholly old or wholly new.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingest.languages import detect_language

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024

# Vendored, generated or tool folders: never the repository's own code.
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "bower_components", "dist", "build", ".venv", "venv",
    "env", ".env", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "site-packages", ".next", ".nuxt", ".svelte-kit", "coverage", "htmlcov", ".idea", ".vscode",
    "target", "out", ".gradle", ".eggs", "vendor", "third_party", ".cache", ".terraform",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # repo-relative, POSIX
    lang: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(slots=True)
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def _is_binary(content: bytes) -> bool:
    if b"\0" in content[:8192]:
        return True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def discover(
    root: Path,
    *,
    languages: set[str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    only: set[str] | None = None,
) -> Discovery:
    """Walk ``root`` (or just the repo-relative paths in ``only``) and read the code files."""
    root = root.resolve()
    result = Discovery()
    candidates = _walk(root, result) if only is None else sorted(only)
    for rel in candidates:
        lang = detect_language(rel)
        if lang is None or (languages is not None and lang not in languages):
            continue
        if any(part in SKIPPED_DIRS for part in rel.split("/")[:-1]):
            result.skipped["vendored"] += 1
            continue
        absolute = root / rel
        # Any component may be a link (or '..' in a listed path): only what resolves inside is read.
        if not _inside(absolute, root):
            result.skipped["symlink_outside"] += 1
            continue
        try:
            if not absolute.is_file():
                continue
            size = absolute.stat().st_size
            if size > max_file_bytes:
                result.skipped["too_large"] += 1
                continue
            content = absolute.read_bytes()
        except OSError:
            result.skipped["unreadable"] += 1
            continue
        if _is_binary(content):
            result.skipped["binary"] += 1
            continue
        result.files.append(SourceFile(rel, lang, content, hashlib.sha256(content).hexdigest()))
    return result


def check_repo_files(root: Path, paths: list[str]) -> list[str]:
    """Repo-relative paths from outside (a push, a job): relative, POSIX, no ``..`` component, and
    resolving inside ``root`` through every symlinked component. Raises ValueError naming the
    first path that is not; a deleted file (nothing there) is fine, it is removed from the graph."""
    root = root.resolve()
    clean: list[str] = []
    for rel in paths:
        if not isinstance(rel, str) or not rel or len(rel) > 4096 or "\x00" in rel:
            raise ValueError(f"not a file path: {rel!r}")
        if rel.startswith("/"):
            raise ValueError(f"files are repo-relative paths: {rel!r}")
        if ".." in rel.split("/"):
            raise ValueError(f"files may not contain '..': {rel!r}")
        if not _inside(root / rel, root):
            raise ValueError(f"{rel!r} leads outside the repository (a symlinked component)")
        clean.append(rel.strip("/"))
    return clean


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def _walk(root: Path, result: Discovery) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        kept = []
        for name in dirnames:
            if name in SKIPPED_DIRS or name.endswith(".egg-info"):
                result.skipped["vendored_dirs"] += 1
                continue
            full = Path(dirpath, name)
            if full.is_symlink():  # os.walk does not follow them; say so rather than lose them
                result.skipped["symlink_dir"] += 1
                continue
            kept.append(name)
        dirnames[:] = sorted(kept)
        base = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        found.extend(prefix + name for name in sorted(filenames))
    return found
