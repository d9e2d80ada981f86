"""The in-memory model of code-graph ingestion.

Parsing (in worker processes, cached on disk by content) produces a :class:`ParsedFile` per source
file; resolution turns all parsed files of a repo plus a :class:`RepoContext` into typed
:class:`Edge` s. Everything here is a plain slotted dataclass so it pickles cheaply and compares by
value (the determinism tests rely on ``==``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
