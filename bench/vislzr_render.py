"""VISLZR speed in headless Chromium against a hub runtime: synthetic projects of the real schema.

Usage (HUB_* must point at a running runtime; the hub app is served in-process from --dist):
    .venv/bin/python bench/vislzr_render.py [--runs 3] [--files 5000] [--imports 15000] [--big]

Writes ``bench-vislzr-<files>-<time>`` (files in 50 folders, IMPORTS between files) and measures,
median of --runs: fetch + first draw with the layout computed and from the cached layout; pan/zoom
frame rate two ways (a synthetic mouse drag + wheel, as a person moves the view — sigma hides
edges while moving above 2,000 edges — and camera moves with every edge drawn each frame, counted as sigma's renders); a live
update (+100 files, +300 imports, announced on ``hub.<id>.graph.updated`` and received through
the graphChanged subscription); and the ceiling: a plain non-instanced WebGL draw (gl.POINTS +
gl.LINES, 4 px points) of exactly the geometry the app drew (same points, same short segments at
the same screen positions), moved every frame. ``--big`` adds a 50,000-symbol project (20 packages
x 10 subpackages x 25 files x 10 symbols, 50k CALLS, 15k IMPORTS) opened on its folder map and
explored by expanding a package, a subpackage and a file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.config import Settings
from app.core.db import create_driver
from app.main import WEB_DIST, create_app, mount_web
from ingest import ids

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader"]  # fmt: skip

WRITE = """
MERGE (p:Project {id: $pid}) SET p.name = $name
MERGE (r:Repo {id: $rid}) SET r.projectId = $pid, r.head = $head
MERGE (p)-[:HAS_REPO]->(r)
WITH r UNWIND $files AS f
MERGE (x:File {id: f.id}) SET x.path = f.path, x.lang = 'python', x.loc = 10, x.repoId = $rid,
  x.lastIndexedAt = datetime()
MERGE (r)-[:CONTAINS]->(x)
"""
IMPORTS = "UNWIND $rows AS e MATCH (a:File {id: e.s}) MATCH (b:File {id: e.d}) MERGE (a)-[:IMPORTS]->(b)"
SYMBOLS = """
UNWIND $rows AS s MATCH (f:File {id: s.fileId})
CREATE (x:Symbol:Function {id: s.id, kind: 'Function', name: s.name, qualifiedName: s.name, fileId: s.fileId,
  repoId: $rid, path: s.path, rangeStart: s.line, rangeEnd: s.line + 3})
CREATE (f)-[:DECLARES]->(x)
"""
CALLS = "UNWIND $rows AS e MATCH (a:Symbol {id: e.s}) MATCH (b:Symbol {id: e.d}) CREATE (a)-[:CALLS {confidence: 0.9}]->(b)"


def write_project(
    driver: Any, name: str, paths: list[str], imports: int, start: int = 0, head: str = "a"
) -> tuple[str, str]:
    rng = random.Random(len(paths) + start)
    pid, rid = ids.project_id(name), ids.repo_id(name, name)
    rows = [{"id": ids.file_id(rid, p), "path": p} for p in paths[start:]]
    for k in range(0, len(rows), 5000):
        driver.execute_query(WRITE, pid=pid, name=name, rid=rid, head=head, files=rows[k : k + 5000])
    all_ids = [ids.file_id(rid, p) for p in paths]
    edges = [{"s": rows[rng.randrange(len(rows))]["id"], "d": rng.choice(all_ids)} for _ in range(imports)]
    for k in range(0, len(edges), 10000):
        driver.execute_query(IMPORTS, rows=edges[k : k + 10000])
    return pid, rid


def write_symbols(driver: Any, rid: str, paths: list[str], per_file: int, calls: int) -> int:
    rng = random.Random(7)
    rows = [{"id": ids.symbol_id(rid, p, f"f{j}"), "fileId": ids.file_id(rid, p), "path": p, "name": f"f{j}", "line": 1 + 5 * j}
            for p in paths for j in range(per_file)]  # fmt: skip
    for k in range(0, len(rows), 5000):
        driver.execute_query(SYMBOLS, rows=rows[k : k + 5000], rid=rid)
    # Calls mostly stay in the caller's package, like real code.
    by_file = len(rows) // len(paths)
    edges = []
    for _ in range(calls):
        i = rng.randrange(len(rows))
        j = i + rng.randint(-250, 250) * by_file // 10 if rng.random() < 0.8 else rng.randrange(len(rows))
        edges.append({"s": rows[i]["id"], "d": rows[max(0, min(len(rows) - 1, j))]["id"]})
    for k in range(0, len(edges), 10000):
        driver.execute_query(CALLS, rows=edges[k : k + 10000])
    return len(rows)


DRAWN = """v => { const e = document.querySelector('[data-testid=graph-canvas]'); return e && +e.dataset.version >= v; }"""

# Pan and zoom with the camera set every frame: not a "move" for sigma, so every edge is drawn.
FPS_CAMERA = """async (ms) => {
  const s = window.__vislzr.sigma; const cam = s.getCamera(); let renders = 0; const count = () => renders++;
  s.on('afterRender', count); const t0 = performance.now();
  return await new Promise(done => { const step = () => { const t = performance.now() - t0;
    cam.setState({x: 0.5 + 0.2 * Math.sin(t / 300), y: 0.5, ratio: 0.8 + 0.3 * Math.cos(t / 500)});
    if (t < ms) requestAnimationFrame(step); else { s.off('afterRender', count); done(renders * 1000 / t); } };
    requestAnimationFrame(step); }); }"""

# A person panning and zooming: mouse down, moves every frame, wheel ticks; frames are sigma's renders.
FPS_DRAG = """async (ms) => {
  const s = window.__vislzr.sigma; const el = s.getContainer().querySelector('.sigma-mouse'); const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2; let renders = 0; const count = () => renders++;
  s.on('afterRender', count);
  const ev = (type, x, y, target) => target.dispatchEvent(new MouseEvent(type, {clientX: x, clientY: y, bubbles: true, button: 0, buttons: 1}));
  ev('mousedown', cx, cy, el); const t0 = performance.now(); let i = 0;
  return await new Promise(done => { const step = () => { const t = performance.now() - t0; i++;
    ev('mousemove', cx + 150 * Math.sin(t / 400), cy + 80 * Math.cos(t / 500), document);
    if (i % 20 === 0) el.dispatchEvent(new WheelEvent('wheel', {clientX: cx, clientY: cy, deltaY: i % 40 ? -100 : 100, bubbles: true}));
    if (t < ms) requestAnimationFrame(step);
    else { ev('mouseup', cx, cy, document); s.off('afterRender', count); done(renders * 1000 / t); } };
    requestAnimationFrame(step); }); }"""

# The ceiling: the app's own geometry (node and edge endpoints in screen space) drawn with plain
# gl.POINTS + gl.LINES in a canvas of the same size, translated every frame.
CEILING = """async (ms) => {
  const s = window.__vislzr.sigma; const g = s.getGraph(); const box = s.getContainer().getBoundingClientRect();
  const W = Math.round(box.width), H = Math.round(box.height); const pos = new Map();
  g.forEachNode((n, a) => { const p = s.graphToViewport({x: a.x, y: a.y}); pos.set(n, [2 * p.x / W - 1, 1 - 2 * p.y / H]); });
  const pts = new Float32Array(g.order * 2); let k = 0; for (const p of pos.values()) { pts[k++] = p[0]; pts[k++] = p[1]; }
  const lns = new Float32Array(g.size * 4); k = 0;
  g.forEachEdge((e, a, src, dst) => { const p = pos.get(src), q = pos.get(dst); lns[k++] = p[0]; lns[k++] = p[1]; lns[k++] = q[0]; lns[k++] = q[1]; });
  const c = document.createElement('canvas'); c.width = W; c.height = H; c.style = 'position:fixed;left:0;top:0';
  document.body.appendChild(c);
  const gl = c.getContext('webgl', {antialias: false, preserveDrawingBuffer: false}); /* as sigma's */ const vs = 'attribute vec2 p; uniform vec2 d; void main(){gl_Position=vec4(p+d,0.,1.);gl_PointSize=4.;}';
  const fs = 'precision mediump float; void main(){gl_FragColor=vec4(1.,.6,.2,1.);}';
  const prog = gl.createProgram(); for (const [t, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
    const sh = gl.createShader(t); gl.shaderSource(sh, src); gl.compileShader(sh); gl.attachShader(prog, sh); }
  gl.linkProgram(prog); gl.useProgram(prog); const d = gl.getUniformLocation(prog, 'd');
  const pb = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, pb); gl.bufferData(gl.ARRAY_BUFFER, pts, gl.STATIC_DRAW);
  const lb = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, lb); gl.bufferData(gl.ARRAY_BUFFER, lns, gl.STATIC_DRAW);
  const loc = gl.getAttribLocation(prog, 'p'); gl.enableVertexAttribArray(loc);
  let frames = 0; const t0 = performance.now();
  return await new Promise(done => { const step = () => { frames++; const t = performance.now() - t0;
    gl.clear(gl.COLOR_BUFFER_BIT); gl.uniform2f(d, 0.2 * Math.sin(t / 300), 0.1 * Math.cos(t / 500));
    gl.bindBuffer(gl.ARRAY_BUFFER, lb); gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0); gl.drawArrays(gl.LINES, 0, g.size * 2);
    gl.bindBuffer(gl.ARRAY_BUFFER, pb); gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0); gl.drawArrays(gl.POINTS, 0, g.order);
    gl.flush();
    if (t < ms) requestAnimationFrame(step); else { c.remove(); done({fps: frames * 1000 / t, points: g.order, lines: g.size}); } };
    requestAnimationFrame(step); }); }"""


def open_view(page: Page, url: str, version: int = 1) -> tuple[float, dict[str, str]]:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DRAWN, arg=version, timeout=120_000)
    elapsed = time.perf_counter() - started
    return elapsed, page.eval_on_selector("[data-testid=graph-canvas]", "e => ({...e.dataset})")


def serve(settings: Settings, dist: Path) -> tuple[str, uvicorn.Server]:
    mount_web.__defaults__ = (dist,)  # serve the given build (the before/after comparison)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server


def run_once(
    page: Page, url: str, driver: Any, settings: Settings, args: argparse.Namespace
) -> dict[str, Any]:
    name = f"bench-vislzr-{args.files}-{time.time_ns()}"
    paths = [f"pkg{i % 50}/m{i}.py" for i in range(args.files + 100)]
    pid, _ = write_project(driver, name, paths[: args.files], args.imports)
    out: dict[str, Any] = {}
    page.goto(f"{url}/")
    page.evaluate("() => localStorage.clear()")
    out["aggregated_open_s"], data = open_view(page, f"{url}/?project={pid}")
    out["aggregated_nodes"], out["aggregated_edges"] = int(data["renderedNodes"]), int(data["renderedEdges"])
    out["aggregated_fps_drag"] = page.evaluate(FPS_DRAG, 3000)
    out["aggregated_fps_camera"] = page.evaluate(FPS_CAMERA, 3000)
    out["aggregated_ceiling_fps"] = page.evaluate(CEILING, 3000)["fps"]
    full = f"{url}/?project={pid}&depth=2"
    out["full_open_layout_computed_s"], data = open_view(page, full)
    out["full_nodes"], out["full_edges"] = int(data["renderedNodes"]), int(data["renderedEdges"])
    out["full_open_cached_layout_s"], _ = open_view(page, full)
    out["full_fps_drag"] = page.evaluate(FPS_DRAG, 4000)
    out["full_fps_camera"] = page.evaluate(FPS_CAMERA, 4000)
    ceiling = page.evaluate(CEILING, 4000)
    out["ceiling_fps"], out["ceiling_points"], out["ceiling_lines"] = (
        ceiling["fps"],
        ceiling["points"],
        ceiling["lines"],
    )
    try:
        page.wait_for_function("() => document.body.dataset.live === 'subscription'", timeout=15_000)
        out["live_via"] = "subscription"
    except PlaywrightTimeout:
        out["live_via"] = "polling"  # a build from before the subscription
    version = int(page.eval_on_selector("[data-testid=graph-canvas]", "e => e.dataset.version"))
    page.evaluate("() => { delete document.body.dataset.liveMs; }")
    write_project(driver, name, paths, 300, start=args.files, head="b")
    started = time.perf_counter()
    httpx.post(f"{url}/api/events/publish", json={"subject": f"hub.{settings.hub_id}.graph.updated",
               "data": {"project": name, "project_id": pid}}).raise_for_status()  # fmt: skip
    page.wait_for_function("v => +document.querySelector('[data-testid=graph-canvas]').dataset.version > v",
                           arg=version, timeout=60_000)  # fmt: skip
    out["live_seen_after_publish_s"] = time.perf_counter() - started
    page.wait_for_timeout(300)
    live_ms = page.evaluate("() => document.body.dataset.liveMs")
    out["live_event_to_drawn_ms"] = int(live_ms) if live_ms else -1
    fetch_ms = page.evaluate("() => document.body.dataset.fetchMs")
    out["live_event_to_fetched_ms"] = int(fetch_ms) if fetch_ms and live_ms else -1
    canvas = page.eval_on_selector("[data-testid=graph-canvas]", "e => ({...e.dataset})")
    out["live_draw_ms"], out["live_draw_mode"] = int(canvas["drawMs"]), canvas.get("drawMode", "swap")
    out["live_nodes_after"] = int(canvas["renderedNodes"])
    return out


def run_big(page: Page, url: str, driver: Any) -> dict[str, Any]:
    name = f"bench-vislzr-50k-{time.time_ns()}"
    paths = [f"pkg{a}/sub{b}/m{c}.py" for a in range(20) for b in range(10) for c in range(25)]
    started = time.perf_counter()
    pid, rid = write_project(driver, name, paths, 15000)
    symbols = write_symbols(driver, rid, paths, 10, 50000)
    out: dict[str, Any] = {"symbols": symbols, "files": len(paths), "write_s": time.perf_counter() - started}
    page.goto(f"{url}/")
    page.evaluate("() => localStorage.clear()")
    steps = [("open", f"?project={pid}"), ("package", f"?project={pid}&expanded=dir:pkg3/"),
             ("subpackage", f"?project={pid}&expanded=dir:pkg3/sub4/"),
             ("file", f"?project={pid}&expanded={ids.file_id(rid, 'pkg3/sub4/m7.py')}"),
             ("depth3", f"?project={pid}&depth=3")]  # fmt: skip
    for step, query in steps:
        out[f"{step}_s"], data = open_view(page, f"{url}/{query}")
        out[f"{step}_drawn"] = f"{data['renderedNodes']}+{data['renderedEdges']}"
        out[f"{step}_fps_drag"] = page.evaluate(FPS_DRAG, 2500)
        out[f"{step}_fps_camera"] = page.evaluate(FPS_CAMERA, 2500)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dist", type=Path, default=WEB_DIST)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--imports", type=int, default=15000)
    parser.add_argument("--big", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    driver = create_driver(settings)
    url, server = serve(settings, args.dist.resolve())
    runs: list[dict[str, Any]] = []
    big: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(args.runs):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            runs.append(run_once(page, url, driver, settings, args))
            page.close()
        if args.big:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            big = run_big(page, url, driver)
        browser.close()
    server.should_exit = True
    median = {
        k: statistics.median(r[k] for r in runs) if isinstance(runs[0][k], int | float) else runs[0][k]
        for k in runs[0]
    }
    median["full_fps_drag_ratio_to_ceiling"] = round(median["full_fps_drag"] / median["ceiling_fps"], 2)
    median["full_fps_camera_ratio_to_ceiling"] = round(median["full_fps_camera"] / median["ceiling_fps"], 2)
    report = {"dist": str(args.dist), "date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "loadavg": os.getloadavg(), "runs": runs, "median": median, "big": big}  # fmt: skip
    print(json.dumps(report, indent=2, default=lambda v: round(v, 3)))
    driver.close()


if __name__ == "__main__":
    main()
