"""The in-memory model of code-graph ingestion.

Parsing (in worker processes, cached on disk by content) produces a :class:`ParsedFile` per source
file; resolution turns all parsed files of a repo plus a :class:`RepoContext` into typed
:class:`Edge` s. Everything here is a plain slotted dataclass so it pickles cheaply and compares by
value (the determinism tests rely on ``==``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

SymbolKind = Literal["Module", "Class", "Function", "Method", "Interface", "Type", "Var"]
SYMBOL_KINDS: tuple[str, ...] = ("Module", "Class", "Function", "Method", "Interface", "Type", "Var")
EDGE_TYPES: tuple[str, ...] = ("IMPORTS", "CALLS", "EXTENDS", "IMPLEMENTS", "TESTS", "HAS_MEMBER")


def _constructor_call(self: Any) -> tuple[type, tuple[Any, ...]]:
    """Pickle as ``cls(*fields)``: the dataclasses' own ``__setstate__`` for slotted classes looks up
    ``fields()`` for every object, which was two thirds of loading the parse cache (unpickling
    Django's 2,823 files, see bench/RESULTS.md)."""
    return (type(self), tuple(getattr(self, name) for name in self.__slots__))


@dataclass(slots=True, frozen=True)
class SymbolDef:
    """A definition in a file. ``range_*`` are 1-based lines; ``qualified_name`` is unique per file."""

    __reduce__ = _constructor_call

    kind: str
    name: str
    qualified_name: str
    signature: str
    range_start: int
    range_end: int
    exported: bool
    parent_qn: str | None
    is_test: bool = False


@dataclass(slots=True, frozen=True)
class ImportRef:
    """An import as written.

    ``names`` are the imported names (``("*",)`` for a wildcard / namespace import, ``()`` for a
    whole-module import); ``alias`` is the local binding when the source renames (``import a as b``,
    ``import * as ns``, ``const x = require(...)``). An aliased from-import gets its own ref with a
    single name, so ``alias`` never applies to more than one name.
    """

    __reduce__ = _constructor_call

    module: str
    names: tuple[str, ...]
    alias: str | None
    level: int
    line: int
    is_type_only: bool = False


@dataclass(slots=True, frozen=True)
class CallRef:
    """A call site: ``callee`` is the dotted text of the called expression.

    When the receiver is not a plain dotted chain (``f().g()``), the callee is ``?.g`` so that the
    last name can still be matched; ``super().m()`` is kept as ``super().m``.
    """

    __reduce__ = _constructor_call

    caller_qn: str
    callee: str
    line: int


@dataclass(slots=True, frozen=True)
class HeritageRef:
    __reduce__ = _constructor_call

    class_qn: str
    base: str
    relation: str  # "EXTENDS" | "IMPLEMENTS"
    line: int


@dataclass(slots=True)
class ParsedFile:
    __reduce__ = _constructor_call

    path: str
    lang: str
    symbols: list[SymbolDef]
    imports: list[ImportRef]
    calls: list[CallRef]
    heritage: list[HeritageRef]
    parse_errors: int
    loc: int

    @property
    def module(self) -> SymbolDef:
        """The file's single Module symbol (always first)."""
        return self.symbols[0]


@dataclass(slots=True, frozen=True)
class Edge:
    type: str
    src: str
    dst: str
    confidence: float = 1.0

    @property
    def sort_key(self) -> tuple[str, str, str, float]:
        return (self.type, self.src, self.dst, self.confidence)


@dataclass(slots=True, frozen=True)
class PackageDecl:
    ecosystem: str  # "pypi" | "npm" | "go" | "cargo" | "maven"
    name: str
    version: str | None
    manifest: str


@dataclass(slots=True)
class RepoContext:
    """What resolution needs to know about the repo besides the parsed files."""

    files: frozenset[str]
    python_roots: tuple[str, ...] = ("",)
    ts_base_url: str | None = None  # repo-relative directory ("" = root)
    ts_paths: dict[str, list[str]] = field(default_factory=dict)
    go_module: str | None = None
    packages: list[PackageDecl] = field(default_factory=list)


@dataclass(slots=True)
class Resolution:
    edges_by_file: dict[str, list[Edge]]
    packages: list[PackageDecl]
    external_modules: dict[str, str]
    unresolved_calls: int
    unresolved_imports: int

    def all_edges(self) -> list[Edge]:
        return [e for path in sorted(self.edges_by_file) for e in self.edges_by_file[path]]


# --- repo context -------------------------------------------------------------------------------

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
    from ingest.manifests import read_manifests  # local import: manifests imports this module

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
