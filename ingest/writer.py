"""Batched UNWIND writes of an ingest into Neo4j, in an order that makes a crash harmless.

Order: project/repo → deleted files → File nodes → old symbols of changed files → new symbols →
edges → finally ``File.hash``/``edgesHash``. The hashes are the commit marker: a file whose
write was interrupted keeps its old hash, so the next run sees it as changed and redoes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from neo4j import Driver, ManagedTransaction

from app.core.cypher import query

BATCH = 10_000
SESSIONS = 2  # concurrent write transactions of a cold load (the machine's cores)


class GraphWriter:
    def __init__(self, driver: Driver, *, database: str, on_rows: Callable[[int], None] = lambda _: None):
        self.driver = driver
        self.database = database
        self.on_rows = on_rows
        self.written: Counter[str] = Counter()
        self.edge_counts: Counter[str] = Counter()  # edges written this run, by type
        self.steps: list[tuple[str, dict[str, Any]]] | None = None

    def run(self, name: str, **params: Any) -> list[Any]:
        if self.steps is not None:  # inside transaction(): collected, run at its end
            self.steps.append((name, params))
            return []
        records, _, _ = self.driver.execute_query(query(name), params, database_=self.database)
        return records

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The writes inside the block run in one transaction at its end: a delta (a few small
        batches) costs one round of commits instead of one per query, and lands whole or not at all."""
        self.steps = []
        try:
            yield
            steps, self.steps = self.steps, None
            if steps:
                with self.driver.session(database=self.database) as session:
                    session.execute_write(_run_steps, steps)
        finally:
            self.steps = None

    def batched(self, name: str, key: str, items: Sequence[Any], counter: str | None = None,
                **params: Any) -> None:  # fmt: skip
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            self.run(name, **{key: chunk}, **params)
            self.on_rows(len(chunk))
            if counter:
                self.written[counter] += len(chunk)

    # -- the steps, in the order the pipeline calls them ------------------------------------------
    def upsert_repo(self, **params: Any) -> None:
        self.run("ingest/upsert_repo", **params)

    def file_state(self, repo_id: str) -> dict[str, dict[str, Any]]:
        return {r["path"]: dict(r) for r in self.run("ingest/file_state", repoId=repo_id)}

    def delete_files(self, file_ids: Sequence[str]) -> None:
        self.batched("ingest/delete_files", "fileIds", list(file_ids), "deleted_files")

    def upsert_files(self, repo_id: str, rows: Sequence[dict[str, Any]]) -> None:
        self.batched("ingest/upsert_files", "rows", rows, "files", repoId=repo_id)

    def delete_symbols_of(self, file_ids: Sequence[str]) -> None:
        # Small batches: a file's symbols and their edges are deleted in one go.
        for start in range(0, len(file_ids), 500):
            self.run("ingest/delete_file_symbols", fileIds=list(file_ids[start : start + 500]))

    def delete_outgoing_edges(self, file_ids: Sequence[str]) -> None:
        for start in range(0, len(file_ids), 500):
            self.run("ingest/delete_outgoing_edges", fileIds=list(file_ids[start : start + 500]))

    def concurrent(self, name: str, key: str, rows: Sequence[Any], counter: str) -> None:
        """Batches in ``SESSIONS`` concurrent transactions: one transaction runs on one server thread,
        so a cold load leaves a core idle otherwise. Rows come sorted by file, so two batches share
        few nodes; the server takes a transaction's relationship locks at commit, in order, so they
        wait on each other rather than deadlock (none seen over Django's 130k edges), and a deadlock
        the server did report would be a transient error, which the driver retries whole."""
        if self.steps is not None or len(rows) <= BATCH or SESSIONS < 2:
            self.batched(name, key, rows, counter)
            return
        # A multiple of SESSIONS equal batches (at most BATCH rows): no session idles at the end.
        count = -(-len(rows) // BATCH)
        count += -count % SESSIONS
        size = -(-len(rows) // count)
        chunks = [rows[start : start + size] for start in range(0, len(rows), size)]
        cypher = query(name)

        def write(chunk: Sequence[Any]) -> None:
            self.driver.execute_query(cypher, {key: chunk}, database_=self.database)

        with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
            for chunk, _ in zip(chunks, pool.map(write, chunks), strict=True):
                self.on_rows(len(chunk))
                self.written[counter] += len(chunk)

    def create_symbols(self, rows: Sequence[dict[str, Any]]) -> None:
        self.concurrent("ingest/create_symbols", "rows", rows, "symbols")

    def delete_symbols(self, symbol_ids: Sequence[str]) -> None:
        self.batched("ingest/delete_symbols", "ids", list(symbol_ids), "deleted_symbols")

    def update_symbols(self, rows: Sequence[dict[str, Any]]) -> None:
        self.batched("ingest/update_symbols", "rows", rows, "symbols")

    def delete_edges(self, kind: str, rows: Sequence[dict[str, Any]]) -> None:
        """``kind``: symbol or imports edges, by their natural key (type, src, dst)."""
        name = {"symbol": "ingest/delete_symbol_edges", "imports": "ingest/delete_imports"}[kind]
        self.batched(name, "rows", rows, "deleted_edges")

    def update_edges(self, rows: Sequence[dict[str, Any]]) -> None:
        self.batched("ingest/update_symbol_edges", "rows", rows, "updated_edges")

    def merge_packages(self, repo_id: str, rows: Sequence[dict[str, Any]]) -> None:
        self.batched("ingest/merge_packages", "rows", rows, "packages", repoId=repo_id)

    def merge_modules(self, rows: Sequence[dict[str, Any]]) -> None:
        self.batched("ingest/merge_modules", "rows", rows)

    def create_edges(self, kind: str, rows: Sequence[dict[str, Any]], counter: str) -> None:
        """``kind``: symbol, file, package or module edges (each a fixed named query)."""
        name = {
            "symbol": "ingest/create_symbol_edges",
            "file": "ingest/create_file_imports",
            "package": "ingest/create_package_imports",
            "module": "ingest/create_module_imports",
        }[kind]
        self.concurrent(name, "rows", rows, counter)

    def mark_files(self, rows: Iterable[dict[str, Any]]) -> None:
        self.batched("ingest/mark_files", "rows", list(rows))

    def written_edges(self) -> Counter[str]:
        return self.edge_counts

    def totals(self, repo_id: str) -> dict[str, Any]:
        records = self.run("ingest/repo_counts", repoId=repo_id)
        if not records:
            return {}
        record = records[0]
        return {"files": record["files"], "symbols": record["symbols"],
                "edges": {row["type"]: row["n"] for row in record["edges"] if row["type"]}}  # fmt: skip


def _run_steps(tx: ManagedTransaction, steps: list[tuple[str, dict[str, Any]]]) -> None:
    for name, params in steps:
        tx.run(query(name), params).consume()
