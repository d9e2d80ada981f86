"""JS/JSX fixture: components, relative and directory-index imports, require(), npm packages."""

from __future__ import annotations

from ingest_helpers import edge_pairs, load_fixture

from ingest.ids import package_id


def test_components_and_symbols() -> None:
    _, parsed, _ = load_fixture("js_jsx")
    kinds = {(s.kind, s.qualified_name) for pf in parsed.values() for s in pf.symbols if s.kind != "Module"}
    assert kinds == {
        ("Function", "src/App.App"),
        ("Function", "src/App.log"),
        ("Function", "src/components/Button.Button"),
        ("Function", "src/components/Button.format"),
        ("Var", "src/components/Card.util"),
        ("Class", "src/components/Card.Card"),
        ("Method", "src/components/Card.Card.render"),
        ("Function", "src/util.title"),
    }
    assert all(pf.parse_errors == 0 for pf in parsed.values())


def test_imports() -> None:
    _, parsed, res = load_fixture("js_jsx")
    pairs = edge_pairs(parsed, res, "IMPORTS")
    assert {(a, b) for a, b in pairs if b in parsed} == {
        ("src/index.js", "src/App.jsx"),
        ("src/App.jsx", "src/components/index.js"),  # "./components" → dir/index.js
        ("src/components/index.js", "src/components/Button.jsx"),
        ("src/components/index.js", "src/components/Card.jsx"),
        ("src/components/Card.jsx", "src/util.js"),  # require("../util")
    }
    ids = {e.dst for e in res.all_edges() if e.type == "IMPORTS"}
    assert package_id("npm", "react") in ids
    assert package_id("npm", "lodash") in ids  # "lodash/debounce"
    assert package_id("npm", "react-dom") in ids  # undeclared but bare: still an npm package
    declared = {p.name for p in res.packages if p.manifest == "package.json"}
    assert declared == {"react", "lodash", "jest"}


def test_component_calls() -> None:
    _, parsed, res = load_fixture("js_jsx")
    confident = edge_pairs(parsed, res, "CALLS", min_conf=0.8)
    assert confident == {
        ("src/index", "src/App.App"),  # <App /> with a default import
        ("src/App.App", "src/App.log"),
        ("src/App.App", "src/components/Button.Button"),  # through components/index.js
        ("src/App.App", "src/components/Card.Card"),  # export { default as Card }
        ("src/components/Button.Button", "src/components/Button.format"),
        ("src/components/Card.Card.render", "src/util.title"),  # require() namespace
    }
