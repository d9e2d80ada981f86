"""Neo4j Browser is served by the local server and loads in headless Chromium."""

from __future__ import annotations

from playwright.sync_api import sync_playwright
from tests_support import CHROMIUM_ARGS

from app.config import Settings


def test_browser_loads_and_connects(settings: Settings) -> None:
    user, password = settings.neo4j_auth()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            response = page.goto(settings.browser_url, wait_until="domcontentloaded")
            assert response is not None and response.status == 200
            page.wait_for_selector("input[data-testid='username']", timeout=60_000)
            assert page.input_value("[data-testid='boltaddress']").endswith(str(settings.neo4j_bolt_port))
            page.fill("input[data-testid='username']", user)
            page.fill("input[data-testid='password']", password)
            page.click("button[data-testid='connect']")
            # Connected: the editor prompt shows the user and database.
            page.wait_for_selector("text=Connected to Neo4j", timeout=60_000)
        finally:
            browser.close()
