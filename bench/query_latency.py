"""Latency and throughput of the query API over HTTP, on the graph from query_graph_gen.py.

Starts the API (uvicorn, one worker) as a subprocess against the configured Neo4j, samples real
ids from the graph, then runs each scenario at a given concurrency with httpx clients and prints
median / p95 / p99 / max latency and throughput as JSON (and a Markdown table).

    .venv/bin/python bench/query_latency.py [--requests 300] [--concurrency 1 4 10] [--mixed-clients 50]
        [--workers 1] [--only "depth 2" search] [--cold]

Before measuring, one pass over the sampled ids warms Neo4j's page cache (see warm_up).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_graph_gen import WORDS  # the search terms are the generator's own words

from app.config import Settings
from app.core.db import create_driver

ROOT = Path(__file__).resolve().parents[1]
# The trust boundary (issue 12): every request carries an admin API key made through the service.
HEADERS: dict[str, str] = {}


async def admin_headers(settings: Settings) -> dict[str, str]:
    from app.auth.models import KeyRequest
    from app.auth.service import create_key
    from app.core.db import create_async_driver

    driver = create_async_driver(settings)
    try:
        request = KeyRequest(name="bench", scopes=["admin"])  # type: ignore[list-item]
        token = (await create_key(driver, database=settings.neo4j_database, request=request)).token
    finally:
        await driver.close()
    return {"Authorization": f"Bearer {token}"}


GRAPH_FIELDS = "truncated nodes { id entity label distance } edges { fromId toId type } stats { nodeCount }"
# The whole VISLZR shape: every property of every node and edge comes back as metadata.
GRAPH_FIELDS_FULL = (
    "truncated nodes { id entity label distance metadata } edges { fromId toId type metadata } "
    "stats { nodeCount }"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sample_ids(settings: Settings) -> dict[str, Any]:
    driver = create_driver(settings)
    try:
        run = driver.execute_query
        # A fixed id prefix is a uniform sample (ids are hashes) spread over every project.
        files = run(
            "MATCH (p:Project)-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File) WHERE f.id STARTS WITH '0' "
            "RETURN f.id AS f, p.id AS p"
        ).records
        projects = dict(random.Random(3).sample([(r["f"], r["p"]) for r in files], min(300, len(files))))
        symbol_rows = run(
            "MATCH (s:Symbol) WHERE s.id STARTS WITH '00' AND (s:Method OR s:Function) RETURN s.id AS s"
        ).records
        symbols = random.Random(4).sample([r["s"] for r in symbol_rows], min(300, len(symbol_rows)))
    finally:
        driver.close()
    return {"files": list(projects.items()), "symbols": symbols}


def scenarios(ids: dict[str, Any]) -> dict[str, Callable[[random.Random], dict[str, Any]]]:
    def around_file(
        depth: int, limit: int, fields: str = GRAPH_FIELDS
    ) -> Callable[[random.Random], dict[str, Any]]:
        def make(rng: random.Random) -> dict[str, Any]:
            file_id, project_id = rng.choice(ids["files"])
            return {
                "query": "query($p: ID!, $r: [ID!], $d: Int!, $l: Int!) { projectGraph(projectId: $p, "
                f"rootIds: $r, depth: $d, limit: $l) {{ {fields} }} }}",
                "variables": {"p": project_id, "r": [file_id], "d": depth, "l": limit},
            }

        return make

    def dependencies(rng: random.Random) -> dict[str, Any]:
        return {
            "query": "query($s: ID!) { symbolDependencies(symbolId: $s, direction: OUTGOING, depth: 3, limit: 1000) "
            f"{{ {GRAPH_FIELDS} }} }}",
            "variables": {"s": rng.choice(ids["symbols"])},
        }

    def search(rng: random.Random) -> dict[str, Any]:
        return {
            "query": "query($q: String!) { search(query: $q, first: 20) { edges { node { score scope "
            "node { id entity label } } } } }",
            "variables": {"q": rng.choice(WORDS) + rng.choice(("", " service", "Get", "_1"))},
        }

    def rest_around_file(rng: random.Random) -> dict[str, Any]:
        file_id, project_id = rng.choice(ids["files"])
        return {
            "rest": f"/api/projects/{project_id}/graph",
            "params": {"rootId": file_id, "depth": 3, "limit": 1000},
        }

    return {
        "projectGraph depth 2 around a file (limit 500)": around_file(2, 500),
        "projectGraph depth 2 around a file, with metadata (limit 500)": around_file(
            2, 500, GRAPH_FIELDS_FULL
        ),
        "projectGraph depth 3 around a file, capped at 1000": around_file(3, 1000),
        "symbolDependencies depth 3 (outgoing)": dependencies,
        "search (all scopes, first 20)": search,
        "REST /api/projects/{id}/graph depth 3 around a file, capped at 1000": rest_around_file,
    }


async def run_scenario(
    base: str, make: Callable[[random.Random], dict[str, Any]], *, requests: int, concurrency: int, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    bodies = [make(rng) for _ in range(requests)]
    latencies: list[float] = []
    errors = 0
    first_error: list[str] = []
    truncated = 0
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, truncated
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            if "rest" in body:
                response = await client.get(f"{base}{body['rest']}", params=body["params"])
            else:
                response = await client.post(f"{base}/graphql", json=body)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or b'"errors":' in response.content:
                errors += 1
                first_error[:] = first_error or [response.text[:300]]
            elif b'"truncated":true' in response.content.replace(b" ", b""):
                truncated += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits, headers=HEADERS) as client:
        for body in bodies[:5]:  # warm-up: plans cached, pages in memory
            if "rest" in body:
                await client.get(f"{base}{body['rest']}", params=body["params"])
            else:
                await client.post(f"{base}/graphql", json=body)
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "concurrency": concurrency,
        "errors": errors,
        "truncated": truncated,
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "first_error": first_error[0] if first_error else None,
    }


async def warm_up(base: str, ids: dict[str, Any]) -> None:
    """Touch every sampled neighbourhood once, so the figures are the steady state (page cache warm)
    rather than the first read of each page from disk; the first pass is reported on its own."""
    async with httpx.AsyncClient(timeout=60, headers=HEADERS) as client:
        for file_id, project_id in ids["files"]:
            await client.get(
                f"{base}/api/projects/{project_id}/graph",
                params={"rootId": file_id, "depth": 3, "limit": 1000},
            )
        for symbol_id in ids["symbols"]:
            await client.get(f"{base}/api/symbols/{symbol_id}/dependencies", params={"depth": 3})


def start_server(port: int, workers: int, root: Path = ROOT) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--workers",
            str(workers),
        ],
        cwd=root,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1, headers=HEADERS).status_code
                == 200
            ):
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the API did not start")


async def auth_overhead(args: argparse.Namespace, ids: dict[str, Any]) -> None:
    """projectGraph depth 2 on the code before the trust boundary (``--before-root``, e.g. a
    `git archive` of the commit before it) and on this code, alternating in the same run."""
    make = scenarios(ids)["projectGraph depth 2 around a file (limit 500)"]
    before = start_server(args.port + 1, 1, Path(args.before_root))
    after = start_server(args.port, 1)
    medians: dict[str, list[float]] = {"before": [], "after": []}
    try:
        await warm_up(f"http://127.0.0.1:{args.port}", ids)
        for round_ in range(args.rounds):
            for label, port in (("before", args.port + 1), ("after", args.port)):
                result = await run_scenario(f"http://127.0.0.1:{port}", make, requests=args.requests,
                                            concurrency=1, seed=round_)  # fmt: skip
                assert result["errors"] == 0, result["first_error"]
                medians[label].append(result["median_ms"])
                print(json.dumps({"round": round_, "code": label, **result}), flush=True)
    finally:
        for server in (before, after):
            server.terminate()
            server.wait(timeout=10)
    b, a = statistics.median(medians["before"]), statistics.median(medians["after"])
    print("\n| code | rounds | median of medians ms | per-round medians |")
    print("|---|---|---|---|")
    for label, value in (("before (no boundary)", b), ("after (key + scopes + rate limit)", a)):
        key = "before" if label.startswith("before") else "after"
        print(f"| {label} | {args.rounds} | {value:.2f} | {', '.join(f'{m:.1f}' for m in medians[key])} |")
    print(f"\nadded by the boundary: {a - b:+.2f} ms on the median")


async def main_async(args: argparse.Namespace) -> None:
    settings = Settings()
    ids = sample_ids(settings)
    HEADERS.update(await admin_headers(settings))
    if args.before_root:
        await auth_overhead(args, ids)
        return
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args.port, args.workers)
    results: list[dict[str, Any]] = []
    try:
        all_scenarios = scenarios(ids)
        if args.cold:
            for name, make in list(all_scenarios.items())[:1]:
                result = await run_scenario(base, make, requests=args.requests, concurrency=1, seed=1)
                results.append({"scenario": f"{name}, cold (first touch)", **result})
                print(json.dumps(results[-1]), flush=True)
        started = time.perf_counter()
        await warm_up(base, ids)
        print(f"warm-up pass: {time.perf_counter() - started:.1f} s", flush=True)
        for name, make in all_scenarios.items():
            if args.only and not any(word in name for word in args.only):
                continue
            for concurrency in args.concurrency:
                result = await run_scenario(
                    base, make, requests=args.requests, concurrency=concurrency, seed=1
                )
                results.append({"scenario": name, **result})
                print(json.dumps(results[-1]), flush=True)

        def mixed(rng: random.Random) -> dict[str, Any]:
            return rng.choice(list(all_scenarios.values()))(rng)

        if args.mixed_clients:
            result = await run_scenario(
                base, mixed, requests=args.requests * 4, concurrency=args.mixed_clients, seed=2
            )
            results.append({"scenario": "mixed (the five above, uniformly)", **result})
            print(json.dumps(results[-1]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("\n| scenario | clients | n | median ms | p95 ms | p99 ms | max ms | req/s | errors | truncated |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['scenario']} | {r['concurrency']} | {r['requests']} | {r['median_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {r['max_ms']} | {r['throughput_rps']} | {r['errors']} | {r['truncated']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--mixed-clients", type=int, default=50)
    parser.add_argument("--port", type=int, default=18931)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--only", nargs="*", default=[], help="run only scenarios whose name has one of these"
    )
    parser.add_argument("--cold", action="store_true", help="first measure depth 2 before the warm-up pass")
    parser.add_argument("--before-root", help="a checkout without the trust boundary: measure its overhead")
    parser.add_argument("--rounds", type=int, default=6, help="alternations for --before-root")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
