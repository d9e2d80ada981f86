# ruff: noqa: E501 (Cypher and JavaScript strings are kept on one line to stay readable)
"""VISLZR in a real browser (Debian's Chromium) against a real hub holding an ingested fixture repo.

The fixture is tests/fixtures/ts_paths with tests/fixtures/js_jsx under ``ui/``, ingested by the
real pipeline; the hub runs in this process on a free port with the session's Neo4j and NATS.
Screenshots of the main views go to test-artifacts/.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver
from playwright.sync_api import Page
from web_support import admin_headers, serve_hub, shot

from app.config import Settings
from app.core.db import create_async_driver
from app.views import service as views_service
from ingest.pipeline import ingest_repository

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PROJECT = "vislzr-fixture"


@pytest.fixture(scope="module")
def fixture_repo(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("vislzr") / "repo"
    shutil.copytree(FIXTURES / "ts_paths", root)
    shutil.copytree(FIXTURES / "js_jsx", root / "ui")
    summary = ingest_repository(driver, path=root, project=PROJECT, history=0)

    async def communities() -> None:
        from app.config import get_settings

        async_driver = create_async_driver(get_settings())
        try:
            await views_service.compute_communities(async_driver, project_id=summary.project_id)
        finally:
            await async_driver.close()

    run_async(communities)
    return {"root": root, "project_id": summary.project_id}


@pytest.fixture(scope="module")
def hub_url(settings: Settings, fixture_repo: dict[str, Any]) -> Iterator[str]:
    yield from serve_hub(settings)


def run_async(factory: Any) -> Any:
    """Run a coroutine to completion on its own loop in a thread (pytest-asyncio may own this one)."""
    result: dict[str, Any] = {}

    def target() -> None:
        result["value"] = asyncio.run(factory())

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return result["value"]


def project_url(hub_url: str, fixture_repo: dict[str, Any], query: str = "") -> str:
    return f"{hub_url}/?project={fixture_repo['project_id']}{'&' + query if query else ''}"


def rendered(page: Page, min_version: int = 1) -> dict[str, int]:
    """Wait for the canvas to have drawn at least ``min_version`` views; its node and edge counts."""
    page.wait_for_function(
        "v => { const el = document.querySelector('[data-testid=graph-canvas]');"
        " return el && Number(el.dataset.version || 0) >= v; }",
        arg=min_version,
        timeout=30_000,
    )
    data = page.eval_on_selector("[data-testid=graph-canvas]", "el => ({...el.dataset})")
    return {
        "nodes": int(data["renderedNodes"]),
        "edges": int(data["renderedEdges"]),
        "version": int(data["version"]),
    }


def drawn_ids(page: Page) -> set[str]:
    return set(page.evaluate("() => window.__vislzr.sigma.getGraph().nodes()"))


def click_node(page: Page, node_id: str) -> None:
    """A real mouse click on the node where sigma draws it."""
    page.wait_for_timeout(400)  # camera animations settle
    point = page.evaluate(
        """id => { const s = window.__vislzr.sigma; const d = s.getNodeDisplayData(id);
                   const p = s.framedGraphToViewport({x: d.x, y: d.y});
                   const r = s.getContainer().getBoundingClientRect(); return {x: r.left + p.x, y: r.top + p.y}; }""",
        node_id,
    )
    page.mouse.click(point["x"], point["y"])


def cypher(driver: Driver, text: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(text, params)
    return [record.data() for record in records]


def api_view(settings: Settings, project_id: str, **kwargs: Any) -> views_service.ViewGraph:
    async def run() -> views_service.ViewGraph:
        async_driver = create_async_driver(settings)
        try:
            return await views_service.project_view(async_driver, project_id=project_id, **kwargs)
        finally:
            await async_driver.close()

    return run_async(run)


def test_home_lists_the_project_with_its_stats(
    page: Page, hub_url: str, fixture_repo: dict, driver: Driver
) -> None:
    page.goto(hub_url)
    row = page.locator(f"tr[data-project='{fixture_repo['project_id']}']")
    row.wait_for(timeout=30_000)
    files = cypher(driver, "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File) RETURN count(f) AS n",
                   p=PROJECT)[0]["n"]  # fmt: skip
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == PROJECT and int(cells[1]) == files
    shot(page, "home")
    row.click()
    rendered(page)
    assert f"project={fixture_repo['project_id']}" in page.url


def test_project_opens_on_folder_map_whose_counts_match_cypher(
    page: Page, hub_url: str, fixture_repo: dict, driver: Driver
) -> None:
    page.goto(project_url(hub_url, fixture_repo, "depth=2"))
    counts = rendered(page)
    shot(page, "folders")
    page.click("[data-testid=table-mode]")
    rows = page.locator("[data-testid=table] tbody tr")
    rows.first.wait_for()
    folders = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        if cells[1] == "Folder":
            folders[cells[3]] = (int(cells[4]), int(cells[5]))
    assert folders, "the depth-2 view has folders"
    assert rows.count() == counts["nodes"]
    for path, (files, symbols) in folders.items():
        expected = cypher(
            driver,
            "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File) WHERE f.path STARTS WITH $path "
            "OPTIONAL MATCH (f)-[:DECLARES]->(s:Symbol) RETURN count(DISTINCT f) AS files, count(s) AS symbols",
            p=PROJECT,
            path=path,
        )[0]
        assert (files, symbols) == (expected["files"], expected["symbols"]), path


def test_expanding_a_folder_then_a_file_shows_its_children(
    page: Page, hub_url: str, fixture_repo: dict, driver: Driver, settings: Settings
) -> None:
    page.goto(project_url(hub_url, fixture_repo))
    first = rendered(page)
    assert "dir:src/" in drawn_ids(page)
    click_node(page, "dir:src/")
    second = rendered(page, first["version"] + 1)
    ids = drawn_ids(page)
    files_in_src = cypher(
        driver,
        "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File) WHERE f.path STARTS WITH 'src/' "
        "AND NOT substring(f.path, 4) CONTAINS '/' RETURN f.id AS id, f.path AS path",
        p=PROJECT,
    )
    assert files_in_src and {row["id"] for row in files_in_src} <= ids
    assert {"dir:src/core/", "dir:src/utils/"} <= ids and "dir:src/" not in ids
    assert second["nodes"] == len(api_view(settings, fixture_repo["project_id"], expanded=["dir:src/"]).nodes)
    app_ts = next(row["id"] for row in files_in_src if row["path"] == "src/app.ts")
    click_node(page, app_ts)
    third = rendered(page, second["version"] + 1)
    symbols = cypher(driver, "MATCH (:File {id: $f})-[:DECLARES]->(s:Symbol) RETURN s.id AS id", f=app_ts)
    assert symbols and {row["id"] for row in symbols} <= drawn_ids(page)
    view = api_view(settings, fixture_repo["project_id"], expanded=["dir:src/", app_ts])
    assert third["nodes"] == len(view.nodes) and third["edges"] == len(view.edges)
    assert "expanded=" in page.url
    shot(page, "expanded-file")


def test_clicking_a_node_opens_its_details(
    page: Page, hub_url: str, fixture_repo: dict, driver: Driver
) -> None:
    symbol = cypher(
        driver,
        "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File {path: 'src/core/circle.ts'})"
        "-[:DECLARES]->(s:Symbol:Class) RETURN s.id AS id, s.name AS name, s.rangeStart AS start, f.id AS file",
        p=PROJECT,
    )[0]
    page.goto(project_url(hub_url, fixture_repo, f"expanded={symbol['file']}"))
    rendered(page)
    click_node(page, symbol["id"])
    page.locator("[data-testid=detail-location]").wait_for()
    assert page.inner_text("[data-testid=detail-title]") == symbol["name"]
    assert page.inner_text("[data-testid=detail-location]").startswith(
        f"src/core/circle.ts:{symbol['start']}-"
    )
    assert f"focus={symbol['id']}" in page.url
    # The way back names the open file by its path (a file's id is a hash nobody can read).
    collapse = page.locator("[data-testid=detail] button", has_text="Collapse")
    assert collapse.inner_text() == "Collapse src/core/circle.ts"
    shot(page, "detail")
    page.keyboard.press("Escape")
    page.locator("[data-testid=detail]").wait_for(state="detached")


def test_a_filter_hides_what_it_should(
    page: Page, hub_url: str, fixture_repo: dict, settings: Settings
) -> None:
    page.goto(project_url(hub_url, fixture_repo, "depth=3"))
    before = rendered(page)
    assert any(i.startswith("dir:ui/") for i in drawn_ids(page)) or "dir:ui/" in drawn_ids(page)
    page.check("[data-filter='languages:typescript']")
    after = rendered(page, before["version"] + 1)
    ids = drawn_ids(page)
    assert not any(i.startswith("dir:ui") for i in ids)
    view = api_view(settings, fixture_repo["project_id"], depth=3,
                    filters=views_service.ViewFilters(languages=("typescript",)))  # fmt: skip
    assert after["nodes"] == len(view.nodes) < before["nodes"]
    assert all("typescript" in n.languages for n in view.nodes)
    assert "lang=typescript" in page.url


def test_search_focuses_a_symbol_inside_a_collapsed_folder(
    page: Page, hub_url: str, fixture_repo: dict
) -> None:
    page.goto(project_url(hub_url, fixture_repo))
    first = rendered(page)
    page.fill("[data-testid=search]", "Circle")
    page.press("[data-testid=search]", "Enter")
    hit = page.locator("[data-testid=search-hits] li b", has_text=re.compile(r"(^|\.)Circle$")).first
    hit.wait_for(timeout=15_000)
    hit.click()
    rendered(page, first["version"] + 1)
    focus = page.evaluate("() => new URLSearchParams(location.search).get('focus')")
    assert focus
    # Expanding the path can take more than one redraw: wait for the node itself.
    page.wait_for_function("id => window.__vislzr.sigma.getGraph().hasNode(id)", arg=focus, timeout=15_000)
    assert focus in drawn_ids(page)
    page.locator("[data-testid=detail-title]").wait_for()
    assert page.inner_text("[data-testid=detail-title]").endswith("Circle")
    shot(page, "search-focus")


def test_an_action_creates_the_audit_in_neo4j(
    page: Page, hub_url: str, fixture_repo: dict, driver: Driver
) -> None:
    file = cypher(driver, "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File {path: 'src/app.ts'}) "
                  "RETURN f.id AS id", p=PROJECT)[0]["id"]  # fmt: skip
    page.goto(project_url(hub_url, fixture_repo, f"expanded=dir:src/&focus={file}"))
    page.click("[data-testid=action-security-scan]")
    result = page.locator("[data-testid=action-result]")
    result.wait_for()
    page.wait_for_function(
        "() => /audit \\w+ pending/.test(document.querySelector('[data-testid=action-result]').innerText)"
    )
    audits = cypher(driver, "MATCH (a:Audit)-[:ABOUT]->(:File {id: $f}) RETURN a.kind AS kind, a.status AS status",
                    f=file)  # fmt: skip
    assert {"kind": "security-scan", "status": "pending"} in audits


def test_a_new_ingest_appears_live(
    page: Page, hub_url: str, fixture_repo: dict, driver: Driver, settings: Settings
) -> None:
    page.goto(project_url(hub_url, fixture_repo, "expanded=dir:src/utils/"))
    first = rendered(page)
    page.wait_for_function("() => document.body.dataset.live === 'subscription'", timeout=30_000)
    root: Path = fixture_repo["root"]
    (root / "src" / "utils" / "live.ts").write_text("export function liveAdded(): number {\n  return 1;\n}\n")
    summary = ingest_repository(driver, path=root, project=PROJECT, history=0)
    # What the ingest worker announces after an ingest (app/worker.py); the page hears it through
    # the graphChanged subscription, not by polling (asserted below).
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "projectFingerprint" in (r.post_data or "") else None)
    published = httpx.post(f"{hub_url}/api/events/publish", headers=admin_headers(hub_url), json={
        "subject": f"hub.{settings.hub_id}.graph.updated",
        "data": {"project": PROJECT, "project_id": fixture_repo["project_id"], "counts": {"files": 1}}})  # fmt: skip
    assert published.status_code == 201, published.text
    new_file = cypher(driver, "MATCH (f:File {repoId: $r, path: 'src/utils/live.ts'}) RETURN f.id AS id",
                      r=summary.repo_id)[0]["id"]  # fmt: skip
    page.wait_for_function(
        "id => window.__vislzr && window.__vislzr.sigma.getGraph().hasNode(id)", arg=new_file, timeout=30_000
    )
    assert (
        page.url.endswith("expanded=dir%3Asrc%2Futils%2F") or "expanded=" in page.url
    )  # no reload, same view
    assert rendered(page)["version"] > first["version"]
    page.locator("[data-testid=live-notice]").wait_for()
    assert page.evaluate("() => document.body.dataset.live") == "subscription" and not polls
    assert page.eval_on_selector("[data-testid=graph-canvas]", "e => e.dataset.drawMode") == "patch"
    shot(page, "live-update")


def test_a_deep_link_restores_the_view(
    page: Page, hub_url: str, fixture_repo: dict, settings: Settings
) -> None:
    query = "grouping=folders&depth=2&expanded=dir:src/core/&layout=tree&edge=IMPORTS"
    page.goto(project_url(hub_url, fixture_repo, query))
    counts = rendered(page)
    view = api_view(settings, fixture_repo["project_id"], depth=2, expanded=["dir:src/core/"],
                    filters=views_service.ViewFilters(edge_types=("IMPORTS",)))  # fmt: skip
    assert counts["nodes"] == len(view.nodes) and counts["edges"] == len(view.edges)
    assert drawn_ids(page) == {n.id for n in view.nodes}
    assert page.input_value("[data-testid=layout]") == "tree"
    assert page.inner_text("[data-testid=depth]") == "2"
    shot(page, "deep-link-tree")


def test_the_list_view_shows_the_same_selection(page: Page, hub_url: str, fixture_repo: dict) -> None:
    page.goto(project_url(hub_url, fixture_repo, "depth=2&expanded=dir:ui/src/"))
    rendered(page)
    graph_ids = drawn_ids(page)
    page.click("[data-testid=table-mode]")
    rows = page.locator("[data-testid=table] tbody tr")
    rows.first.wait_for()
    table_ids = set(
        page.eval_on_selector_all("[data-testid=table] tbody tr", "rows => rows.map(r => r.dataset.id)")
    )
    assert table_ids == graph_ids
    rows.first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("[data-testid=detail]").wait_for()
    assert "mode=table" in page.url and "focus=" in page.url
    shot(page, "list")


def test_communities_group_the_project(page: Page, hub_url: str, fixture_repo: dict, driver: Driver) -> None:
    page.goto(project_url(hub_url, fixture_repo, "grouping=communities"))
    rendered(page)
    ids = drawn_ids(page)
    stored = cypher(driver, "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File) "
                    "RETURN count(DISTINCT f.communityId) AS n, count(f.communityId) AS withId, count(f) AS files",
                    p=PROJECT)[0]  # fmt: skip
    # Files ingested after the last computation (the live test adds one) wait in one "none" group.
    unassigned = 1 if stored["withId"] < stored["files"] else 0
    assert stored["n"] >= 1
    assert len([i for i in ids if i.startswith("community:")]) == stored["n"] + unassigned
    shot(page, "communities")


def test_the_detail_panel_works_from_the_keyboard(page: Page, hub_url: str, driver: Driver) -> None:
    file = cypher(driver, "MATCH (:Project {name: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File {path: 'src/app.ts'}) "
                  "RETURN f.id AS id", p=PROJECT)[0]["id"]  # fmt: skip
    targets = {
        r["id"]
        for r in cypher(driver, "MATCH (:File {id: $f})-[:IMPORTS]->(g:File) RETURN g.id AS id", f=file)
    }
    assert targets, "the fixture's src/app.ts imports other files"
    page.goto(f"{hub_url}/?project={cypher(driver, 'MATCH (p:Project {name: $p}) RETURN p.id AS id', p=PROJECT)[0]['id']}"
              f"&expanded=dir:src/&focus={file}")  # fmt: skip
    page.locator("[data-testid=outgoing] button.link").first.wait_for()
    assert page.evaluate("() => document.activeElement.dataset.testid") == "detail"  # the panel takes focus
    for _ in range(30):  # arrow down through the panel's buttons to the first outgoing link
        page.keyboard.press("ArrowDown")
        if page.evaluate("() => !!document.activeElement.closest('[data-testid=outgoing]')"):
            break
    else:
        pytest.fail("ArrowDown never reached the outgoing edges")
    page.keyboard.press("ArrowUp")
    assert not page.evaluate("() => !!document.activeElement.closest('[data-testid=outgoing]')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("f => !location.search.includes('focus=' + f)", arg=file)
    focused = re.search(r"focus=([0-9a-f]+)", page.url)
    assert focused and focused.group(1) in targets
    page.locator("[data-testid=detail]").focus()
    page.keyboard.press("Escape")
    page.locator("[data-testid=detail]").wait_for(state="detached")
    assert "focus=" not in page.url


def test_the_list_view_works_from_the_keyboard(page: Page, hub_url: str, fixture_repo: dict) -> None:
    page.goto(project_url(hub_url, fixture_repo, "mode=table"))
    rows = page.locator("[data-testid=table] tbody tr")
    rows.first.wait_for()
    ids = page.eval_on_selector_all("[data-testid=table] tbody tr", "rows => rows.map(r => r.dataset.id)")
    rows.first.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.dataset.id") == ids[1]
    page.keyboard.press("ArrowUp")
    assert page.evaluate("() => document.activeElement.dataset.id") == ids[0]
    # Sorting from the keyboard: the header buttons are reachable and Enter re-sorts.
    page.locator("[data-testid=table] thead button", has_text="name").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.get_attribute("[data-testid=table] thead th:first-child", "aria-sort") == "descending"
    folder = page.locator("[data-testid=table] tbody tr[data-id^='dir:']").first
    folder_id = folder.get_attribute("data-id")
    folder.focus()
    page.keyboard.press("ArrowRight")  # expands the folder in place
    page.wait_for_function(
        "f => decodeURIComponent(location.search).includes('expanded=' + f)", arg=folder_id
    )
    page.locator(f"[data-testid=table] tbody tr[data-id='{folder_id}']").wait_for(state="detached")


def test_the_minimap_shows_the_view_and_moves_the_camera(
    page: Page, hub_url: str, fixture_repo: dict
) -> None:
    page.goto(project_url(hub_url, fixture_repo, "depth=3"))
    counts = rendered(page)
    minimap = page.locator("[data-testid=minimap]")
    page.wait_for_function("() => document.querySelector('[data-testid=minimap]').dataset.viewport")
    assert int(minimap.get_attribute("data-nodes") or 0) == counts["nodes"]
    before = page.evaluate("() => window.__vislzr.sigma.getCamera().getState()")
    minimap.click(position={"x": 20, "y": 20})
    page.wait_for_timeout(500)
    after = page.evaluate("() => window.__vislzr.sigma.getCamera().getState()")
    assert (after["x"], after["y"]) != (before["x"], before["y"])
    assert after["x"] < before["x"]  # the top-left corner of the map is left of the centre
    shot(page, "minimap")


def test_a_project_that_does_not_exist_says_so(page: Page, hub_url: str) -> None:
    page.goto(f"{hub_url}/?project=0123456789abcdef0123456789abcdef")
    error = page.locator("[data-testid=error]")
    error.wait_for()
    assert "Project not found" in error.inner_text()
    page.click("text=Back to projects")
    page.locator("[data-testid=projects]").wait_for()


def test_the_api_down_state(page: Page, hub_url: str, fixture_repo: dict) -> None:
    page.route("**/graphql", lambda route: route.abort())
    page.goto(hub_url)
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert "cannot be reached" in alert.inner_text()
    page.goto(project_url(hub_url, fixture_repo))
    page.locator("[data-testid=error]").wait_for()
    assert "cannot be reached" in page.inner_text("[data-testid=error]")
    shot(page, "api-down")
