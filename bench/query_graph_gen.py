"""Load a synthetic code graph with the real schema, for the query API benchmark.

Default size: about 1.0M nodes and 3.8M relationships (10 projects x 2 repos x 2,500 files x 16
symbols, plus history, tasks and services). Ids come from ``ingest/ids.py`` exactly as ingestion
makes them. The graph has the shape of real code: files import a few neighbours, symbols call
symbols in the same or imported files, classes have methods, commits touch a few files.

    .venv/bin/python bench/query_graph_gen.py [--scale 1.0] [--seed 7]

Connects with the usual ``HUB_*`` settings; refuses to run on a non-empty database unless
``--append`` is given. Writes with ``UNWIND`` batches (CREATE: the graph is new).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neo4j import Driver

from app.config import Settings
from app.core.db import create_driver
from ingest import ids

BATCH = 10_000
LANGS = (("typescript", ".ts"), ("python", ".py"), ("go", ".go"), ("java", ".java"))
DIRS = ("src/core", "src/api", "src/services", "src/util", "src/models", "lib", "internal", "tests")
WORDS = (
    "order",
    "cart",
    "user",
    "invoice",
    "payment",
    "config",
    "parser",
    "cache",
    "client",
    "router",
    "session",
    "token",
    "report",
    "event",
    "queue",
    "price",
    "stock",
    "audit",
    "graph",
    "index",
)
IMPORT_OFFSETS = (1, 7, 31, 97, 331)


def batches(rows: list[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class Loader:
    def __init__(self, driver: Driver, database: str) -> None:
        self.driver = driver
        self.database = database
        self.nodes = 0
        self.rels = 0

    def write(
        self, query: str, rows: list[dict[str, Any]], *, nodes: int = 0, rels: int = 0, **params: Any
    ) -> None:
        for chunk in batches(rows):
            self.driver.execute_query(query, {"rows": chunk, **params}, database_=self.database)
        self.nodes += nodes * len(rows)
        self.rels += rels * len(rows)


def symbol_layout(words: list[str]) -> list[tuple[str, str, str | None]]:
    """16 symbols per file: 2 classes with 5 methods each, and 4 functions. (qn, kind, parent)."""
    layout: list[tuple[str, str, str | None]] = []
    for c in range(2):
        cls = f"{words[c].title()}{words[c + 1].title()}{'Service' if c == 0 else 'Repository'}"
        layout.append((cls, "Class", None))
        for m in range(5):
            layout.append(
                (
                    f"{cls}.{words[(c + m) % len(words)]}{('Get', 'Set', 'Load', 'Save', 'Check')[m]}",
                    "Method",
                    cls,
                )
            )
    for f in range(4):
        layout.append(
            (f"{('parse', 'format', 'build', 'validate')[f]}{words[f + 2].title()}", "Function", None)
        )
    return layout


def load_repo(
    loader: Loader,
    rng: random.Random,
    *,
    project: str,
    project_id: str,
    repo_index: int,
    files_per_repo: int,
    hub_id: str,
) -> tuple[str, list[str], list[str]]:
    lang, ext = LANGS[repo_index % len(LANGS)]
    location = f"https://git.example.com/{project}/repo-{repo_index}.git"
    repo_id = ids.repo_id(project, location)
    loader.write(
        "UNWIND $rows AS row MATCH (p:Project {id: row.pid}) "
        "CREATE (r:Repo {id: row.id, url: row.url, path: row.path, defaultBranch: 'main', head: row.head, "
        "projectId: row.pid}) CREATE (p)-[:HAS_REPO]->(r)",
        [
            {
                "pid": project_id,
                "id": repo_id,
                "url": location,
                "path": f"/srv/{project}/repo-{repo_index}",
                "head": f"{rng.getrandbits(160):040x}",
            }
        ],
        nodes=1,
        rels=1,
    )
    paths = [f"{DIRS[i % len(DIRS)]}/{rng.choice(WORDS)}_{i}{ext}" for i in range(files_per_repo)]
    file_ids = [ids.file_id(repo_id, path) for path in paths]
    loader.write(
        "UNWIND $rows AS row MATCH (r:Repo {id: $repo}) "
        "CREATE (f:File {id: row.id, path: row.path, lang: $lang, loc: row.loc, size: row.loc * 34, "
        "hash: row.hash, repoId: $repo, lastIndexedAt: $now}) CREATE (r)-[:CONTAINS]->(f)",
        [
            {"id": fid, "path": p, "loc": rng.randint(20, 900), "hash": f"{rng.getrandbits(256):064x}"}
            for fid, p in zip(file_ids, paths, strict=True)
        ],
        nodes=1,
        rels=1,
        repo=repo_id,
        lang=lang,
        now="2025-06-01T00:00:00Z",
    )
    symbols: dict[str, list[dict[str, Any]]] = {"Class": [], "Method": [], "Function": []}
    per_file: list[list[str]] = []
    members: list[dict[str, str]] = []
    for fid, path in zip(file_ids, paths, strict=True):
        words = rng.sample(WORDS, 8)
        ids_here: list[str] = []
        by_qn: dict[str, str] = {}
        line = 1
        for qn, kind, parent in symbol_layout(words):
            sid = ids.symbol_id(repo_id, path, qn)
            by_qn[qn] = sid
            ids_here.append(sid)
            span = rng.randint(3, 40)
            symbols[kind].append(
                {
                    "id": sid,
                    "fileId": fid,
                    "qn": qn,
                    "name": qn.rsplit(".", 1)[-1],
                    "sig": f"{qn.rsplit('.', 1)[-1]}(arg0, arg1)",
                    "s": line,
                    "e": line + span,
                }
            )
            line += span + 1
            if parent:
                members.append({"a": by_qn[parent], "b": sid})
        per_file.append(ids_here)
    for kind, rows in symbols.items():
        loader.write(
            "UNWIND $rows AS row MATCH (f:File {id: row.fileId}) "
            f"CREATE (s:Symbol:{kind} {{id: row.id, kind: $kind, name: row.name, qualifiedName: row.qn, "
            "signature: row.sig, rangeStart: row.s, rangeEnd: row.e, exported: true, fileId: row.fileId, "
            "repoId: $repo}) CREATE (f)-[:DECLARES]->(s)",
            rows,
            nodes=1,
            rels=1,
            kind=kind,
            repo=repo_id,
        )
    loader.write(
        "UNWIND $rows AS row MATCH (a:Symbol {id: row.a}) MATCH (b:Symbol {id: row.b}) CREATE (a)-[:HAS_MEMBER]->(b)",
        members,
        rels=1,
    )
    n = len(file_ids)
    imports = [{"a": file_ids[i], "b": file_ids[(i + off) % n]} for i in range(n) for off in IMPORT_OFFSETS]
    loader.write(
        "UNWIND $rows AS row MATCH (a:File {id: row.a}) MATCH (b:File {id: row.b}) CREATE (a)-[:IMPORTS]->(b)",
        imports,
        rels=1,
    )
    calls: list[dict[str, Any]] = []
    extends: list[dict[str, Any]] = []
    for i, here in enumerate(per_file):
        for sid in here[1:6] + here[7:]:  # methods and functions call
            for _ in range(2):
                target_file = i if rng.random() < 0.4 else (i + rng.choice(IMPORT_OFFSETS)) % n
                callee = rng.choice(per_file[target_file])
                if callee != sid:
                    calls.append({"a": sid, "b": callee, "c": round(rng.uniform(0.5, 1.0), 2)})
        if i % 2 == 0:
            extends.append({"a": here[0], "b": per_file[(i + 1) % n][6]})
    loader.write(
        "UNWIND $rows AS row MATCH (a:Symbol {id: row.a}) MATCH (b:Symbol {id: row.b}) "
        "CREATE (a)-[:CALLS {confidence: row.c}]->(b)",
        calls,
        rels=1,
    )
    loader.write(
        "UNWIND $rows AS row MATCH (a:Symbol {id: row.a}) MATCH (b:Symbol {id: row.b}) "
        "CREATE (a)-[:EXTENDS {confidence: 1.0}]->(b)",
        extends,
        rels=1,
    )
    return repo_id, file_ids, [sid for here in per_file for sid in here]


def load_history(
    loader: Loader, rng: random.Random, *, repo_id: str, file_ids: list[str], people: list[str], commits: int
) -> None:
    rows = []
    for c in range(commits):
        sha = f"{rng.getrandbits(160):040x}"
        rows.append(
            {
                "sha": sha,
                "time": f"2024-{1 + c % 12:02d}-{1 + c % 28:02d}T12:00:00Z",
                "msg": f"{'fix' if c % 5 == 0 else 'feat'}: change {c}",
                "fix": c % 5 == 0,
                "person": rng.choice(people),
                "files": [rng.choice(file_ids) for _ in range(3)],
            }
        )
    loader.write(
        "UNWIND $rows AS row MATCH (r:Repo {id: $repo}) MATCH (p:Person {id: row.person}) "
        "CREATE (c:Commit {sha: row.sha, time: row.time, message: row.msg, isFix: row.fix, repoId: $repo}) "
        "CREATE (r)-[:HAS_COMMIT]->(c) CREATE (p)-[:AUTHORED]->(c) "
        "WITH c, row UNWIND row.files AS fid MATCH (f:File {id: fid}) "
        "CREATE (c)-[:MODIFIED {added: 5, deleted: 1}]->(f)",
        rows,
        nodes=1,
        rels=5,
        repo=repo_id,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = about 1M nodes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--append", action="store_true", help="allow a non-empty database")
    args = parser.parse_args()
    settings = Settings()
    driver = create_driver(settings)
    rng = random.Random(args.seed)
    projects, repos_per_project = 10, 2
    files_per_repo = max(10, int(2500 * args.scale))
    commits_per_repo = max(10, int(6000 * args.scale))
    tasks = max(10, int(20_000 * args.scale))
    started = time.perf_counter()
    count = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=settings.neo4j_database)[0][0][
        "n"
    ]
    if count > 100 and not args.append:
        sys.exit(f"database has {count} nodes; pass --append to add to it")
    loader = Loader(driver, settings.neo4j_database)
    people = [ids.person_id(f"dev{i}@example.com") for i in range(int(2000 * max(args.scale, 0.01)))]
    loader.write(
        "UNWIND $rows AS row CREATE (:Person {id: row.id, name: row.name, email: row.email})",
        [{"id": pid, "name": f"dev{i}", "email": f"dev{i}@example.com"} for i, pid in enumerate(people)],
        nodes=1,
    )
    all_symbols: list[str] = []
    for p in range(projects):
        name = f"bench-project-{p:02d}"
        project_id = ids.project_id(name)
        loader.write(
            "UNWIND $rows AS row CREATE (:Project {id: row.id, name: row.name, hubId: $hub})",
            [{"id": project_id, "name": name}],
            nodes=1,
            hub=settings.hub_id,
        )
        for r in range(repos_per_project):
            repo_id, file_ids, symbol_ids = load_repo(
                loader,
                rng,
                project=name,
                project_id=project_id,
                repo_index=p * repos_per_project + r,
                files_per_repo=files_per_repo,
                hub_id=settings.hub_id,
            )
            load_history(
                loader, rng, repo_id=repo_id, file_ids=file_ids, people=people, commits=commits_per_repo
            )
            all_symbols.extend(rng.sample(symbol_ids, min(len(symbol_ids), tasks // 20)))
            print(
                f"  {name} repo {r}: nodes={loader.nodes:,} rels={loader.rels:,} "
                f"{time.perf_counter() - started:.0f}s",
                flush=True,
            )
    spec_rows = [
        {"id": ids.stable_id("specitem", str(i)), "title": f"Spec {rng.choice(WORDS)} {i}"}
        for i in range(tasks // 4)
    ]
    loader.write(
        "UNWIND $rows AS row CREATE (:SpecItem {id: row.id, title: row.title, status: 'open'})",
        spec_rows,
        nodes=1,
    )
    task_rows = [
        {
            "id": ids.stable_id("task", str(i)),
            "title": f"Implement {rng.choice(WORDS)} {i}",
            "spec": spec_rows[i % len(spec_rows)]["id"],
            "sym": all_symbols[i % len(all_symbols)],
        }
        for i in range(tasks)
    ]
    loader.write(
        "UNWIND $rows AS row MATCH (s:SpecItem {id: row.spec}) MATCH (x:Symbol {id: row.sym}) "
        "CREATE (t:Task {id: row.id, title: row.title, status: 'todo', labels: []}) "
        "CREATE (s)-[:HAS_TASK]->(t) CREATE (t)-[:IMPLEMENTS]->(x)",
        task_rows,
        nodes=1,
        rels=2,
    )
    services = [
        {"id": ids.stable_id("service", f"svc-{i}"), "name": f"{rng.choice(WORDS)}-svc-{i}"}
        for i in range(500)
    ]
    loader.write(
        "UNWIND $rows AS row CREATE (:Service {id: row.id, name: row.name, type: 'http'})", services, nodes=1
    )
    loader.write(
        "UNWIND $rows AS row MATCH (a:Service {id: row.a}) MATCH (b:Service {id: row.b}) "
        "CREATE (a)-[:INTEGRATES {protocol: 'http'}]->(b)",
        [{"a": services[i]["id"], "b": services[(i * 7 + 1) % 500]["id"]} for i in range(500)],
        rels=1,
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "nodes": loader.nodes,
                "relationships": loader.rels,
                "seconds": round(seconds, 1),
                "nodes_per_s": round(loader.nodes / seconds),
                "rels_per_s": round(loader.rels / seconds),
            }
        )
    )
    driver.close()


if __name__ == "__main__":
    main()
