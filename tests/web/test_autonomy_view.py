"""VISLZR's autonomy view in a real browser against a real hub: the risk heat map over the project
view, the timeline of predictions and actions, the approval queue (approve / reject through the
remediation mutations) and a selected file's top factors.

Seeded without training: the files get Predictions written through the intelligence service (a
risky, a flaky and a safe file; one file left unpredicted), and remediation proposes its actions
with auto-execution thresholds out of reach, so both risky files wait for a person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect
from web_support import serve_hub, shot

from app.config import Settings
from app.core.db import create_async_driver
from app.intelligence import service as intelligence
from app.intelligence.models import ModelType
from app.remediation import flows as remediation
from app.remediation.models import ProposalRun
from ingest.pipeline import ingest_repository

PROJECT = "autonomy-view"
RISK = {"risky.py": 0.92, "flaky.py": 0.81, "safe.py": 0.04}  # quiet.py has no prediction
FACTORS = {
    "risky.py": [
        {
            "feature": "fixes365",
            "value": 9.0,
            "contribution": 0.41,
            "text": "9 bug-fix commits in the last year",
        },
        {"feature": "authors90", "value": 5.0, "contribution": 0.17, "text": "5 authors in the last 90 days"},
    ],
    "flaky.py": [
        {"feature": "commits90", "value": 14.0, "contribution": 0.3, "text": "14 commits in the last 90 days"}
    ],
    "safe.py": [],
}
NO_RISK_COLOR = "#5a606b"


NEVER = 1.01  # an auto-execution threshold no confidence reaches: every action waits for a person


def seed_project(
    root: Path,
    driver: Driver,
    settings: Settings,
    *,
    project: str,
    risk: dict[str, float],
    **remediation_settings: Any,
) -> tuple[str, dict[str, str], ProposalRun]:
    """Ingest a repository of the given files (plus an unpredicted quiet.py), write their
    predictions and let remediation propose its actions under ``remediation_settings``."""
    root.mkdir()
    for name in (*risk, "quiet.py"):
        body = "".join(
            f"def {name[:-3]}_{i}(x):\n    return x + {i}\n\n\n"
            for i in range(30 if name == "risky.py" else 3)
        )
        (root / name).write_text(body)
    project_id = ingest_repository(driver, path=root, project=project, history=0).project_id
    records, _, _ = driver.execute_query(
        "MATCH (:Project {id: $p})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File) "
        "RETURN f.path AS path, f.id AS id",
        p=project_id,
    )
    files = {r["path"]: r["id"] for r in records}
    assert set(files) >= {*risk, "quiet.py"}
    proposing = settings.model_copy(update={"remediation_min_probability": 0.5, **remediation_settings})

    async def seed() -> ProposalRun:
        async_driver = create_async_driver(settings)
        try:
            await intelligence.write_predictions(
                async_driver,
                database=settings.neo4j_database,
                project_id=project_id,
                model_type=ModelType.FILE_DEFECT_RISK,
                version=1,
                horizon_days=90,
                rows=[
                    {
                        "targetId": files[path],
                        "probability": p,
                        "confidence": 0.8,
                        "features": {"fixes365": 9.0 if path == "risky.py" else 0.0},
                        "topFactors": FACTORS.get(path, []),
                    }
                    for path, p in risk.items()
                ],
            )
            return await remediation.propose_for_project(
                driver=async_driver,
                settings=proposing,
                events=None,
                project_id=project_id,
                project_name=project,
            )
        finally:
            await async_driver.close()

    # Sync Playwright owns an event loop in this thread while the browser is open: seed from another.
    with ThreadPoolExecutor(1) as pool:
        return project_id, files, pool.submit(asyncio.run, seed()).result()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, driver: Driver, settings: Settings) -> dict[str, Any]:
    project_id, files, run = seed_project(
        tmp_path_factory.mktemp("autonomy") / "repo",
        driver,
        settings,
        project=PROJECT,
        risk=RISK,
        remediation_auto_confidence=dict.fromkeys(
            ("create_task", "trigger_audit", "run_workflow", "notify"), NEVER
        ),
    )
    assert run.proposed == 2 and run.pending == 2, run
    return {"project_id": project_id, "files": files}


@pytest.fixture(scope="module")
def shadowed(tmp_path_factory: pytest.TempPathFactory, driver: Driver, settings: Settings) -> dict[str, Any]:
    """A project under shadow mode whose action would have run by itself: recorded, not executed."""
    project_id, files, run = seed_project(
        tmp_path_factory.mktemp("autonomy-shadow") / "repo",
        driver,
        settings,
        project=f"{PROJECT}-shadow",
        risk={"risky.py": 0.95},
        remediation_auto_confidence={"create_task": 0.5},
        remediation_shadow=[f"{PROJECT}-shadow:*"],
    )
    assert run.proposed == 1 and run.shadowed == 1, run
    return {"project_id": project_id, "files": files}


@pytest.fixture(scope="module")
def hub_url(settings: Settings, seeded: dict[str, Any], shadowed: dict[str, Any]) -> Iterator[str]:
    yield from serve_hub(settings)


def node_attributes(page: Page) -> dict[str, dict[str, Any]]:
    """The rendered graph's nodes through the canvas's test hook (window.__vislzr.sigma)."""
    return page.evaluate(
        """() => { const out = {}; window.__vislzr.sigma.getGraph().forEachNode((id, a) => {
             out[id] = {color: a.color, risk: a.risk ?? null, remediation: a.remediation ?? null,
                        label: a.label}; });
           return out; }"""
    )


def open_view(page: Page, hub_url: str, project_id: str, predicted: int = 3) -> None:
    page.goto(f"{hub_url}/?project={project_id}&risk=1")
    expect(page.get_by_test_id("autonomy-panel")).to_have_attribute("data-loaded", "yes", timeout=30_000)
    page.wait_for_function(
        "predicted => { const s = window.__vislzr && window.__vislzr.sigma; if (!s) return false;"
        " let n = 0; s.getGraph().forEachNode((id, a) => { if (a.risk != null) n++; });"
        " return n >= predicted; }",
        arg=predicted,
        timeout=30_000,
    )


def action_status(driver: Driver, project_id: str, path: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (a:RemediationAction {projectId: $p})-[:FOR]->(:Prediction)-[:ABOUT]->(f:File {path: $path}) "
        "RETURN a.status AS status",
        p=project_id,
        path=path,
    )
    assert len(records) == 1
    return str(records[0]["status"])


def test_heat_map_colours_files_by_predicted_risk(page: Page, hub_url: str, seeded: dict[str, Any]) -> None:
    open_view(page, hub_url, seeded["project_id"])
    nodes = node_attributes(page)
    files = seeded["files"]
    risky, safe, quiet = nodes[files["risky.py"]], nodes[files["safe.py"]], nodes[files["quiet.py"]]
    assert risky["risk"] == pytest.approx(0.92) and safe["risk"] == pytest.approx(0.04)
    assert quiet["risk"] is None and quiet["color"] == NO_RISK_COLOR
    assert risky["color"] != safe["color"] != NO_RISK_COLOR

    def rgb(hex_colour: str) -> tuple[int, ...]:
        return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))

    assert rgb(risky["color"])[0] > rgb(risky["color"])[1]  # red over green
    assert rgb(safe["color"])[1] > rgb(safe["color"])[0]  # green over red
    assert "92%" in risky["label"] and risky["remediation"] == "PENDING_APPROVAL"
    # Turning the mode off gives the project view its own colours back.
    page.get_by_test_id("risk-mode").uncheck()
    page.wait_for_function(
        "id => window.__vislzr.sigma.getGraph().getNodeAttribute(id, 'risk') == null", arg=files["risky.py"]
    )
    expect(page.get_by_test_id("autonomy-panel")).to_have_count(0)
    assert node_attributes(page)[files["risky.py"]]["color"] != risky["color"]
    page.get_by_test_id("risk-mode").check()
    expect(page.get_by_test_id("autonomy-panel")).to_be_visible()
    open_view(page, hub_url, seeded["project_id"])
    shot(page, "autonomy-heatmap", settle_ms=800)


def test_timeline_lists_the_predictions_and_actions(page: Page, hub_url: str, seeded: dict[str, Any]) -> None:
    open_view(page, hub_url, seeded["project_id"])
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li[data-kind=prediction]", has_text="risky.py").first).to_be_visible()
    expect(timeline.locator("li[data-kind=prediction]", has_text="safe.py").first).to_be_visible()
    expect(timeline.locator("li[data-kind=remediation]", has_text="risky.py").first).to_be_visible()


def test_selecting_a_file_shows_its_top_factors(page: Page, hub_url: str, seeded: dict[str, Any]) -> None:
    open_view(page, hub_url, seeded["project_id"])
    page.locator(".riskiest button", has_text="risky.py").click()
    panel = page.get_by_test_id("file-risk")
    expect(panel).to_have_attribute("data-file", seeded["files"]["risky.py"])
    factors = panel.get_by_test_id("top-factors").locator("li")
    expect(factors).to_have_count(2)
    expect(factors.nth(0)).to_contain_text("9 bug-fix commits in the last year")
    expect(factors.nth(1)).to_contain_text("5 authors in the last 90 days")
    expect(panel).to_contain_text("92%")
    assert "focus=" in page.url  # the selection is the project view's own (shareable) focus
    shot(page, "autonomy-factors", settle_ms=800)
    page.goto(f"{hub_url}/?project={seeded['project_id']}&risk=1&focus={seeded['files']['quiet.py']}")
    expect(page.get_by_test_id("file-risk")).to_contain_text("No prediction")


def test_approving_and_rejecting_from_the_queue(
    page: Page, hub_url: str, seeded: dict[str, Any], driver: Driver
) -> None:
    project_id, files = seeded["project_id"], seeded["files"]
    open_view(page, hub_url, project_id)
    queue = page.get_by_test_id("approval-queue")
    expect(queue.locator("li")).to_have_count(2)
    shot(page, "autonomy-queue", settle_ms=800)

    queue.locator("li", has_text="risky.py").get_by_role("button", name="Approve").click()
    # Approving executes the action (a Task is created) before the mutation answers: slow on a busy machine.
    expect(queue.locator("li")).to_have_count(1, timeout=30_000)
    risky_item = page.get_by_test_id("actions").locator("li", has_text="risky.py")
    expect(risky_item).to_have_attribute("data-status", "EXECUTED", timeout=30_000)
    assert action_status(driver, project_id, "risky.py") == "executed"
    page.wait_for_function(
        "id => window.__vislzr.sigma.getGraph().getNodeAttribute(id, 'remediation') === 'EXECUTED'",
        arg=files["risky.py"],
    )
    assert "executed" in node_attributes(page)[files["risky.py"]]["label"]

    flaky = queue.locator("li", has_text="flaky.py")
    flaky.get_by_role("button", name="Reject…").click()
    flaky.get_by_placeholder("reason (optional)").fill("owned by another team")
    flaky.get_by_role("button", name="Reject", exact=True).click()
    expect(queue.locator("li")).to_have_count(0, timeout=30_000)
    expect(page.get_by_test_id("actions").locator("li", has_text="flaky.py")).to_have_attribute(
        "data-status", "REJECTED", timeout=30_000
    )
    assert action_status(driver, project_id, "flaky.py") == "rejected"
    records, _, _ = driver.execute_query(
        "MATCH (a:RemediationAction {projectId: $p, status: 'rejected'}) RETURN a.reason AS reason",
        p=project_id,
    )
    assert "owned by another team" in records[0]["reason"]
    # The decisions are on the timeline too, after a reload.
    open_view(page, hub_url, project_id)
    expect(
        page.get_by_test_id("timeline").locator("li[data-event=executed]", has_text="risky.py")
    ).to_have_count(1)
    shot(page, "autonomy-decided", settle_ms=800)


def test_shadow_mode_shows_what_would_have_run(
    page: Page, hub_url: str, shadowed: dict[str, Any], driver: Driver
) -> None:
    open_view(page, hub_url, shadowed["project_id"], predicted=1)
    expect(page.get_by_test_id("approval-queue").locator("li")).to_have_count(0)
    item = page.get_by_test_id("actions").locator("li", has_text="risky.py")
    expect(item).to_have_attribute("data-status", "PROPOSED")
    expect(item.locator(".shadow")).to_have_text("shadow · would have run")
    assert action_status(driver, shadowed["project_id"], "risky.py") == "proposed"  # nothing executed
    records, _, _ = driver.execute_query(
        "MATCH (a:RemediationAction {projectId: $p}) RETURN a.resultId AS result", p=shadowed["project_id"]
    )
    assert records[0]["result"] is None
    shot(page, "autonomy-shadow", settle_ms=800)
