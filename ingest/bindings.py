"""The types shared by the resolver and the per-language import resolvers.

Import resolution turns each file's imports into *bindings* (local name → repo file, symbol in a repo
file, or something external). The language resolvers (``ingest/resolvers/*``) depend only on this
module and ``ingest.model``; ``ingest.resolve`` depends on them, never the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ingest.ids import module_id, package_id
from ingest.model import PackageDecl, ParsedFile, RepoContext

Target = tuple[str, str]  # (path, qualified name) of a symbol


@dataclass(slots=True, frozen=True)
class Binding:
    """What a local name refers to: ``kind`` is ``file`` (a module/namespace), ``symbol`` (``name`` in
    the file ``path``), ``dotted`` (Python ``import a.b``: resolve the dotted callee through the module
    index), ``gopkg`` (a Go package directory) or ``external``."""

    kind: str
    path: str = ""
    name: str = ""


@dataclass(slots=True)
class ImportResult:
    """What one file's imports resolved to: file targets, package/module targets and bindings."""

    files: set[str] = field(default_factory=set)
    packages: set[str] = field(default_factory=set)  # package ids
    modules: dict[str, str] = field(default_factory=dict)  # module id -> name
    bindings: dict[str, Binding] = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)  # files whose names are all imported (``import *``)
    unresolved: int = 0


class RepoFiles:
    """What every import resolver reads (the repo's files, context and parsed files), and the
    external nodes they name: packages imported but missing from the manifests are collected here."""

    def __init__(self, repo_id: str, ctx: RepoContext, parsed: Mapping[str, ParsedFile]) -> None:
        self.repo_id = repo_id
        self.ctx = ctx
        self.parsed = parsed
        self.paths = sorted(parsed)
        self.all_files = frozenset(ctx.files) | frozenset(parsed)
        self.extra_packages: dict[tuple[str, str], PackageDecl] = {}

    def module_node(self, name: str) -> tuple[str, str]:
        """The id and name of an external module node (stdlib or undeclared)."""
        return module_id(self.repo_id, name), name

    def package_node(self, ecosystem: str, name: str) -> str:
        """The id of a package node, recording it when no manifest declares it."""
        if not any(d.ecosystem == ecosystem and d.name == name for d in self.ctx.packages):
            self.extra_packages.setdefault((ecosystem, name), PackageDecl(ecosystem, name, None, ""))
        return package_id(ecosystem, name)


class ImportResolver(Protocol):
    """One language's import resolution; built once per repo (it builds its indexes in ``__init__``)."""

    def __init__(self, repo: RepoFiles) -> None: ...

    def resolve_file(self, pf: ParsedFile) -> ImportResult: ...
