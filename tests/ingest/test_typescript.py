"""TS fixture: tsconfig paths + baseUrl, index files, heritage and cross-file calls."""

from __future__ import annotations

from ingest_helpers import edge_pairs, load_fixture


def test_symbols_by_kind() -> None:
    _, parsed, _ = load_fixture("ts_paths")
    kinds = {(s.kind, s.qualified_name) for pf in parsed.values() for s in pf.symbols if s.kind != "Module"}
    assert kinds == {
        ("Interface", "src/core/shape.Shape"),
        ("Interface", "src/core/shape.Named"),
        ("Class", "src/core/shape.Base"),
        ("Method", "src/core/shape.Base.area"),
        ("Method", "src/core/shape.Base.describe"),
        ("Class", "src/core/circle.Circle"),
        ("Method", "src/core/circle.Circle.constructor"),
        ("Method", "src/core/circle.Circle.area"),
        ("Var", "src/utils/index.VERSION"),
        ("Function", "src/utils/math.square"),
        ("Type", "src/utils/math.Pair"),
        ("Type", "src/utils/math.Unit"),
        ("Function", "src/app.label"),
        ("Function", "src/app.main"),
    }
    app = parsed["src/app.ts"]
    assert {s.name for s in app.symbols if s.exported} >= {"label", "main"}
    assert parsed["src/app.test.ts"].symbols[0].is_test
    type_only = [i for i in app.imports if i.is_type_only]
    assert [i.module for i in type_only] == ["@core/shape"]


def test_imports_resolve_through_tsconfig_and_index() -> None:
    ctx, parsed, res = load_fixture("ts_paths")
    assert ctx.ts_base_url == "src"
    assert ctx.ts_paths["@core/*"] == ["core/*"]
    files = {(a, b) for a, b in edge_pairs(parsed, res, "IMPORTS") if b in parsed}
    assert files == {
        ("src/app.test.ts", "src/app.ts"),
        ("src/app.ts", "src/core/circle.ts"),
        ("src/app.ts", "src/core/shape.ts"),
        ("src/app.ts", "src/utils/index.ts"),
        ("src/core/circle.ts", "src/core/shape.ts"),
        ("src/core/circle.ts", "src/utils/index.ts"),
        ("src/utils/index.ts", "src/utils/math.ts"),
    }
    assert sorted(res.external_modules.values()) == ["fs"]  # node:fs
    assert res.unresolved_imports == 0


def test_calls_and_heritage() -> None:
    _, parsed, res = load_fixture("ts_paths")
    confident = {(e.src, e.dst) for e in res.all_edges() if e.type == "CALLS" and e.confidence >= 0.8}
    calls = edge_pairs(parsed, res, "CALLS")
    assert calls == {
        ("src/app.main", "src/app.label"),
        ("src/app.main", "src/core/circle.Circle"),  # new Circle() via "@core/circle"
        ("src/app.main", "src/utils/math.square"),  # utils.square via ./utils/index.ts re-export
        ("src/app.test", "src/app.main"),
        ("src/core/circle.Circle.area", "src/utils/math.square"),  # "@utils" exact path alias
        ("src/core/shape.Base.describe", "src/core/shape.Base.area"),  # this.area()
    }
    assert len(confident) == 6
    assert edge_pairs(parsed, res, "EXTENDS") == {
        ("src/core/circle.Circle", "src/core/shape.Base"),
        ("src/core/shape.Named", "src/core/shape.Shape"),
    }
    assert edge_pairs(parsed, res, "IMPLEMENTS") == {("src/core/shape.Base", "src/core/shape.Shape")}
    assert ("src/app.test", "src/app.main") in edge_pairs(parsed, res, "TESTS")
    assert edge_pairs(parsed, res, "HAS_MEMBER") == {
        ("src/core/circle.Circle", "src/core/circle.Circle.area"),
        ("src/core/circle.Circle", "src/core/circle.Circle.constructor"),
        ("src/core/shape.Base", "src/core/shape.Base.area"),
        ("src/core/shape.Base", "src/core/shape.Base.describe"),
    }
