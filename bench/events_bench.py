"""Event backbone benchmarks (issue 5), on a runtime of their own.

    .venv/bin/python bench/events_bench.py [--publish 200000] [--ws-seconds 10] [--events 1000000]

Starts an isolated runtime (HUB_HOME=bench/out/events-home, ports 38687/38474/38222/38379) and
measures, printing a Markdown section for bench/RESULTS.md:
1. durable publish rate from one process: envelopes built, validated, encoded and published with
   ``EventService.publish_many`` (``publish_async`` pipelining), counted when JetStream acks;
2. publish → WebSocket subscriber latency at 1,000 events/s through a real ``uvicorn`` hub;
3. query by correlation id (projection + stream tail, events read from the stream) with
   ``--events`` stored, five events per correlation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ENV = {"HUB_HOME": str(OUT / "events-home"), "HUB_NEO4J_BOLT_PORT": "38687", "HUB_NEO4J_HTTP_PORT": "38474",
       "HUB_NATS_PORT": "38222", "HUB_REDIS_PORT": "38379", "HUB_NEO4J_HEAP": "3g",
       "HUB_NEO4J_PAGECACHE": "2g", "HUB_EVENTS_MAX_BYTES": str(20 * 1024**3)}  # fmt: skip
os.environ.update(ENV)
for key in ("HUB_NEO4J_URI", "HUB_NATS_URL", "HUB_REDIS_URL", "HUB_NEO4J_PASSWORD"):
    os.environ.pop(key, None)
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.core.db import create_async_driver  # noqa: E402
from app.core.migrations import migrate  # noqa: E402
from app.events.models import EventQuery  # noqa: E402
from app.events.projection import Projector  # noqa: E402
from app.events.service import EventService  # noqa: E402
from app.runtime import manager  # noqa: E402

PAYLOAD = {
    "repo": "commandcenter/hub",
    "path": "app/events/service.py",
    "added": 12,
    "deleted": 3,
    "message": "x" * 120,
}  # fmt: skip  (about 450 bytes as an envelope)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_publish(events: EventService, count: int, window: int = 5000) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < count:
        n = min(window, count - done)
        batch = [events.event(f"hub.local.bench.p{i % 8}", PAYLOAD) for i in range(n)]
        acks = await events.publish_many(batch)
        assert len(acks) == n and not any(ack.duplicate for ack in acks)
        done += n
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    # per CPU-second of this process: what one uncontended core gives on a shared machine
    return {
        "events": count,
        "seconds": round(seconds, 2),
        "per_s": round(count / seconds),
        "hub_cpu_s": round(cpu_s, 2),
        "per_hub_cpu_s": round(count / cpu_s),
    }


async def bench_ws(
    settings: Settings, events: EventService, seconds: float, rate: int = 1000
) -> dict[str, float]:
    import websockets

    port = 38800
    log = (OUT / "events-ws-api.log").open("wb")
    api = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ws = await websockets.connect(
                    f"ws://127.0.0.1:{port}/api/events/stream?subject=hub.local.wsbench.*"
                )
                break
            except OSError:
                assert time.monotonic() < deadline, "API did not start"
                await asyncio.sleep(0.3)
        await asyncio.sleep(1.0)
        latencies: list[float] = []
        total = int(seconds * rate)

        async def receive() -> None:
            while len(latencies) < total:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                latencies.append((time.time() - message["data"]["t"]) * 1000)

        receiver = asyncio.create_task(receive())
        started = time.perf_counter()
        for i in range(total):
            target = started + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await events.publish(events.event("hub.local.wsbench.tick", {"t": time.time(), "i": i}))
        await asyncio.wait_for(receiver, 30)
        await ws.close()
        return {"events": total, "rate": rate, "p50_ms": round(pct(latencies, 0.5), 2),
                "p99_ms": round(pct(latencies, 0.99), 2), "max_ms": round(max(latencies), 2)}  # fmt: skip
    finally:
        api.terminate()
        api.wait(timeout=30)


async def bench_correlation(settings: Settings, events: EventService, total: int) -> dict[str, float]:
    driver = create_async_driver(settings)
    projector = Projector(events, driver)
    projector.start()
    per = 5
    # --events 0 measures queries over what an earlier run loaded (200k correlations of 5).
    correlations = (
        [f"bench-{i:07d}" for i in range(max(total, 1_000_000) // per)]
        if total == 0
        else [f"bench-{i:07d}" for i in range(total // per)]
    )
    started = time.perf_counter()
    stored = await events.last_seq()
    window = 5000
    i = 0
    while i < total:
        batch = [events.event(f"hub.local.load.s{(i + k) % 16}", {"k": i + k},
                              correlationid=correlations[((i + k) * 7919) % len(correlations)])
                 for k in range(min(window, total - i))]  # fmt: skip
        await events.publish_many(batch)
        i += len(batch)
    load_s = max(time.perf_counter() - started, 1e-9)
    target = await events.last_seq()
    while await events.projection_watermark() < target:
        await asyncio.sleep(1.0)
    projected_s = time.perf_counter() - started
    records, _, _ = await driver.execute_query("MATCH (e:Event) RETURN count(e) AS n")
    in_graph = records[0]["n"]
    timings: list[float] = []
    sizes: list[int] = []
    for _ in range(1000):
        cid = random.choice(correlations)
        t0 = time.perf_counter()
        page = await events.query(EventQuery(correlation_id=cid), driver=driver)
        timings.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(page.events))
    await projector.stop()
    await driver.close()
    return {"events_loaded": total, "already_stored": stored, "events_in_projection": in_graph,
            "load_s": round(load_s, 1), "load_per_s": round(total / load_s),
            "projection_caught_up_s": round(projected_s, 1), "queries": len(timings),
            "mean_events_per_query": round(statistics.mean(sizes), 2),
            "p50_ms": round(pct(timings, 0.5), 2), "p95_ms": round(pct(timings, 0.95), 2),
            "p99_ms": round(pct(timings, 0.99), 2)}  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    driver = create_async_driver(settings)
    await migrate(driver, database=settings.neo4j_database)
    await driver.close()
    events = EventService(settings, service="bench")
    await events.connect()
    results: dict[str, dict[str, float]] = {}
    if args.publish:
        results["publish"] = await bench_publish(events, args.publish)
        print("publish", results["publish"], flush=True)
    if args.ws_seconds:
        results["ws"] = await bench_ws(settings, events, args.ws_seconds)
        print("ws", results["ws"], flush=True)
    if args.events is not None and args.events >= 0:
        results["correlation"] = await bench_correlation(settings, events, args.events)
        print("correlation", results["correlation"], flush=True)
    await events.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--publish", type=int, default=200_000)
    parser.add_argument("--ws-seconds", type=float, default=10.0)
    parser.add_argument("--events", type=int, default=1_000_000, help="0: query what is stored; -1: skip")
    parser.add_argument("--fresh", action="store_true", help="wipe the bench runtime's data first")
    parser.add_argument("--keep", action="store_true", help="leave the runtime running")
    arguments = parser.parse_args()
    hub_settings = Settings(_env_file=None)  # type: ignore[call-arg]
    if arguments.fresh:
        manager.down(hub_settings)
        shutil.rmtree(OUT / "events-home", ignore_errors=True)
    manager.up(hub_settings)
    try:
        asyncio.run(main(arguments))
    finally:
        if not arguments.keep:
            manager.down(hub_settings)
