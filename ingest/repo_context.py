"""What resolution needs to know about a repo besides its parsed files: Python source roots, the
root tsconfig's ``baseUrl``/``paths``, the Go module path and the declared packages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ingest.manifests import read_manifests
from ingest.model import RepoContext

_JSON_COMMENTS = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.S)
_JSON_TRAILING = re.compile(r'"(?:\\.|[^"\\])*"|,(?=\s*[}\]])', re.S)


def loads_jsonc(text: str) -> object:
    """Parse JSON with ``//`` and ``/* */`` comments and trailing commas (tsconfig dialect)."""
    keep = lambda m: m.group(0) if m.group(0).startswith('"') else ""  # noqa: E731
    return json.loads(_JSON_TRAILING.sub(keep, _JSON_COMMENTS.sub(keep, text)))


def _read_tsconfig(root: Path, paths: set[str]) -> tuple[str | None, dict[str, list[str]]]:
    """``baseUrl`` (repo-relative) and ``paths`` from the root tsconfig/jsconfig, following ``extends``
    one level when it is a relative file."""
    for name in ("tsconfig.json", "jsconfig.json"):
        if name not in paths and not (root / name).is_file():
            continue
        try:
            data = loads_jsonc((root / name).read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        opts = data.get("compilerOptions") or {}
        ext = data.get("extends")
        if isinstance(ext, str) and ext.startswith(".") and not opts.get("paths"):
            try:
                parent = loads_jsonc((root / ext).read_text(encoding="utf-8", errors="replace"))
                if isinstance(parent, dict):
                    opts = {**(parent.get("compilerOptions") or {}), **opts}
            except (OSError, ValueError):
                pass
        base = opts.get("baseUrl")
        ts_paths = opts.get("paths") or {}
        base_rel = None
        if isinstance(base, str):
            base_rel = PurePosixPath(base).as_posix().strip("/")
            base_rel = "" if base_rel in (".", "./") else base_rel.removeprefix("./")
        elif ts_paths:
            base_rel = ""  # TS 4.1+: paths without baseUrl are relative to the tsconfig
        clean = {str(k): [str(v) for v in vs] for k, vs in ts_paths.items() if isinstance(vs, list)}
        return base_rel, clean
    return None, {}


def _read_go_module(root: Path) -> str | None:
    try:
        text = (root / "go.mod").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(r"^\s*module\s+(\S+)", text, re.M)
    return m.group(1).strip('"') if m else None


def python_source_roots(paths: Iterable[str]) -> tuple[str, ...]:
    """The repo root, ``src/``, and every directory that directly contains a top-level package (a
    directory with ``__init__.py`` whose parent has none)."""
    init_dirs = {p.rsplit("/", 1)[0] if "/" in p else "" for p in paths if p.endswith("__init__.py")}
    roots = {""}
    for d in init_dirs:
        if not d:
            continue
        parent = d.rsplit("/", 1)[0] if "/" in d else ""
        if parent not in init_dirs:
            roots.add(parent)
    if any(p.startswith("src/") for p in paths):
        roots.add("src")
    return tuple(sorted(roots, key=lambda r: (r.count("/") if r else -1, r)))


def build_repo_context(root: Path, paths: Iterable[str]) -> RepoContext:
    all_paths = frozenset(paths)
    base_url, ts_paths = _read_tsconfig(root, set(all_paths))
    return RepoContext(
        files=all_paths,
        python_roots=python_source_roots(p for p in all_paths if p.endswith(".py")),
        ts_base_url=base_url,
        ts_paths=ts_paths,
        go_module=_read_go_module(root),
        packages=read_manifests(root, all_paths),
    )
