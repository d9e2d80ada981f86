"""Syntax errors, determinism, pickling, manifests, and the Rust/Java minimum."""

from __future__ import annotations

import pickle
from pathlib import Path

from ingest_helpers import REPO, edge_pairs, load_fixture

from ingest.languages import detect_language
from ingest.manifests import read_cargo, read_go_mod, read_package_json, read_pom, read_pyproject
from ingest.model import RepoContext
from ingest.parsing import parse_source
from ingest.repo_context import loads_jsonc
from ingest.resolve import resolve

BROKEN = b"""import os

class Good:
    def ok(self):
        return os.getcwd()

def fine():
    pass

def broken(:
    return 1
"""


def test_syntax_error_keeps_symbols_before_it() -> None:
    pf = parse_source("pkg/broken.py", "python", BROKEN)
    assert pf.parse_errors > 0
    qns = {s.qualified_name for s in pf.symbols}
    assert {"pkg.broken", "pkg.broken.Good", "pkg.broken.Good.ok", "pkg.broken.fine"} <= qns
    assert pf.imports[0].module == "os"
    assert pf.loc == 11


def test_duplicate_qualified_names_are_suffixed() -> None:
    src = b"if X:\n    def f(): pass\nelse:\n    def f(): pass\n"
    pf = parse_source("m.py", "python", src)
    assert [s.qualified_name for s in pf.symbols] == ["m", "m.f", "m.f#2"]


def test_python_kind_rules() -> None:
    src = b"""class A:
    @property
    def p(self): ...
    async def q(self):
        def helper(): ...
    if True:
        def cond(self): ...
    class B:
        def m(self): ...
X = 1
_y: int = 2
"""
    pf = parse_source("tests/test_k.py", "python", src)
    got = [(s.kind, s.qualified_name, s.parent_qn) for s in pf.symbols[1:]]
    assert got == [
        ("Class", "tests.test_k.A", "tests.test_k"),
        ("Method", "tests.test_k.A.p", "tests.test_k.A"),
        ("Method", "tests.test_k.A.q", "tests.test_k.A"),
        ("Function", "tests.test_k.A.q.helper", "tests.test_k.A.q"),
        ("Function", "tests.test_k.A.cond", "tests.test_k.A"),
        ("Class", "tests.test_k.A.B", "tests.test_k.A"),
        ("Method", "tests.test_k.A.B.m", "tests.test_k.A.B"),
        ("Var", "tests.test_k.X", "tests.test_k"),
        ("Var", "tests.test_k._y", "tests.test_k"),
    ]
    assert [s.exported for s in pf.symbols if s.kind == "Var"] == [True, False]


def test_determinism_and_pickle() -> None:
    for name in ("ts_paths", "js_jsx", "go_mod"):
        ctx1, parsed1, res1 = load_fixture(name)
        _, parsed2, res2 = load_fixture(name)
        assert parsed1 == parsed2
        assert res1 == res2
        for pf in parsed1.values():
            assert pickle.loads(pickle.dumps(pf)) == pf
        assert pickle.loads(pickle.dumps(res1)) == res1
        for edges in res1.edges_by_file.values():
            assert edges == sorted(edges, key=lambda e: e.sort_key)
        # resolving in a different insertion order gives the same result
        assert resolve(REPO, ctx1, dict(reversed(list(parsed1.items())))) == res1


def test_python_resolution_small_repo() -> None:
    files = {
        "src/shop/__init__.py": b"from .cart import Cart\n",
        "src/shop/cart.py": b"from shop import util\nimport requests\nimport os.path\n"
        b"class Base:\n    def total(self): return util.add(1, 2)\n"
        b"class Cart(Base):\n    def pay(self):\n        self.total()\n        os.path.join('a')\n",
        "src/shop/util.py": b"def add(a, b):\n    return a + b\n",
        "tests/test_cart.py": b"from shop import Cart\n\ndef test_pay():\n    Cart().pay()\n",
    }
    parsed = {p: parse_source(p, "python", b) for p, b in files.items()}
    from ingest.manifests import PackageDecl
    from ingest.repo_context import python_source_roots

    ctx = RepoContext(
        files=frozenset(files),
        python_roots=python_source_roots(files),
        packages=[PackageDecl("pypi", "requests", None, "pyproject.toml")],
    )
    res = resolve(REPO, ctx, parsed)
    assert {(a, b) for a, b in edge_pairs(parsed, res, "IMPORTS") if b in files} == {
        ("src/shop/__init__.py", "src/shop/cart.py"),
        ("src/shop/cart.py", "src/shop/__init__.py"),
        ("src/shop/cart.py", "src/shop/util.py"),
        ("tests/test_cart.py", "src/shop/__init__.py"),
    }
    assert sorted(res.external_modules.values()) == ["os"]
    assert edge_pairs(parsed, res, "CALLS") == {
        ("shop.cart.Base.total", "shop.util.add"),
        ("shop.cart.Cart.pay", "shop.cart.Base.total"),  # self.total() through the base class
        ("tests.test_cart.test_pay", "shop.cart.Cart"),  # re-exported through __init__
        ("tests.test_cart.test_pay", "shop.cart.Cart.pay"),  # ?.pay unique-name guess
    }
    assert edge_pairs(parsed, res, "EXTENDS") == {("shop.cart.Cart", "shop.cart.Base")}
    assert ("tests.test_cart.test_pay", "shop.cart.Cart") in edge_pairs(parsed, res, "TESTS")


def test_rust_and_java_minimum() -> None:
    rs = parse_source(
        "src/cart.rs",
        "rust",
        b"use crate::models::{Item, Price as P};\npub struct Cart;\npub trait T { fn f(&self); }\n"
        b"impl T for Cart { fn f(&self) { self.g() } }\nimpl Cart { fn g(&self) {} }\n",
    )
    assert [(s.kind, s.qualified_name) for s in rs.symbols[1:]] == [
        ("Type", "src/cart.Cart"),
        ("Interface", "src/cart.T"),
        ("Method", "src/cart.T.f"),
        ("Method", "src/cart.Cart.f"),
        ("Method", "src/cart.Cart.g"),
    ]
    assert [(i.module, i.alias) for i in rs.imports] == [
        ("crate::models::Item", None),
        ("crate::models::Price", "P"),
    ]
    java = parse_source(
        "src/main/java/a/B.java",
        "java",
        b"package a;\nimport java.util.List;\npublic class B extends C implements D {\n"
        b"  public B() {}\n  void run() { helper(); }\n  void helper() {}\n}\n",
    )
    assert [(s.kind, s.qualified_name) for s in java.symbols[1:]] == [
        ("Class", "a.B"),
        ("Method", "a.B.B"),
        ("Method", "a.B.run"),
        ("Method", "a.B.helper"),
    ]
    assert [h.relation for h in java.heritage] == ["EXTENDS", "IMPLEMENTS"]
    res = resolve(REPO, RepoContext(files=frozenset({java.path})), {java.path: java})
    assert edge_pairs({java.path: java}, res, "CALLS") == {("a.B.run", "a.B.helper")}


def test_manifests_and_helpers(tmp_path: Path) -> None:
    py = read_pyproject(
        '[project]\ndependencies = ["Requests>=2", "typing_extensions==4.12.0"]\n'
        '[project.optional-dependencies]\ndev = ["pytest"]\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\n"Zope.Interface" = "^6"\n',
        "pyproject.toml",
    )
    assert [(d.name, d.version) for d in py] == [
        ("requests", None),
        ("typing-extensions", "4.12.0"),
        ("pytest", None),
        ("zope-interface", "^6"),
    ]
    assert [d.name for d in read_package_json('{"dependencies": {"@a/b": "1"}}', "package.json")] == ["@a/b"]
    gomod = "module x\nrequire (\n\tgithub.com/a/b v1.0.0 // indirect\n)\nrequire golang.org/x/y v0.1.0\n"
    assert [d.name for d in read_go_mod(gomod, "go.mod")] == ["github.com/a/b", "golang.org/x/y"]
    assert [d.name for d in read_cargo('[dependencies]\nserde = { version = "1" }\n', "Cargo.toml")] == [
        "serde"
    ]
    pom = (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><dependencies><dependency>'
        "<groupId>org.x</groupId><artifactId>y</artifactId><version>1</version>"
        "</dependency></dependencies></project>"
    )
    assert [d.name for d in read_pom(pom, "pom.xml")] == ["org.x:y"]
    assert loads_jsonc('{"a": "http://x/*y*/", // c\n "b": [1,],}') == {"a": "http://x/*y*/", "b": [1]}
    assert detect_language("a/b.d.ts") == "typescript"
    assert detect_language("a/b.jsx") == "javascript"
    assert detect_language("Makefile") is None
