"""Incremental ingestion equals a full rebuild: unchanged, edited, deleted and renamed files."""

from __future__ import annotations

from pathlib import Path

import pytest
from graph_snapshot import counts, git, snapshot, write_repo
from neo4j import Driver

from ingest.pipeline import ingest_repository

SOURCES = {
    "shop/__init__.py": "from .cart import Cart\n",
    "shop/cart.py": (
        "from shop.pricing import price_of, TAX\n\n"
        "class Cart:\n"
        "    def __init__(self):\n        self.items = []\n\n"
        "    def total(self):\n        return sum(price_of(i) for i in self.items) * TAX\n"
    ),
    "shop/pricing.py": (
        "TAX = 1.2\n\ndef price_of(item):\n    return item.price\n\ndef discount(p):\n    return p * 0.9\n"
    ),
    "shop/report.py": (
        "from shop import pricing\nfrom shop.cart import Cart\n\n"
        "def summarise(cart: Cart):\n    return pricing.discount(cart.total())\n"
    ),
    "tests/test_cart.py": (
        "from shop.cart import Cart\n\ndef test_total():\n    assert Cart().total() == 0\n"
    ),
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path / "shop-repo", SOURCES)


def ingest(driver: Driver, root: Path, project: str, **options: object):  # type: ignore[no-untyped-def]
    return ingest_repository(driver, path=root, project=project, history=0, **options)  # type: ignore[arg-type]


def assert_equals_full_rebuild(driver: Driver, root: Path, project: str, repo_id: str) -> None:
    incremental = snapshot(driver, repo_id)
    ingest(driver, root, project, full=True)
    rebuilt = snapshot(driver, repo_id)
    assert incremental["nodes"] == rebuilt["nodes"]
    assert incremental["edges"] == rebuilt["edges"]


def test_unchanged_repo_writes_nothing(driver: Driver, repo: Path) -> None:
    first = ingest(driver, repo, "inc-unchanged")
    assert first.files_parsed == 5 and first.symbols_written > 0
    before_counts, before = counts(driver), snapshot(driver, first.repo_id)
    again = ingest(driver, repo, "inc-unchanged")
    assert again.files_parsed == 0 and again.symbols_written == 0 and again.edges_written == {}
    assert counts(driver) == before_counts
    assert snapshot(driver, first.repo_id) == before
    duplicates, _, _ = driver.execute_query(
        "MATCH (s:Symbol {repoId: $r}) WITH s.id AS id, count(*) AS n WHERE n > 1 RETURN count(id) AS d",
        r=first.repo_id,
    )
    assert duplicates[0]["d"] == 0


def test_edit_rewrites_one_file_and_re_resolves_edges_into_it(driver: Driver, repo: Path) -> None:
    first = ingest(driver, repo, "inc-edit")
    calls_into_pricing = _calls_into(driver, first.repo_id, "shop/pricing.py")
    assert ("shop.cart.Cart.total", "shop.pricing.price_of") in calls_into_pricing
    assert ("shop.report.summarise", "shop.pricing.discount") in calls_into_pricing

    # Edit pricing.py: a new function, one removed, the others untouched.
    (repo / "shop/pricing.py").write_text(
        "TAX = 1.2\n\ndef price_of(item):\n    return item.price\n\ndef rebate(p):\n    return p - 1\n"
    )
    second = ingest(driver, repo, "inc-edit")
    assert second.files_parsed == 1
    assert second.changed_paths == ["shop/pricing.py"]
    after = _calls_into(driver, first.repo_id, "shop/pricing.py")
    assert ("shop.cart.Cart.total", "shop.pricing.price_of") in after  # re-resolved into the new symbols
    assert ("shop.report.summarise", "shop.pricing.discount") not in after
    names = _symbols(driver, first.repo_id, "shop/pricing.py")
    assert "shop.pricing.rebate" in names and "shop.pricing.discount" not in names

    # Now add the function report.py calls: the unchanged caller's edge appears.
    (repo / "shop/pricing.py").write_text(
        (repo / "shop/pricing.py").read_text() + "\ndef discount(p):\n    return p * 0.8\n"
    )
    ingest(driver, repo, "inc-edit")
    assert ("shop.report.summarise", "shop.pricing.discount") in _calls_into(
        driver, first.repo_id, "shop/pricing.py"
    )
    assert_equals_full_rebuild(driver, repo, "inc-edit", first.repo_id)


def test_deleted_and_renamed_files(driver: Driver, repo: Path) -> None:
    first = ingest(driver, repo, "inc-delete")
    (repo / "shop/report.py").unlink()
    (repo / "shop/pricing.py").rename(repo / "shop/prices.py")
    (repo / "shop/cart.py").write_text(
        (repo / "shop/cart.py").read_text().replace("shop.pricing", "shop.prices")
    )
    second = ingest(driver, repo, "inc-delete")
    assert second.files_deleted == 2
    files, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $r})-[:CONTAINS]->(f:File) RETURN collect(f.path) AS paths", r=first.repo_id
    )
    assert sorted(files[0]["paths"]) == ["shop/__init__.py", "shop/cart.py", "shop/prices.py",
                                         "tests/test_cart.py"]  # fmt: skip
    orphans, _, _ = driver.execute_query(
        "MATCH (s:Symbol {repoId: $r}) WHERE s.path IN ['shop/report.py', 'shop/pricing.py'] "
        "RETURN count(s) AS n",
        r=first.repo_id,
    )
    assert orphans[0]["n"] == 0
    assert ("shop.cart.Cart.total", "shop.prices.price_of") in _calls_into(
        driver, first.repo_id, "shop/prices.py"
    )
    imports = _imports_of(driver, first.repo_id, "shop/cart.py")
    assert imports == ["shop/prices.py"]
    assert_equals_full_rebuild(driver, repo, "inc-delete", first.repo_id)


def test_since_restricts_work_to_changed_files(driver: Driver, repo: Path) -> None:
    ingest(driver, repo, "inc-since")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "shop/report.py").write_text((repo / "shop/report.py").read_text() + "\nX = 1\n")
    git(repo, "commit", "-qam", "touch report")
    result = ingest(driver, repo, "inc-since", since=base)
    assert result.files_seen == 1 and result.files_parsed == 1
    assert result.changed_paths == ["shop/report.py"]


def test_interrupted_write_converges_on_the_next_run(driver: Driver, repo: Path, monkeypatch) -> None:
    first = ingest(driver, repo, "inc-crash")
    (repo / "shop/pricing.py").write_text("TAX = 2\n\ndef price_of(item):\n    return 0\n")
    from ingest import writer as writer_module

    def fail(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("Neo4j went away")

    # The write dies after the old symbols are deleted and before edges and hashes are written.
    monkeypatch.setattr(writer_module.GraphWriter, "create_edges", fail)
    with pytest.raises(ConnectionError):
        ingest(driver, repo, "inc-crash")
    monkeypatch.undo()
    resumed = ingest(driver, repo, "inc-crash")
    assert resumed.files_parsed == 1  # the interrupted file was seen as still changed
    assert_equals_full_rebuild(driver, repo, "inc-crash", first.repo_id)


def _calls_into(driver: Driver, repo_id: str, path: str) -> set[tuple[str, str]]:
    records, _, _ = driver.execute_query(
        "MATCH (a:Symbol)-[:CALLS]->(b:Symbol {repoId: $r, path: $p}) RETURN a.qualifiedName AS a, "
        "b.qualifiedName AS b",
        r=repo_id, p=path,
    )  # fmt: skip
    return {(r["a"], r["b"]) for r in records}


def _symbols(driver: Driver, repo_id: str, path: str) -> set[str]:
    records, _, _ = driver.execute_query(
        "MATCH (s:Symbol {repoId: $r, path: $p}) RETURN s.qualifiedName AS q", r=repo_id, p=path
    )
    return {r["q"] for r in records}


def _imports_of(driver: Driver, repo_id: str, path: str) -> list[str]:
    records, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $r})-[:CONTAINS]->(f:File {path: $p})-[:IMPORTS]->(g:File) RETURN g.path AS p",
        r=repo_id, p=path,
    )  # fmt: skip
    return sorted(r["p"] for r in records)
