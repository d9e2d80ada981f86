"""Serving a real hub (uvicorn in a thread) for the browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from playwright.sync_api import Page
from tests_support import create_token, free_ports

from app.config import Settings
from app.main import create_app

_ADMIN_TOKENS: dict[str, str] = {}


def admin_headers(hub_url: str) -> dict[str, str]:
    """What a test's own API calls to the served hub send (the browser uses its login cookie)."""
    return {"Authorization": f"Bearer {_ADMIN_TOKENS[hub_url]}"}


def log_in(page: Page, hub_url: str, settings: Settings) -> None:
    """The browser login as a user does it: the one-time URL `hub serve` prints, then the cookie."""
    from app.auth.service import issue_login_token

    page.goto(f"{hub_url}/login?token={issue_login_token(settings)}")
    assert page.url.rstrip("/") == hub_url, page.url
    cookie = next(c for c in page.context.cookies() if c["name"] == "hub_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def serve_hub(settings: Settings) -> Iterator[str]:
    """Yield the base URL of a hub serving the API and VISLZR; stop it afterwards."""
    (port,) = free_ports(1)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    url = f"http://127.0.0.1:{port}"
    _ADMIN_TOKENS[url] = create_token(settings, ["admin"])
    yield url
    server.should_exit = True
    thread.join(timeout=10)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def shot(page: Page, name: str, settle_ms: int = 300) -> None:
    """A screenshot of the page as a test artifact (test-artifacts/vislzr-NAME.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(settle_ms)
    page.screenshot(path=str(ARTIFACTS / f"vislzr-{name}.png"))
