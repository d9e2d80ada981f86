"""VISLZR's semantic zoom in a real browser against a real hub: real mouse-wheel (and zoom-button)
gestures over the canvas open the group nearest the centre and close the innermost open one;
programmatic camera moves (a search focus zooming in) change nothing by themselves.

The fixture is tests/fixtures/ts_paths with tests/fixtures/js_jsx under ``ui/``, ingested by the
real pipeline as a project of its own. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect
from web_support import serve_hub, shot

from app.config import Settings
from ingest.pipeline import ingest_repository

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PROJECT = "vislzr-zoom"
SETTLE_MS = 300  # web/src/semanticZoom.ts
EXPAND_BELOW, COLLAPSE_ABOVE = 0.5, 2.0


@pytest.fixture(scope="module")
def project_id(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> str:
    root = tmp_path_factory.mktemp("vislzr-zoom") / "repo"
    shutil.copytree(FIXTURES / "ts_paths", root)
    shutil.copytree(FIXTURES / "js_jsx", root / "ui")
    return ingest_repository(driver, path=root, project=PROJECT, history=0).project_id


@pytest.fixture(scope="module")
def hub_url(settings: Settings, project_id: str) -> Iterator[str]:
    yield from serve_hub(settings)


def open_project(page: Page, hub_url: str, project_id: str, query: str = "") -> dict[str, int]:
    page.goto(f"{hub_url}/?project={project_id}{'&' + query if query else ''}")
    return rendered(page)


def canvas_data(page: Page) -> dict[str, str]:
    return page.eval_on_selector("[data-testid=graph-canvas]", "el => ({...el.dataset})")


def rendered(page: Page, min_version: int = 1) -> dict[str, int]:
    """Wait for the canvas to have drawn at least ``min_version`` views; its counters."""
    page.wait_for_function(
        "v => { const el = document.querySelector('[data-testid=graph-canvas]');"
        " return el && Number(el.dataset.version || 0) >= v; }",
        arg=min_version,
        timeout=30_000,
    )
    data = canvas_data(page)
    return {"nodes": int(data["renderedNodes"]), "version": int(data["version"])}


def zoom_counter(page: Page, name: str) -> int:
    return int(canvas_data(page).get(name) or 0)


def wait_counter(page: Page, name: str, at_least: int) -> None:
    page.wait_for_function(
        "([name, n]) => Number(document.querySelector('[data-testid=graph-canvas]').dataset[name] || 0) >= n",
        arg=[name, at_least],
        timeout=15_000,
    )


def drawn_ids(page: Page) -> set[str]:
    return set(page.evaluate("() => window.__vislzr.sigma.getGraph().nodes()"))


def expanded(page: Page) -> list[str]:
    values = parse_qs(urlparse(page.url).query).get("expanded", [])
    return values[0].split(",") if values else []


def camera_ratio(page: Page) -> float:
    return float(page.evaluate("() => window.__vislzr.sigma.getCamera().getState().ratio"))


def wait_camera_still_at(page: Page, ratio: float) -> None:
    page.wait_for_function(
        "r => { const c = window.__vislzr.sigma.getCamera();"
        " return !c.isAnimated() && Math.abs(c.getState().ratio - r) < 1e-3; }",
        arg=ratio,
        timeout=15_000,
    )


def wait_camera_still(page: Page) -> float:
    """Wait for the camera to stop moving; its ratio."""
    page.wait_for_function(
        "() => { const c = window.__vislzr.sigma.getCamera(); const s = c.getState().ratio;"
        " return new Promise(r => setTimeout(() => r(!c.isAnimated() && c.getState().ratio === s), 100)); }",
        timeout=15_000,
    )
    return camera_ratio(page)


def canvas_centre(page: Page) -> dict[str, float]:
    box = page.locator("[data-testid=graph-canvas]").bounding_box()
    assert box
    return {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}


def node_point(page: Page, node_id: str) -> dict[str, float]:
    return page.evaluate(
        """id => { const s = window.__vislzr.sigma; const d = s.getNodeDisplayData(id);
                   const p = s.framedGraphToViewport({x: d.x, y: d.y});
                   const r = s.getContainer().getBoundingClientRect();
                   return {x: r.left + p.x, y: r.top + p.y}; }""",
        node_id,
    )


def wheel(page: Page, point: dict[str, float], notches: int, zoom_in: bool) -> None:
    """One gesture of real mouse-wheel notches with the mouse at ``point``."""
    page.mouse.move(point["x"], point["y"])
    for _ in range(notches):
        page.mouse.wheel(0, -100 if zoom_in else 100)
        page.wait_for_timeout(80)  # sigma drops a notch closer than 50 ms to the one before


def children_of_src(driver: Driver) -> set[str]:
    records, _, _ = driver.execute_query(
        "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File) WHERE f.path STARTS WITH 'src/' "
        "AND NOT substring(f.path, 4) CONTAINS '/' RETURN f.id AS id",
        p=PROJECT,
    )
    return {r["id"] for r in records} | {"dir:src/core/", "dir:src/utils/"}


def test_closing_a_folder_chip_closes_the_file_open_inside_it(
    page: Page, hub_url: str, project_id: str, driver: Driver
) -> None:
    """The server keeps a folder open while one of its files is: the chip must close both."""
    records, _, _ = driver.execute_query(
        "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File {path: 'src/app.ts'}) "
        "RETURN f.id AS id",
        p=PROJECT,
    )
    app_ts = records[0]["id"]
    first = open_project(page, hub_url, project_id, f"prefix=src/&expanded=dir:src/,{app_ts}")
    assert "dir:src/" not in drawn_ids(page) and expanded(page) == ["dir:src/", app_ts]
    page.get_by_label("expanded groups").get_by_role("button", name="src/ \u00d7").click()
    rendered(page, first["version"] + 1)
    assert drawn_ids(page) == {"dir:src/"}
    assert expanded(page) == []


def test_wheel_in_at_the_centre_expands_the_folder_and_wheel_out_collapses_it(
    page: Page, hub_url: str, project_id: str, driver: Driver
) -> None:
    first = open_project(page, hub_url, project_id, "prefix=src/")
    assert drawn_ids(page) == {"dir:src/"}
    expect(page.get_by_test_id("semantic-zoom")).to_be_checked()
    expect(page.get_by_test_id("zoom-hint")).to_have_text("zoom in to open a group, out to close it")

    # Four notches in one gesture (ratio 1 → 0.12): one expand, not a cascade.
    wheel(page, canvas_centre(page), 4, zoom_in=True)
    wait_counter(page, "zoomActions", 1)
    second = rendered(page, first["version"] + 1)
    ids = drawn_ids(page)
    assert "dir:src/" not in ids and children_of_src(driver) <= ids
    assert expanded(page) == ["dir:src/"]
    assert canvas_data(page)["zoomLast"] == "expand dir:src/"
    # The camera is brought back between the thresholds, and stays there: nothing else opens.
    assert EXPAND_BELOW < wait_camera_still(page) < COLLAPSE_ABOVE
    page.wait_for_timeout(3 * SETTLE_MS)
    assert zoom_counter(page, "zoomActions") == 1 and expanded(page) == ["dir:src/"]
    assert rendered(page)["version"] == second["version"]
    shot(page, "semantic-zoom-in")

    wheel(page, canvas_centre(page), 4, zoom_in=False)
    wait_counter(page, "zoomActions", 2)
    rendered(page, second["version"] + 1)
    assert drawn_ids(page) == {"dir:src/"}
    assert expanded(page) == [] and "expanded=" not in page.url
    assert canvas_data(page)["zoomLast"] == "collapse dir:src/"
    wait_camera_still_at(page, 1)
    shot(page, "semantic-zoom-out")
    # Back in the browser history: each action was one navigation, like a click.
    page.go_back()
    page.wait_for_function("() => new URLSearchParams(location.search).get('expanded') === 'dir:src/'")


def test_wheel_over_a_folder_expands_that_one(page: Page, hub_url: str, project_id: str) -> None:
    first = open_project(page, hub_url, project_id)
    # ui/ holds only src/ (package.json is not a code file): drawn as the one folder "ui/src/".
    assert {"dir:src/", "dir:ui/src/"} <= drawn_ids(page)
    # Sigma zooms towards the mouse: the folder under it ends nearest the centre of the view.
    wheel(page, node_point(page, "dir:ui/src/"), 3, zoom_in=True)
    wait_counter(page, "zoomActions", 1)
    rendered(page, first["version"] + 1)
    ids = drawn_ids(page)
    assert expanded(page) == ["dir:ui/src/"]
    assert "dir:ui/src/" not in ids and "dir:src/" in ids
    assert "dir:ui/src/components/" in ids  # its subfolder is drawn now
    assert EXPAND_BELOW < wait_camera_still(page) < COLLAPSE_ABOVE
    shot(page, "semantic-zoom-over-folder")


def test_a_search_focus_expands_nothing_by_itself(page: Page, hub_url: str, project_id: str) -> None:
    first = open_project(page, hub_url, project_id)
    page.fill("[data-testid=search]", "Circle")
    page.press("[data-testid=search]", "Enter")
    hit = page.locator("[data-testid=search-hits] li b", has_text=re.compile(r"(^|\.)Circle$")).first
    hit.wait_for(timeout=15_000)
    hit.click()
    focus = page.evaluate("() => new URLSearchParams(location.search).get('focus')")
    assert focus
    page.wait_for_function("id => window.__vislzr.sigma.getGraph().hasNode(id)", arg=focus, timeout=15_000)
    by_search = expanded(page)
    assert by_search  # the search opened the symbol's file (and so its folders)
    # The focus animation zooms in to 0.35, past the expand threshold, from no gesture of the user's.
    wait_camera_still_at(page, 0.35)
    wait_counter(page, "zoomSettles", 1)
    page.wait_for_timeout(3 * SETTLE_MS)
    drawn = rendered(page, first["version"] + 1)
    ids = drawn_ids(page)
    page.wait_for_timeout(3 * SETTLE_MS)
    assert zoom_counter(page, "zoomActions") == 0
    assert expanded(page) == by_search and drawn_ids(page) == ids
    assert rendered(page)["version"] == drawn["version"]
    assert abs(camera_ratio(page) - 0.35) < 1e-3
    assert f"focus={focus}" in page.url  # the detail panel stays open
    shot(page, "semantic-zoom-search-focus")

    # The fit button zooms out programmatically: nothing collapses either.
    page.get_by_role("button", name="fit").click()
    wait_camera_still_at(page, 1)
    page.wait_for_timeout(3 * SETTLE_MS)
    assert zoom_counter(page, "zoomActions") == 0 and expanded(page) == by_search


def test_the_zoom_buttons_expand_and_the_switch_turns_it_off(
    page: Page, hub_url: str, project_id: str, driver: Driver
) -> None:
    first = open_project(page, hub_url, project_id, "prefix=src/")
    zoom_in = page.get_by_role("button", name="zoom in")
    for _ in range(2):  # 1.5 times each: 1 → 0.67 (nothing) → 0.44 (past the threshold)
        zoom_in.click()
        page.wait_for_timeout(250)
    wait_counter(page, "zoomActions", 1)
    second = rendered(page, first["version"] + 1)
    assert expanded(page) == ["dir:src/"] and children_of_src(driver) <= drawn_ids(page)
    assert EXPAND_BELOW < wait_camera_still(page) < COLLAPSE_ABOVE

    page.get_by_test_id("semantic-zoom").uncheck()
    expect(page.get_by_test_id("zoom-hint")).to_have_count(0)
    settles = zoom_counter(page, "zoomSettles")
    wheel(page, canvas_centre(page), 4, zoom_in=False)
    wait_counter(page, "zoomSettles", settles + 1)
    page.wait_for_timeout(3 * SETTLE_MS)
    assert camera_ratio(page) > 2  # zoomed out past the threshold, and still nothing collapsed
    assert zoom_counter(page, "zoomActions") == 1 and expanded(page) == ["dir:src/"]
    assert rendered(page)["version"] == second["version"]

    page.reload()  # the switch is a per-browser preference: it stays off
    rendered(page)
    expect(page.get_by_test_id("semantic-zoom")).not_to_be_checked()
    settles = zoom_counter(page, "zoomSettles")
    wheel(page, canvas_centre(page), 4, zoom_in=False)
    wait_counter(page, "zoomSettles", settles + 1)
    assert zoom_counter(page, "zoomActions") == 0 and expanded(page) == ["dir:src/"]
    shot(page, "semantic-zoom-off")
