"""VISLZR one level deeper, in real Chromium against a real hub: a package the shape of Django's
(15 subpackages, ~150 modules, ~450 imports and calls) opened at depth 2 is laid out nested (each
subpackage's modules in a region of their own, regions apart) and deterministically, and its drawn
labels never overlap while every group-level label is drawn.

What was drawn is read from the canvas itself: an init script wraps CanvasRenderingContext2D's
fillText and clearRect and records, for sigma's label canvas, every text of the last frame with its
measured box (the browser's own text metrics at the drawn position). So the test sees whatever
code drew the labels, sigma's or the hub's, and fails if two of them overlap.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from math import hypot
from pathlib import Path

import pytest
from neo4j import Driver
from playwright.sync_api import Browser, Page
from web_support import log_in, serve_hub, shot

from app.config import Settings
from ingest.pipeline import ingest_repository

PROJECT = "vislzr-depth2"
SUBPACKAGES = [
    "apps", "conf", "contrib", "core", "db", "dispatch", "forms", "http", "middleware", "template",
    "templatetags", "test", "urls", "utils", "views",
]  # fmt: skip

# Records the label canvas's texts per frame (sigma clears the canvas at the start of each frame).
CAPTURE_LABELS = """
(() => {
  const proto = CanvasRenderingContext2D.prototype;
  const clear = proto.clearRect, fill = proto.fillText;
  const labels = (ctx) => ctx.canvas && ctx.canvas.classList && ctx.canvas.classList.contains("sigma-labels");
  window.__labelFrame = [];
  proto.clearRect = function (...args) {
    if (labels(this)) window.__labelFrame = [];
    return clear.apply(this, args);
  };
  proto.fillText = function (text, x, y, ...rest) {
    if (labels(this)) {
      const m = this.measureText(text), t = this.getTransform(), dpr = window.devicePixelRatio || 1;
      const left = x - m.actualBoundingBoxLeft, right = x + m.actualBoundingBoxRight;
      const top = y - m.actualBoundingBoxAscent, bottom = y + m.actualBoundingBoxDescent;
      window.__labelFrame.push({
        text: String(text),
        x0: (t.a * left + t.e) / dpr, x1: (t.a * right + t.e) / dpr,
        y0: (t.d * top + t.f) / dpr, y1: (t.d * bottom + t.f) / dpr,
      });
    }
    return fill.call(this, text, x, y, ...rest);
  };
})();
"""


def write_package(root: Path) -> int:
    """A package shaped like Django's at depth 2: 15 subpackages of 5-12 modules each (three
    functions a module), each with a ``backends/`` subpackage of three; every module imports two or
    three others (mostly its own subpackage's) and calls what it imported. Seeded: the same package
    every run. Returns the number of import statements written."""
    rng = random.Random(13)
    modules: list[str] = []  # dotted names
    for sub in SUBPACKAGES:
        (root / sub / "backends").mkdir(parents=True)
        (root / sub / "__init__.py").write_text("")
        (root / sub / "backends" / "__init__.py").write_text("")
        modules += [f"{sub}.m{i}" for i in range(rng.randint(5, 12))]
        modules += [f"{sub}.backends.b{i}" for i in range(3)]
    imports = 0
    for name in modules:
        sub = name.split(".")[0]
        own = [m for m in modules if m.startswith(sub + ".") and m != name]
        others = [m for m in modules if not m.startswith(sub + ".")]
        targets = sorted(
            {rng.choice(own if rng.random() < 0.6 else others) for _ in range(rng.randint(2, 3))}
        )
        lines = [f"from {t} import f{j}" for j, t in enumerate(targets)]
        imports += len(lines)
        for k in range(3):
            body = "\n".join(f"    f{j}()" for j in range(len(targets))) or "    pass"
            lines.append(f"\n\ndef f{k}():\n{body}\n")
        path = root / (name.replace(".", "/") + ".py")
        path.write_text("\n".join(lines) + "\n")
    (root / "__init__.py").write_text("")
    (root / "shortcuts.py").write_text("from core.m0 import f0\n\n\ndef render():\n    f0()\n")
    return imports


@pytest.fixture(scope="module")
def project_id(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> str:
    root = tmp_path_factory.mktemp("vislzr-depth2") / "pkg"
    root.mkdir()
    assert write_package(root) > 300
    return ingest_repository(driver, path=root, project=PROJECT, history=0).project_id


@pytest.fixture(scope="module")
def hub_url(settings: Settings, project_id: str) -> Iterator[str]:
    yield from serve_hub(settings)


def open_depth2(page: Page, hub_url: str, project_id: str) -> None:
    page.add_init_script(CAPTURE_LABELS)
    page.goto(f"{hub_url}/?project={project_id}&depth=2")
    page.wait_for_function(
        "() => { const el = document.querySelector('[data-testid=graph-canvas]');"
        " return el && Number(el.dataset.version || 0) >= 1; }",
        timeout=30_000,
    )
    # The camera at rest and the last frame drawn.
    page.wait_for_function(
        "() => new Promise(r => setTimeout(() => r(!window.__vislzr.sigma.getCamera().isAnimated()), 200))",
        timeout=15_000,
    )
    page.evaluate("() => window.__vislzr.sigma.refresh()")
    page.wait_for_timeout(200)


def drawn_nodes(page: Page) -> list[dict]:
    return page.evaluate(
        """() => window.__vislzr.sigma.getGraph()
                   .mapNodes((id, a) => ({ id, entity: a.entity, label: a.label, x: a.x, y: a.y }))"""
    )


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for a, b in combinations(boxes, 2)
        if min(a["x1"], b["x1"]) > max(a["x0"], b["x0"]) and min(a["y1"], b["y1"]) > max(a["y0"], b["y0"])
    ]


def test_depth2_labels_never_overlap_and_every_group_is_named(
    page: Page, hub_url: str, project_id: str
) -> None:
    open_depth2(page, hub_url, project_id)
    nodes = drawn_nodes(page)
    counts = page.get_by_test_id("view-counts").inner_text()
    assert 140 <= len(nodes) <= 200, counts  # Django's package at depth 2 is 161 nodes
    edges = int(counts.split("·")[1].split()[0])
    assert edges >= 300, counts
    boxes = page.evaluate("() => window.__labelFrame")
    shot(page, "depth2-labels")
    assert boxes, "no label drawn"
    assert overlapping(boxes) == []
    texts = Counter(b["text"] for b in boxes)
    # The hub's own record of the frame (the debug hook) names what the canvas shows, text for text.
    hook = page.evaluate("() => window.__vislzr.labels().map(l => ({id: l.id, text: l.text, kind: l.kind}))")
    assert Counter(h["text"] for h in hook) == texts
    # Group level: every subpackage's region is named, and every collapsed folder is labelled.
    assert {f"{sub}/" for sub in SUBPACKAGES} <= {h["text"] for h in hook if h["kind"] == "group"}, texts
    folders = {n["id"] for n in nodes if n["entity"] == "Folder"}
    assert len(folders) == len(SUBPACKAGES)
    labelled = {h["id"] for h in hook if h["kind"] == "node"}
    assert folders <= labelled, sorted(folders - labelled)
    # A reasonable share of the modules is still labelled.
    timings = page.evaluate(
        "() => ({view: document.body.dataset.viewMs, "
        "...(({drawMs, labelMs}) => ({drawMs, labelMs}))(window.__vislzr.sigma.getContainer().dataset)})"
    )
    print(f"labels shown: {len(labelled)} of {len(nodes)} nodes; ms: {timings}")
    assert len(labelled) >= 0.4 * len(nodes), (len(labelled), len(nodes))


def test_depth2_subpackages_sit_apart_and_the_layout_is_deterministic(
    browser: Browser, page: Page, hub_url: str, project_id: str, settings: Settings, driver: Driver
) -> None:
    open_depth2(page, hub_url, project_id)
    nodes = drawn_nodes(page)
    # Each subpackage's nodes (modules and its collapsed backends/) by the subpackage.
    groups: dict[str, list[tuple[float, float]]] = {sub: [] for sub in SUBPACKAGES}
    records, _, _ = driver.execute_query(
        "MATCH (f:File) WHERE f.id IN $ids RETURN f.id AS id, f.path AS path", ids=[n["id"] for n in nodes]
    )
    paths = {r["id"]: r["path"] for r in records} | {
        n["id"]: n["id"][4:] for n in nodes if n["id"].startswith("dir:")
    }
    for n in nodes:
        sub = paths.get(n["id"], "").split("/")[0]
        if sub in groups:
            groups[sub].append((n["x"], n["y"]))
    assert all(len(points) >= 6 for points in groups.values())
    centre = {
        s: (sum(p[0] for p in ps) / len(ps), sum(p[1] for p in ps) / len(ps)) for s, ps in groups.items()
    }
    reach = {s: max(hypot(p[0] - centre[s][0], p[1] - centre[s][1]) for p in ps) for s, ps in groups.items()}
    # Regions apart: the discs holding each subpackage's nodes do not meet.
    touching = [
        (a, b)
        for a, b in combinations(SUBPACKAGES, 2)
        if hypot(centre[a][0] - centre[b][0], centre[a][1] - centre[b][1]) <= reach[a] + reach[b]
    ]
    assert touching == []
    # The same view in a fresh browser context (no cached positions) is laid out identically.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = context.new_page()
        log_in(other, hub_url, settings)
        open_depth2(other, hub_url, project_id)
        again = {n["id"]: (n["x"], n["y"]) for n in drawn_nodes(other)}
    finally:
        context.close()
    assert again == {n["id"]: (n["x"], n["y"]) for n in nodes}
