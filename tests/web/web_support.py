"""Serving a real hub (uvicorn in a thread) for the browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from playwright.sync_api import Page
from tests_support import free_ports

from app.config import Settings
from app.main import create_app


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
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def shot(page: Page, name: str, settle_ms: int = 300) -> None:
    """A screenshot of the page as a test artifact (test-artifacts/vislzr-NAME.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(settle_ms)
    page.screenshot(path=str(ARTIFACTS / f"vislzr-{name}.png"))
