"""Shared by the browser tests: the built web app, a real Debian Chromium, a fresh page per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from tests_support import CHROMIUM_ARGS
from web_support import log_in

from app.config import Settings
from app.main import WEB_DIST


@pytest.fixture(scope="session", autouse=True)
def web_build() -> None:
    assert (WEB_DIST / "index.html").is_file(), "web/dist is not built: run `make web` (make test does)"


@pytest.fixture(scope="module")  # sync Playwright owns a loop while open: not across modules
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, hub_url: str, settings: Settings) -> Iterator[Page]:
    """A fresh page, logged in to the module's hub through the one-time login URL."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    log_in(tab, hub_url, settings)
    yield tab
    context.close()
    assert not errors, errors
