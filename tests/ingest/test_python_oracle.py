"""Python extraction checked against the standard library's ``ast`` on real installed packages."""

from __future__ import annotations

import ast
import importlib.util
from collections import Counter
from pathlib import Path

from ingest_helpers import REPO, parse_tree
from tests_support import ast_kind_counts

from ingest.ids import file_id
from ingest.model import RepoContext
from ingest.repo_context import python_source_roots
from ingest.resolve import resolve

oracle_counts = ast_kind_counts


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, f"{name} is a dependency of the hub"
    return Path(next(iter(spec.submodule_search_locations)))


def check_package(name: str) -> None:
    pkg = package_dir(name)
    parsed = parse_tree(pkg, prefix=f"{name}/")
    expected: Counter[str] = Counter()
    got: Counter[str] = Counter()
    mismatches = []
    for rel, pf in parsed.items():
        source = (pkg.parent / rel).read_bytes()
        want = oracle_counts(ast.parse(source))
        have = Counter(s.kind for s in pf.symbols if s.kind in ("Class", "Method", "Function"))
        expected += want
        got += have
        if want != have:
            mismatches.append((rel, dict(want), dict(have)))
        assert pf.parse_errors == 0, rel
        assert sum(s.kind == "Module" for s in pf.symbols) == 1
        qns = [s.qualified_name for s in pf.symbols]
        assert len(qns) == len(set(qns)), rel
    assert not mismatches, mismatches[:5]
    assert got == expected
    assert expected["Class"] > 50

    ctx = RepoContext(files=frozenset(parsed), python_roots=python_source_roots(parsed))
    res = resolve(REPO, ctx, parsed)
    assert res.unresolved_imports == 0
    file_ids = {file_id(REPO, p): p for p in parsed}
    for rel, pf in parsed.items():
        in_pkg = [i for i in pf.imports if i.level or i.module == name or i.module.startswith(f"{name}.")]
        if not in_pkg:
            continue
        targets = {e.dst for e in res.edges_by_file.get(rel, []) if e.type == "IMPORTS"}
        assert targets, rel
        for imp in in_pkg:
            # every in-package import leads to some file edge (no module/package node for our own code)
            assert any(t in file_ids for t in targets), (rel, imp)
    in_pkg_modules = [m for m in res.external_modules.values() if m == name]
    assert not in_pkg_modules


def test_rich_matches_ast_oracle() -> None:
    check_package("rich")


def test_pydantic_matches_ast_oracle() -> None:
    check_package("pydantic")
