"""A small, realistic code graph written with the real schema and ids (ingest/ids.py).

Project -HAS_REPO-> Repo -CONTAINS-> File -DECLARES-> Symbol (kind labels), IMPORTS, CALLS
{confidence}, EXTENDS, HAS_MEMBER, TESTS, Commit/Person, Service, SpecItem/Task, Audit. Names carry
a per-session token so the graph never collides with other tests' data in the shared database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from neo4j import Driver

from ingest import ids


@dataclass
class CodeGraph:
    token: str
    project_id: str
    project_name: str
    repo_id: str
    files: dict[str, str] = field(default_factory=dict)  # path -> id
    symbols: dict[str, str] = field(default_factory=dict)  # qualifiedName -> id
    commits: list[str] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)
    service_ids: dict[str, str] = field(default_factory=dict)
    spec_item_id: str = ""
    task_id: str = ""
    audit_id: str = ""


FILES = {
    "src/app.ts": ("typescript", 40),
    "src/services/cart.ts": ("typescript", 120),
    "src/services/base.ts": ("typescript", 30),
    "src/util/format.ts": ("typescript", 15),
    "tests/cart.test.ts": ("typescript", 50),
    "scripts/seed.py": ("python", 25),
}
# qualifiedName -> (path, kind, extra labels, signature, start, end)
SYMBOLS = {
    "main": ("src/app.ts", "Function", (), "function main(): void", 1, 10),
    "App": ("src/app.ts", "Class", (), "class App", 12, 40),
    "App.start": ("src/app.ts", "Method", (), "start(): Promise<void>", 14, 30),
    "CartService": ("src/services/cart.ts", "Class", (), "class CartService extends BaseService", 1, 120),
    "CartService.addItem": ("src/services/cart.ts", "Method", (), "addItem(sku: string, qty: number)", 5, 40),
    "CartService.total": ("src/services/cart.ts", "Method", (), "total(): Money", 42, 80),
    "parseConfig": ("src/services/cart.ts", "Function", (), "function parseConfig(raw: string)", 82, 110),
    "BaseService": ("src/services/base.ts", "Class", (), "abstract class BaseService", 1, 30),
    "formatPrice": ("src/util/format.ts", "Function", (), "function formatPrice(cents: number)", 1, 15),
    "formatPriceRange": ("src/util/format.ts", "Function", (), "function formatPriceRange(a, b)", 16, 20),
    "testCartTotal": ("tests/cart.test.ts", "Function", ("Test",), "test('cart total')", 3, 20),
    "seed": ("scripts/seed.py", "Function", (), "def seed() -> None", 1, 25),
}
IMPORTS = [
    ("src/app.ts", "src/services/cart.ts"),
    ("src/services/cart.ts", "src/services/base.ts"),
    ("src/services/cart.ts", "src/util/format.ts"),
    ("tests/cart.test.ts", "src/services/cart.ts"),
]
CALLS = [
    ("main", "App.start", 1.0),
    ("App.start", "CartService.addItem", 0.9),
    ("CartService.addItem", "CartService.total", 1.0),
    ("CartService.total", "formatPrice", 0.8),
    ("testCartTotal", "CartService.total", 1.0),
]
MEMBERS = [("App", "App.start"), ("CartService", "CartService.addItem"), ("CartService", "CartService.total")]


def build_code_graph(driver: Driver, *, database: str = "neo4j") -> CodeGraph:
    token = uuid.uuid4().hex[:8]
    name = f"acme-shop-{token}"
    project_id = ids.project_id(name)
    repo_path = f"/srv/repos/{name}"
    repo_id = ids.repo_id(name, repo_path)
    graph = CodeGraph(token=token, project_id=project_id, project_name=name, repo_id=repo_id)
    graph.files = {path: ids.file_id(repo_id, path) for path in FILES}
    graph.symbols = {qn: ids.symbol_id(repo_id, spec[0], qn) for qn, spec in SYMBOLS.items()}

    def run(query: str, **params: object) -> None:
        driver.execute_query(query, params, database_=database)

    run(
        "MERGE (p:Project {id: $pid}) SET p.name = $name, p.hubId = 'local' "
        "MERGE (r:Repo {id: $rid}) SET r.path = $path, r.projectId = $pid, r.defaultBranch = 'main', "
        "r.head = 'abc123' MERGE (p)-[:HAS_REPO]->(r)",
        pid=project_id,
        name=name,
        rid=repo_id,
        path=repo_path,
    )
    run(
        "MATCH (r:Repo {id: $rid}) UNWIND $rows AS row "
        "MERGE (f:File {id: row.id}) SET f.path = row.path, f.lang = row.lang, f.loc = row.loc, "
        "f.size = row.loc * 30, f.hash = row.hash, f.repoId = $rid MERGE (r)-[:CONTAINS]->(f)",
        rid=repo_id,
        rows=[
            {"id": graph.files[p], "path": p, "lang": lang, "loc": loc, "hash": uuid.uuid4().hex * 2}
            for p, (lang, loc) in FILES.items()
        ],
    )
    for kind in ("Function", "Class", "Method"):
        for extra in ((), ("Test",)):
            rows = [
                {
                    "id": graph.symbols[qn],
                    "fileId": graph.files[path],
                    "qn": qn,
                    "name": qn.split(".")[-1],
                    "signature": sig,
                    "start": start,
                    "end": end,
                }
                for qn, (path, k, labels, sig, start, end) in SYMBOLS.items()
                if k == kind and tuple(labels) == extra
            ]
            if not rows:
                continue
            labels = ":Symbol:" + kind + "".join(f":{label}" for label in extra)
            run(
                "UNWIND $rows AS row MATCH (f:File {id: row.fileId}) "
                f"MERGE (s{labels} {{id: row.id}}) "
                "SET s.kind = $kind, s.name = row.name, s.qualifiedName = row.qn, "
                "s.signature = row.signature, "
                "s.rangeStart = row.start, s.rangeEnd = row.end, s.exported = true, s.fileId = row.fileId, "
                "s.repoId = $rid MERGE (f)-[:DECLARES]->(s)",
                rows=rows,
                kind=kind,
                rid=repo_id,
            )
    run(
        "UNWIND $rows AS row MATCH (a:File {id: row.a}) MATCH (b:File {id: row.b}) MERGE (a)-[:IMPORTS]->(b)",
        rows=[{"a": graph.files[a], "b": graph.files[b]} for a, b in IMPORTS],
    )
    run(
        "UNWIND $rows AS row MATCH (a:Symbol {id: row.a}) MATCH (b:Symbol {id: row.b}) "
        "MERGE (a)-[c:CALLS]->(b) SET c.confidence = row.c",
        rows=[{"a": graph.symbols[a], "b": graph.symbols[b], "c": c} for a, b, c in CALLS],
    )
    run(
        "UNWIND $rows AS row MATCH (a:Symbol {id: row.a}) MATCH (b:Symbol {id: row.b}) "
        "MERGE (a)-[:HAS_MEMBER]->(b)",
        rows=[{"a": graph.symbols[a], "b": graph.symbols[b]} for a, b in MEMBERS],
    )
    run(
        "MATCH (a:Symbol {id: $a}) MATCH (b:Symbol {id: $b}) "
        "MERGE (a)-[e:EXTENDS]->(b) SET e.confidence = 1.0 "
        "WITH 1 AS one MATCH (t:Symbol {id: $t}) MATCH (u:Symbol {id: $u}) MERGE (t)-[:TESTS]->(u)",
        a=graph.symbols["CartService"],
        b=graph.symbols["BaseService"],
        t=graph.symbols["testCartTotal"],
        u=graph.symbols["CartService.total"],
    )

    # history: two people, two commits
    graph.people = {
        email: ids.person_id(email) for email in (f"alice-{token}@acme.test", f"bob-{token}@acme.test")
    }
    graph.commits = [uuid.uuid4().hex + uuid.uuid4().hex[:8] for _ in range(2)]
    for index, (sha, (email, pid)) in enumerate(zip(graph.commits, graph.people.items(), strict=True)):
        path = "src/services/cart.ts" if index == 0 else "src/app.ts"
        run(
            "MATCH (r:Repo {id: $rid}) MATCH (f:File {id: $fid}) "
            "MERGE (c:Commit {sha: $sha}) "
            "SET c.time = $time, c.message = $message, c.isFix = $fix, c.repoId = $rid "
            "MERGE (p:Person {id: $pid}) SET p.name = $pname, p.email = $email "
            "MERGE (r)-[:HAS_COMMIT]->(c) MERGE (p)-[:AUTHORED]->(c) MERGE (c)-[m:MODIFIED]->(f) "
            "SET m.added = 10, m.deleted = 2",
            rid=repo_id,
            fid=graph.files[path],
            sha=sha,
            time=f"2025-01-0{index + 1}T10:00:00Z",
            message="fix: cart total rounding" if index == 0 else "feat: app start",
            fix=index == 0,
            pid=pid,
            pname=email.split("@")[0],
            email=email,
        )

    # operations and work
    graph.service_ids = {n: ids.stable_id("service", f"{n}-{token}") for n in ("checkout-api", "payments")}
    run(
        "MERGE (a:Service {id: $a}) SET a.name = $an, a.type = 'http', a.endpoint = 'http://checkout.local' "
        "MERGE (b:Service {id: $b}) SET b.name = $bn, b.type = 'grpc', b.endpoint = 'grpc://payments.local' "
        "MERGE (a)-[i:INTEGRATES]->(b) SET i.protocol = 'grpc'",
        a=graph.service_ids["checkout-api"],
        an=f"checkout-api-{token}",
        b=graph.service_ids["payments"],
        bn=f"payments-{token}",
    )
    graph.spec_item_id, graph.task_id, graph.audit_id = (uuid.uuid4().hex for _ in range(3))
    run(
        "MERGE (s:SpecItem {id: $sid}) SET s.title = $stitle, s.description = 'Totals include tax', "
        "s.projectId = $pid, s.status = 'open' "
        "MERGE (t:Task {id: $tid}) SET t.title = $ttitle, t.status = 'in_progress', t.labels = ['cart'], "
        "t.description = 'Round half even' "
        "MERGE (s)-[:HAS_TASK]->(t) WITH t MATCH (x:Symbol {id: $sym}) MERGE (t)-[:IMPLEMENTS]->(x) "
        "MERGE (a:Audit {id: $aid}) SET a.kind = 'code-review', a.status = 'done', a.targetId = $sym "
        "MERGE (a)-[:ABOUT]->(x)",
        sid=graph.spec_item_id,
        stitle=f"Cart totals {token}",
        pid=project_id,
        tid=graph.task_id,
        ttitle=f"Implement cart total {token}",
        sym=graph.symbols["CartService.total"],
        aid=graph.audit_id,
    )
    return graph
