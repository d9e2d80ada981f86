"""Watch mode: edits, renames, deletions, additions and a burst applied through the watcher leave
the graph equal to a ``--full`` rebuild (files, symbols, edges with their properties)."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from graph_snapshot import snapshot, write_repo
from neo4j import Driver

from ingest.pipeline import IngestSummary, ingest_repository
from ingest.watch import RepoWatcher, watch

PROJECT = "watch-shop"
SOURCES = {
    "shop/__init__.py": "from .cart import Cart\n",
    "shop/cart.py": (
        "from shop.pricing import price_of\n\n"
        "class Cart:\n"
        "    def __init__(self):\n        self.items = []\n\n"
        "    def total(self):\n        return sum(price_of(i) for i in self.items)\n"
    ),
    "shop/pricing.py": "def price_of(item):\n    return item.price\n\ndef discount(p):\n    return p * 0.9\n",
    "shop/report.py": (
        "from shop import pricing\nfrom shop.cart import Cart\n\n"
        "def summarise(cart: Cart):\n    return pricing.discount(cart.total())\n"
    ),
    "tests/test_cart.py": "from shop.cart import Cart\n\ndef test_total():\n    assert Cart().total() == 0\n",
}


class Running:
    """The watcher's loop in a thread of its own; each applied batch lands in ``updates``."""

    def __init__(self, watcher: RepoWatcher) -> None:
        self.watcher = watcher
        self.updates: queue.Queue[IngestSummary] = queue.Queue()
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def on_update(summary: IngestSummary) -> None:
            self.updates.put(summary)

        async def main() -> None:
            self.stop = asyncio.Event()
            await watch(self.watcher, on_update, stop_event=self.stop)

        self.loop.run_until_complete(main())

    def change(self, action: Callable[[], None], timeout: float = 20.0) -> list[IngestSummary]:
        """Do ``action`` on the files and collect the batches it causes (until 1 s of quiet)."""
        action()
        got = [self.updates.get(timeout=timeout)]
        while True:
            try:
                got.append(self.updates.get(timeout=1.0))
            except queue.Empty:
                return got

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=10)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path / "watch-repo", SOURCES)


@pytest.fixture
def running(driver: Driver, repo: Path) -> Iterator[Running]:
    watcher = RepoWatcher(driver, path=repo, project=PROJECT)
    watcher.sync()
    run = Running(watcher)
    run.thread.start()
    # the OS watch is set up inside the thread: save until the first change is seen
    probe = repo / "shop" / "pricing.py"
    deadline = time.monotonic() + 30
    while True:
        probe.write_text(SOURCES["shop/pricing.py"] + f"# probe {time.monotonic()}\n")
        try:
            run.updates.get(timeout=1.0)
            break
        except queue.Empty:
            assert time.monotonic() < deadline, "the watcher never saw a change"
    while True:  # probes written before the watch was ready may still arrive: let them settle
        try:
            run.updates.get(timeout=1.5)
        except queue.Empty:
            break
    yield run
    run.close()


def assert_equals_full_rebuild(driver: Driver, root: Path, repo_id: str) -> None:
    live = snapshot(driver, repo_id)
    ingest_repository(driver, path=root, project=PROJECT, history=0, full=True)
    rebuilt = snapshot(driver, repo_id)
    assert live["nodes"] == rebuilt["nodes"]
    assert live["edges"] == rebuilt["edges"]


def names(driver: Driver, repo_id: str) -> set[str]:
    records, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $repoId})-[:CONTAINS]->(:File)-[:DECLARES]->(s:Symbol) "
        "RETURN s.qualifiedName AS qn",
        repoId=repo_id,
    )
    return {r["qn"] for r in records}


def calls_into(driver: Driver, repo_id: str, qualified_name: str) -> set[str]:
    records, _, _ = driver.execute_query(
        "MATCH (:Repo {id: $repoId})-[:CONTAINS]->(:File)-[:DECLARES]->(s:Symbol {qualifiedName: $qn}) "
        "MATCH (caller:Symbol)-[:CALLS]->(s) RETURN caller.qualifiedName AS qn",
        repoId=repo_id, qn=qualified_name,
    )  # fmt: skip
    return {r["qn"] for r in records}


def test_saved_changes_are_applied_as_deltas(driver: Driver, repo: Path, running: Running) -> None:
    repo_id = running.watcher.repo_id
    pricing = repo / "shop" / "pricing.py"

    # edit: a new function, called from an existing one in another file
    batches = running.change(lambda: pricing.write_text(
        "def price_of(item):\n    return rounded(item.price)\n\ndef rounded(p):\n    return round(p, 2)\n"
        "\ndef discount(p):\n    return p * 0.9\n"
    ))  # fmt: skip
    assert [b.changed_paths for b in batches] == [["shop/pricing.py"]]
    assert "shop.pricing.rounded" in names(driver, repo_id)
    # a delta: only the files whose resolution reads pricing.py were re-resolved, not the repo
    assert batches[0].delta and 0 < batches[0].files_resolved < len(SOURCES)
    assert_equals_full_rebuild(driver, repo, repo_id)

    # a symbol other files call is renamed: their CALLS edges go, the new name's symbol comes;
    # a function becomes a class of the same name (its labels change in place)
    batches = running.change(lambda: pricing.write_text(
        "def price_of_item(item):\n    return rounded(item.price)\n\nclass rounded:\n"
        "    def __init__(self, p):\n        self.p = p\n\ndef discount(p):\n    return p * 0.8\n"
    ))  # fmt: skip
    assert [b.changed_paths for b in batches] == [["shop/pricing.py"]]
    assert "shop.pricing.price_of" not in names(driver, repo_id)
    assert calls_into(driver, repo_id, "shop.pricing.price_of_item") == set()
    assert_equals_full_rebuild(driver, repo, repo_id)
    batches = running.change(lambda: pricing.write_text(SOURCES["shop/pricing.py"]))
    assert calls_into(driver, repo_id, "shop.pricing.price_of") == {"shop.cart.Cart.total"}
    assert_equals_full_rebuild(driver, repo, repo_id)

    # rename a file: its symbols move, edges into it from unchanged files follow the new path
    def rename() -> None:
        (repo / "shop" / "report.py").rename(repo / "shop" / "reports.py")

    running.change(rename)
    assert {"shop.reports.summarise"} <= names(driver, repo_id)
    assert not any(qn.startswith("shop.report.") for qn in names(driver, repo_id))

    # delete one file and add another that calls into the rest
    running.change(lambda: (repo / "tests" / "test_cart.py").unlink())
    running.change(lambda: (repo / "shop" / "checkout.py").write_text(
        "from shop.cart import Cart\nfrom shop.pricing import discount\n\n"
        "def checkout():\n    cart = Cart()\n    return discount(cart.total())\n"
    ))  # fmt: skip
    assert not any(qn.startswith("tests.") for qn in names(driver, repo_id))
    assert "shop.checkout.checkout" in names(driver, repo_id)
    assert_equals_full_rebuild(driver, repo, repo_id)

    # a burst (a checkout of another branch writes many files at once) is coalesced
    def burst() -> None:
        for i in range(30):
            (repo / "shop" / f"gen_{i}.py").write_text(f"from shop.pricing import price_of\n\ndef f{i}(x):\n"
                                                      f"    return price_of(x)\n")  # fmt: skip

    batches = running.change(burst)
    assert len(batches) <= 3, [len(b.changed_paths) for b in batches]
    assert sum(len(b.changed_paths) for b in batches) == 30
    assert {f"shop.gen_{i}.f{i}" for i in range(30)} <= names(driver, repo_id)
    assert_equals_full_rebuild(driver, repo, repo_id)


def test_saving_equal_content_changes_nothing(driver: Driver, repo: Path, running: Running) -> None:
    cart = repo / "shop" / "cart.py"
    before = snapshot(driver, running.watcher.repo_id)

    def save_twice() -> None:
        cart.write_text(cart.read_text())  # an editor's save without a change
        (repo / "shop" / "extra.py").write_text("def extra():\n    return 1\n")

    batches = running.change(save_twice)
    assert [p for b in batches for p in b.changed_paths] == ["shop/extra.py"]
    after = snapshot(driver, running.watcher.repo_id)
    assert set(before["nodes"]) < set(after["nodes"])
    assert set(before["edges"]) <= set(after["edges"])
