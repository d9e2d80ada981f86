"""Go fixture: go.mod module path, packages spanning files, receivers, cross-package calls."""

from __future__ import annotations

from ingest_helpers import REPO, edge_pairs, load_fixture

from ingest.ids import module_id, package_id


def test_symbols() -> None:
    ctx, parsed, _ = load_fixture("go_mod")
    assert ctx.go_module == "example.com/shop"
    cart = parsed["internal/cart/cart.go"]
    assert [(s.kind, s.qualified_name, s.exported) for s in cart.symbols] == [
        ("Module", "internal/cart", True),
        ("Interface", "cart.Pricer", True),
        ("Type", "cart.Item", True),
        ("Type", "cart.Cart", True),
        ("Var", "cart.MaxItems", True),
        ("Function", "cart.New", True),
        ("Method", "cart.Cart.Add", True),
        ("Method", "cart.Cart.Total", True),
    ]
    prices = parsed["internal/cart/prices.go"]
    assert [(s.kind, s.qualified_name, s.exported, s.parent_qn) for s in prices.symbols[1:]] == [
        ("Method", "cart.Cart.prices", False, "internal/cart")  # type declared in another file
    ]
    assert parsed["internal/cart/cart_test.go"].symbols[1].is_test


def test_imports() -> None:
    _, parsed, res = load_fixture("go_mod")
    pairs = edge_pairs(parsed, res, "IMPORTS")
    assert {(a, b) for a, b in pairs if b in parsed} == {
        ("cmd/shop/main.go", "internal/cart/cart.go"),
        ("cmd/shop/main.go", "internal/cart/prices.go"),  # every non-test file of the package
        ("internal/cart/cart.go", "internal/money/money.go"),
        ("internal/cart/prices.go", "internal/money/money.go"),
    }
    dsts = {e.dst for e in res.all_edges() if e.type == "IMPORTS"}
    assert package_id("go", "github.com/google/uuid") in dsts
    assert module_id(REPO, "fmt") in dsts
    assert res.unresolved_imports == 0


def test_calls() -> None:
    _, parsed, res = load_fixture("go_mod")
    by_conf = {}
    idx_pairs = edge_pairs(parsed, res, "CALLS")
    assert idx_pairs == {
        ("cart.Cart.Total", "cart.Cart.prices"),  # receiver call, method in a sibling file
        ("cart.Cart.Total", "money.Sum"),  # pkg.Func through the import
        ("main.main", "cart.New"),
        ("cart.TestTotal", "cart.New"),  # same package, other file
        # c.Add(), c.Total(): a method of a receiver whose type is unknown is never guessed
    }
    for e in res.all_edges():
        if e.type == "CALLS":
            by_conf[e.confidence] = by_conf.get(e.confidence, 0) + 1
    assert by_conf == {0.8: 1, 0.9: 2, 1.0: 1}
    assert edge_pairs(parsed, res, "TESTS") == {("cart.TestTotal", "cart.New")}
    assert ("cart.Cart", "cart.Cart.Add") in edge_pairs(parsed, res, "HAS_MEMBER")
