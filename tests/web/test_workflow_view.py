"""VISLZR's workflow view in a real Chromium against a real hub and a real `hub workflow worker`:
the shipped ci-pipeline (lint -> tests || security -> review) is run from the view on a small
ingested repository; the steps turn green one after another (each is seen pending or running
first, and no step turns green before the steps it needs), the selected step's log lines show, the
history lists the execution, and a lint finding of a second run opens its file in the project view.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from web_support import admin_headers, serve_hub, shot

from app.config import Settings
from ingest.pipeline import ingest_repository

ROOT = Path(__file__).resolve().parents[2]
HUB = str(Path(sys.executable).with_name("hub"))
PROJECT = "vislzr-workflow"
STEPS = ("lint", "tests", "security", "review")
NEEDS = {"tests": ["lint"], "security": ["lint"], "review": ["tests", "security"]}
CLEAN_CALC = "def add(a: int, b: int) -> int:\n    return a + b\n"

# Records every step's data-status change in the page, with the time, from the moment it is installed.
WATCH_STATUSES = """() => {
  const seen = []; const last = {};
  // Each status with the execution the view showed then (none while the new one loads): until Run
  // has switched the view, the DAG still shows the latest earlier execution of the workflow.
  const record = () => document.querySelectorAll('[data-step]').forEach((g) => {
    const step = g.dataset.step, status = g.dataset.status;
    const execution = document.querySelector('[data-testid=execution-status]')?.dataset.execution ?? null;
    const key = status + ' ' + execution;
    if (last[step] === key) return;
    last[step] = key; seen.push({ step, status, execution, t: performance.now() });
  });
  new MutationObserver(record).observe(document.body,
    { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-execution'] });
  record();
  window.__wfSeen = seen;
}"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean repository: ruff, bandit, detect-secrets and the graph review find nothing, and
    its one test passes (no `assert`: bandit would report it)."""
    root = tmp_path_factory.mktemp("vislzr-workflow") / "repo"
    root.mkdir()
    (root / "calc.py").write_text(CLEAN_CALC)
    (root / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add() -> None:\n"
        "    if add(1, 2) != 3:\n        raise AssertionError('1 + 2')\n"
    )
    return root


@pytest.fixture(scope="module")
def project_id(repo: Path, driver: Driver) -> str:
    return ingest_repository(driver, path=repo, project=PROJECT, history=0).project_id


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:
    """One `hub workflow worker` process on the test runtime (the environment names it)."""
    log = (tmp_path_factory.mktemp("wf-worker") / "worker.log").open("wb")
    env = {k: v for k, v in os.environ.items() if k != "HUB_WORKFLOW_FAULT"}
    process = subprocess.Popen([HUB, "workflow", "worker"], env=env, cwd=ROOT, stdout=log, stderr=log)
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@pytest.fixture(scope="module")
def hub_url(settings: Settings, project_id: str, worker: subprocess.Popen[bytes]) -> Iterator[str]:
    for url in serve_hub(settings):
        gql(
            url,
            "mutation($d: String!) { applyWorkflow(document: $d) { name } }",
            {"d": (ROOT / "workflows" / "ci-pipeline.yaml").read_text()},
        )
        yield url


def gql(hub_url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = httpx.post(
        f"{hub_url}/graphql",
        json={"query": query, "variables": variables or {}},
        timeout=30,
        headers=admin_headers(hub_url),
    ).json()
    assert not body.get("errors"), body
    return body["data"]


def url_state(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def run_from_the_view(page: Page, project_id: str) -> str:
    """Press Run for the project; returns the new execution's id (the view puts it in the URL)."""
    before = url_state(page).get("execution")
    page.select_option("[data-testid=run-project]", project_id)
    page.click("[data-testid=run-workflow]")
    page.wait_for_function(
        "before => { const e = new URLSearchParams(location.search).get('execution');"
        " return e && e !== before; }",
        arg=before,
    )
    return url_state(page)["execution"]


def wait_settled(page: Page, timeout_ms: float = 400_000) -> str:
    """The shown execution's final status; on a timeout, what each step showed and the log."""
    try:
        page.wait_for_function(
            "() => { const e = document.querySelector('[data-testid=execution-status]');"
            " return e && e.dataset.execution === new URLSearchParams(location.search).get('execution')"
            " && ['succeeded', 'failed', 'cancelled'].includes(e.dataset.status); }",
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        steps = page.eval_on_selector_all(
            "[data-step]", "gs => gs.map((g) => g.dataset.step + ':' + g.dataset.status)"
        )
        raise AssertionError(
            f"not settled: {steps}; log: {page.inner_text('[data-testid=step-logs]')}"
        ) from None
    return page.get_attribute("[data-testid=execution-status]", "data-status") or ""


@pytest.mark.timeout(1200)  # two runs of four real agents, and a runtime start, on a shared machine
def test_a_run_turns_the_steps_green_shows_logs_history_and_findings_open_the_file(
    page: Page, hub_url: str, project_id: str, repo: Path, driver: Driver
) -> None:
    page.goto(hub_url)
    page.click("[data-testid=nav-workflows]")
    page.click("[data-workflow=ci-pipeline]")
    dag = page.get_by_test_id("workflow-dag")
    expect(dag.locator("[data-step]")).to_have_count(len(STEPS))
    assert url_state(page)["view"] == "workflows" and url_state(page)["workflow"] == "ci-pipeline"

    # --- run 1: a clean repository, every step passes -------------------------------------------
    page.evaluate(WATCH_STATUSES)
    first = run_from_the_view(page, project_id)
    assert wait_settled(page) == "succeeded", page.inner_text("[data-testid=step-logs]")
    for step in STEPS:
        expect(dag.locator(f"[data-step={step}]")).to_have_attribute("data-status", "passed")
    seen: list[dict[str, Any]] = [
        s for s in page.evaluate("window.__wfSeen") if s["execution"] in (None, first)
    ]
    turned_green = {}
    for step in STEPS:
        statuses = [s["status"] for s in seen if s["step"] == step]
        # seen as not yet done after Run, then green, and never anything else
        assert statuses[-1] == "passed" and set(statuses) <= {"pending", "running", "passed"}, (step, seen)
        assert any(s in ("pending", "running") for s in statuses[:-1]), (step, seen)
        turned_green[step] = next(s["t"] for s in seen if s["step"] == step and s["status"] == "passed")
    assert any(s["status"] == "running" for s in seen), seen  # live: a step was drawn while it ran
    for step, needs in NEEDS.items():
        assert all(turned_green[need] <= turned_green[step] for need in needs), (step, turned_green)

    # the selected step's own log lines
    dag.locator("[data-step=tests]").click()
    expect(page.get_by_test_id("step-title")).to_have_text("step tests")
    logs = page.get_by_test_id("step-logs")
    expect(logs).to_contain_text("step tests started on test-runner")
    expect(logs).to_contain_text("step tests passed")
    expect(logs).not_to_contain_text("step lint")
    assert url_state(page)["step"] == "tests"

    # the history lists the execution, settled, with its duration
    row = page.locator(f"[data-testid=workflow-history] tr[data-execution='{first}']")
    expect(row).to_have_attribute("data-status", "succeeded")
    shot(page, "workflow-run")

    # --- run 2: an unused import; lint warns (red), the rest still runs --------------------------
    (repo / "calc.py").write_text("import os\n\n" + CLEAN_CALC)
    try:
        second = run_from_the_view(page, project_id)
        assert wait_settled(page) == "succeeded", page.inner_text("[data-testid=step-logs]")
    finally:
        (repo / "calc.py").write_text(CLEAN_CALC)
    expect(dag.locator("[data-step=lint]")).to_have_attribute("data-status", "failed")
    expect(dag.locator("[data-step=review]")).to_have_attribute("data-status", "passed")
    rows = page.locator("[data-testid=workflow-history] tbody tr")
    expect(rows.first).to_have_attribute("data-execution", second)  # newest first
    expect(page.locator(f"[data-testid=workflow-history] tr[data-execution='{first}']")).to_have_count(1)

    dag.locator("[data-step=lint]").click()
    finding = page.get_by_test_id("step-findings").locator("li", has_text="ruff:F401")
    expect(finding).to_contain_text("calc.py:1")
    shot(page, "workflow-findings")

    # the finding opens the project view with the file's node selected
    file_id = driver.execute_query(
        "MATCH (:Project {id: $p})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File {path: 'calc.py'}) "
        "RETURN f.id AS id",
        p=project_id,
    ).records[0]["id"]
    finding.get_by_test_id("finding-link").click()
    page.wait_for_function(
        "id => window.__vislzr && window.__vislzr.sigma.getGraph().hasNode(id)", arg=file_id, timeout=60_000
    )
    expect(page.get_by_test_id("detail-title")).to_have_text("calc.py", timeout=30_000)
    state = url_state(page)
    assert state["project"] == project_id and state["focus"] == file_id and "view" not in state, state
    shot(page, "workflow-finding-opened")

    # back returns to the workflow view, on the same execution and step
    page.go_back()
    expect(page.get_by_test_id("step-title")).to_have_text("step lint")
    assert url_state(page)["execution"] == second
