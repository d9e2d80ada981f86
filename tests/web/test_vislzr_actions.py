"""VISLZR's detail-panel actions on work and runtime nodes, in a real browser against a real hub.

A Service (health URL on a local HTTP server this test starts) and a Task are found through the
toolbar search and opened in the detail panel: "Health check" probes the service now (up, then down
once the server is stopped) and records a HealthSample; the status selector changes the Task's status.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from web_support import admin_headers, serve_hub, shot

from app.config import Settings
from ingest.pipeline import ingest_repository

PROJECT = "vislzr-actions"


@pytest.fixture(scope="module")
def project_id(tmp_path_factory: pytest.TempPathFactory, driver: Driver) -> str:
    # A one-file project of its own: search is hub-wide, so no names shared with other tests' fixtures.
    root = tmp_path_factory.mktemp("vislzr-actions") / "repo"
    root.mkdir()
    (root / "actions_fixture.py").write_text("def actions_fixture_entry() -> int:\n    return 1\n")
    return ingest_repository(driver, path=root, project=PROJECT, history=0).project_id


@pytest.fixture(scope="module")
def hub_url(settings: Settings, project_id: str) -> Iterator[str]:
    yield from serve_hub(settings)


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def gql(hub_url: str, query: str) -> dict[str, Any]:
    body = httpx.post(
        f"{hub_url}/graphql", json={"query": query}, timeout=30, headers=admin_headers(hub_url)
    ).json()
    assert not body.get("errors"), body
    return body["data"]


def open_from_search(page: Page, hub_url: str, project_id: str, text: str) -> None:
    """Open the project, search ``text`` in the toolbar and click the hit: the detail panel opens."""
    page.goto(f"{hub_url}/?project={project_id}")
    hit = page.locator("[data-testid=search-hits] li[role=option]", has_text=text).first
    # The full-text index is refreshed a moment after the write: search again until the hit shows.
    for _ in range(20):
        page.fill("[data-testid=search]", text)
        page.press("[data-testid=search]", "Enter")
        try:
            hit.wait_for(timeout=1_500)
            break
        except PlaywrightTimeoutError:
            continue
    hit.click()
    expect(page.get_by_test_id("detail-title")).to_have_text(text, timeout=15_000)


def test_health_check_of_a_service_shows_up_then_down(
    page: Page, hub_url: str, project_id: str, driver: Driver
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    name = f"actions-svc-{uuid.uuid4().hex[:8]}"
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        response = httpx.post(
            f"{hub_url}/api/services",
            json={"name": name, "healthUrl": url},
            timeout=30,
            headers=admin_headers(hub_url),
        )
        assert response.status_code == 201, response.text
        service_id = response.json()["id"]

        open_from_search(page, hub_url, project_id, name)
        expect(page.get_by_test_id("detail-entity")).to_contain_text("Service")
        page.get_by_test_id("action-health-check").click()
        expect(page.get_by_test_id("health-status")).to_have_text("up", timeout=15_000)
        expect(page.get_by_test_id("health-result")).to_contain_text("HTTP 200")
        expect(page.get_by_test_id("health-result")).to_contain_text(" ms")
        samples = driver.execute_query(
            "MATCH (:Service {id: $id})-[:HAS_SAMPLE]->(h:HealthSample) "
            "RETURN h.ok AS ok, h.statusCode AS code",
            id=service_id,
        ).records
        assert [(r["ok"], r["code"]) for r in samples] == [(True, 200)]
    finally:
        server.shutdown()
        server.server_close()

    page.get_by_test_id("action-health-check").click()
    expect(page.get_by_test_id("health-status")).to_have_text("down", timeout=15_000)
    shot(page, "service-health-check", settle_ms=0)
    oks = driver.execute_query(
        "MATCH (:Service {id: $id})-[:HAS_SAMPLE]->(h:HealthSample) RETURN h.ok AS ok ORDER BY h.time",
        id=service_id,
    ).records
    assert [r["ok"] for r in oks] == [True, False]


def test_health_check_endpoint_of_an_unknown_service_is_404(hub_url: str) -> None:
    response = httpx.post(
        f"{hub_url}/api/services/{'0' * 32}/check", timeout=30, headers=admin_headers(hub_url)
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_status_change_of_a_task(page: Page, hub_url: str, project_id: str, driver: Driver) -> None:
    title = f"actionstask{uuid.uuid4().hex[:8]}"  # one token: the search ranks it first
    task = gql(hub_url, f'mutation {{ createTask(input: {{title: "{title}"}}) {{ entityId status }} }}')
    task_id = task["createTask"]["entityId"]
    assert task["createTask"]["status"] == "todo"

    open_from_search(page, hub_url, project_id, title)
    expect(page.get_by_test_id("detail-entity")).to_contain_text("Task")
    status = page.get_by_test_id("task-status")
    expect(status).to_have_value("todo")
    status.select_option("in_progress")
    expect(page.get_by_test_id("task-status-result")).to_have_text("status: in_progress", timeout=15_000)
    expect(status).to_have_value("in_progress")
    shot(page, "task-status", settle_ms=0)
    stored = driver.execute_query("MATCH (t:Task {id: $id}) RETURN t.status AS status", id=task_id).records
    assert [r["status"] for r in stored] == ["in_progress"]
