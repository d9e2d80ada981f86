"""Calls drawn with their confidence, in real Chromium against a real hub: the ingest's unique-name
guesses (confidence 0.3) are left out of a view by default and shown faint after the "guessed calls"
filter is ticked (kept in the URL); the detail panel lists each call with its evidence.

The project: ``caller()`` calls ``helper()``, which it imports (evidence ``import``), and
``orphan_task()``, which it neither imports nor defines (only a unique-name guess finds it).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect
from web_support import admin_headers, serve_hub, shot

from app.config import Settings
from ingest.pipeline import ingest_repository

PROJECT = "vislzr-confidence"
SOURCES = {
    "app/helpers.py": "def helper():\n    return 1\n",
    "app/orphan.py": "def orphan_task():\n    return 2\n",
    "app/caller.py": (
        "from app.helpers import helper\n\n\ndef caller():\n    helper()\n    return orphan_task()\n"
    ),
}
VIEW = """query($p: ID!, $expanded: [String!], $min: Float!) {
  projectView(projectId: $p, depth: 2, expanded: $expanded, minConfidence: $min) {
    edges { source target type weight confidence evidence } } }"""


@pytest.fixture(scope="module")
def project_id(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> str:
    root = tmp_path_factory.mktemp("vislzr-confidence") / "repo"
    for rel, text in SOURCES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return ingest_repository(driver, path=root, project=PROJECT, history=0).project_id


@pytest.fixture(scope="module")
def hub_url(settings: Settings, project_id: str) -> Iterator[str]:
    yield from serve_hub(settings)


@pytest.fixture(scope="module")
def ids(driver: Driver, project_id: str) -> dict[str, str]:
    """Ids of the three files (by name) and of the caller symbol."""
    records, _, _ = driver.execute_query(
        "MATCH (:Project {id: $p})-[:HAS_REPO]->()-[:CONTAINS]->(f:File) RETURN f.path AS key, f.id AS id "
        "UNION MATCH (:Project {id: $p})-[:HAS_REPO]->(r:Repo) "
        "MATCH (s:Symbol:Function {name: 'caller', repoId: r.id}) RETURN 'caller()' AS key, s.id AS id",
        p=project_id,
    )
    return {r["key"].rsplit("/", 1)[-1]: r["id"] for r in records}


def view_edges(hub_url: str, project_id: str, expanded: list[str], min_confidence: float) -> list[dict]:
    response = httpx.post(
        f"{hub_url}/graphql",
        json={"query": VIEW, "variables": {"p": project_id, "expanded": expanded, "min": min_confidence}},
        headers=admin_headers(hub_url),
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return [e for e in body["data"]["projectView"]["edges"] if e["type"] == "CALLS"]


def test_project_view_min_confidence_and_evidence(hub_url: str, project_id: str, ids: dict[str, str]) -> None:
    # Files: the guessed call is a file-to-file edge of confidence 0.3, gone at minConfidence 0.5.
    files = {(e["source"], e["target"]): e for e in view_edges(hub_url, project_id, [], 0.0)}
    guess = files[(ids["caller.py"], ids["orphan.py"])]
    assert guess["confidence"] == pytest.approx(0.3) and guess["weight"] == 1
    assert files[(ids["caller.py"], ids["helpers.py"])]["confidence"] >= 0.8
    confident = {(e["source"], e["target"]) for e in view_edges(hub_url, project_id, [], 0.5)}
    assert confident == set(files) - {(ids["caller.py"], ids["orphan.py"])}
    # An open file's symbols: each call with how it was resolved.
    opened = view_edges(hub_url, project_id, [ids["caller.py"]], 0.0)
    by_target = {
        e["target"]: (e["evidence"], e["confidence"]) for e in opened if e["source"] == ids["caller()"]
    }
    assert by_target[ids["orphan.py"]] == ("guess", pytest.approx(0.3))
    assert by_target[ids["helpers.py"]][0] == "import"
    # Out of range is refused with a clear error.
    response = httpx.post(
        f"{hub_url}/graphql",
        json={"query": VIEW, "variables": {"p": project_id, "expanded": [], "min": 1.5}},
        headers=admin_headers(hub_url),
    )
    assert "minConfidence must be between 0 and 1" in response.text


def calls_drawn(page: Page) -> dict[tuple[str, str], dict]:
    return {
        (e["source"], e["target"]): e
        for e in page.evaluate(
            """() => { const g = window.__vislzr.sigma.getGraph();
                 return g.filterEdges((k, a) => k.endsWith(':CALLS'))
                   .map(k => ({ source: g.source(k), target: g.target(k), ...g.getEdgeAttributes(k) })); }"""
        )
    }


def wait_drawn(page: Page, version: int) -> int:
    page.wait_for_function(
        "v => Number(document.querySelector('[data-testid=graph-canvas]')?.dataset.version || 0) >= v",
        arg=version,
        timeout=30_000,
    )
    return int(page.eval_on_selector("[data-testid=graph-canvas]", "el => el.dataset.version"))


def test_guessed_calls_hidden_by_default_and_shown_faint_on_request(
    page: Page, hub_url: str, project_id: str, ids: dict[str, str]
) -> None:
    page.goto(f"{hub_url}/?project={project_id}&depth=2")
    version = wait_drawn(page, 1)
    guess_key = (ids["caller.py"], ids["orphan.py"])
    sure_key = (ids["caller.py"], ids["helpers.py"])
    drawn = calls_drawn(page)
    assert sure_key in drawn and guess_key not in drawn
    toggle = page.get_by_test_id("show-guesses")
    expect(toggle).not_to_be_checked()

    toggle.check()
    wait_drawn(page, version + 1)
    page.wait_for_function(
        "k => window.__vislzr.sigma.getGraph().hasEdge(k)", arg=f"{guess_key[0]}>{guess_key[1]}:CALLS"
    )
    drawn = calls_drawn(page)
    assert drawn[guess_key]["guess"] is True and drawn[guess_key]["color"] != drawn[sure_key]["color"]
    assert drawn[sure_key]["guess"] is False
    assert parse_qs(urlparse(page.url).query)["minConfidence"] == ["0"]
    shot(page, "confidence-guesses")

    # The URL keeps it: a reload draws the guess again, the box still ticked.
    page.reload()
    wait_drawn(page, 1)
    expect(page.get_by_test_id("show-guesses")).to_be_checked()
    assert guess_key in calls_drawn(page)


def test_detail_panel_lists_each_call_with_its_evidence(
    page: Page, hub_url: str, project_id: str, ids: dict[str, str]
) -> None:
    caller = ids["caller()"]
    page.goto(
        f"{hub_url}/?project={project_id}&depth=2&expanded={ids['caller.py']}&focus={caller}&minConfidence=0"
    )
    outgoing = page.get_by_test_id("outgoing")
    expect(outgoing.locator("[data-evidence=guess]")).to_have_text("guess · 0.3")
    expect(outgoing.locator("[data-evidence=guess]")).to_have_class("evidence guess")
    sure = outgoing.locator("[data-evidence=import]")
    expect(sure).to_have_count(1)
    assert sure.get_attribute("class") == "evidence"
    row = outgoing.locator("li", has=page.locator("[data-evidence=guess]"))
    expect(row).to_contain_text("orphan_task")
    shot(page, "confidence-detail")


DOUBLE_CLICK_MS = 400  # sigma's double-click window is 300 ms


def click_edge(page: Page, key: str) -> None:
    """Clicks the canvas on the middle of the drawn edge ``key`` (screen positions from sigma). First
    the pause that keeps two clicks from being sigma's double-click (zoom), and the canvas' refresh
    after a panel opened or closed (its size changes, and so does where the edge is drawn)."""
    page.wait_for_timeout(DOUBLE_CLICK_MS)
    # Sigma counts a click as the second of a double-click until its own timer resets the count; on a
    # busy machine that timer fires late, so wait for the count itself (its mouse captor's `clicks`).
    # Then the middle of the edge as drawn now.
    point = page.wait_for_function(
        """k => { const h = window.__vislzr, s = h.sigma, g = s.getGraph();
             if (s.getMouseCaptor().clicks !== 0) return null;
             const a = s.framedGraphToViewport(s.getNodeDisplayData(g.source(k)));
             const b = s.framedGraphToViewport(s.getNodeDisplayData(g.target(k)));
             const p = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
             return h.edgeAtPoint(p.x, p.y) === k ? p : null; }""",
        arg=key,
        timeout=10_000,
    ).json_value()
    box = page.get_by_test_id("graph-canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_a_call_edge_clicked_on_the_canvas_shows_its_evidence(
    page: Page, hub_url: str, project_id: str, ids: dict[str, str]
) -> None:
    caller = ids["caller()"]
    page.goto(f"{hub_url}/?project={project_id}&depth=2&expanded={ids['caller.py']}&minConfidence=0")
    wait_drawn(page, 1)
    guess = f"{caller}>{ids['orphan.py']}:CALLS"
    sure = f"{caller}>{ids['helpers.py']}:CALLS"
    page.wait_for_function("k => window.__vislzr.sigma.getGraph().hasEdge(k)", arg=guess)

    click_edge(page, guess)
    panel = page.get_by_test_id("edge-detail")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("edge-title")).to_have_text("CALLS")
    expect(page.get_by_test_id("edge-from")).to_contain_text("caller")
    expect(page.get_by_test_id("edge-to")).to_contain_text("orphan.py")
    expect(page.get_by_test_id("edge-confidence")).to_have_text("0.3 (guess)")
    evidence = page.get_by_test_id("edge-evidence").locator("[data-evidence]")
    expect(evidence).to_have_attribute("data-evidence", "guess")
    shot(page, "confidence-edge-detail")

    click_edge(page, sure)
    expect(page.get_by_test_id("edge-to")).to_contain_text("helpers.py")
    expect(evidence).to_have_attribute("data-evidence", "import")
    assert float(page.get_by_test_id("edge-confidence").inner_text()) >= 0.8

    # Far from every edge and node (and not under an overlay): a click on the empty stage closes it.
    empty = page.evaluate(
        """() => { const s = window.__vislzr, el = document.querySelector('[data-testid=graph-canvas]');
             const r = el.getBoundingClientRect(), g = s.sigma.getGraph();
             for (let y = 20; y < r.height - 20; y += 15) for (let x = 20; x < r.width - 20; x += 15) {
               if (s.edgeAtPoint(x, y) !== null) continue;
               const hit = document.elementFromPoint(r.left + x, r.top + y);
               if (!hit || !el.contains(hit)) continue;
               const near = g.filterNodes((n) => {
                 const d = s.sigma.framedGraphToViewport(s.sigma.getNodeDisplayData(n));
                 return Math.hypot(d.x - x, d.y - y) < 30; });
               if (!near.length) return { x: r.left + x, y: r.top + y };
             } return null; }"""
    )
    assert empty is not None
    page.wait_for_timeout(DOUBLE_CLICK_MS)
    page.wait_for_function("() => window.__vislzr.sigma.getMouseCaptor().clicks === 0")
    page.mouse.click(empty["x"], empty["y"])
    expect(panel).to_have_count(0)
    # An end of the edge opens that node's own detail panel.
    click_edge(page, sure)
    page.get_by_test_id("edge-from").get_by_role("button").click()
    expect(page.get_by_test_id("detail-title")).to_contain_text("caller")
