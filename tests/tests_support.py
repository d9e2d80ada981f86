"""Small helpers for tests (not fixtures)."""

from __future__ import annotations

import ast
import socket
from collections import Counter
from typing import Any


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def ast_kind_counts(tree: ast.AST) -> Counter[str]:
    """The oracle of the kind rules: Class = every class; Method = a def directly in a class body;
    Function = every other def (nested ones included)."""
    counts: Counter[str] = Counter()

    def visit(node: ast.AST, in_class_body: bool) -> None:
        if isinstance(node, ast.ClassDef):
            counts["Class"] += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            counts["Method" if in_class_body else "Function"] += 1
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, None) or []:
                visit(child, isinstance(node, ast.ClassDef) and field == "body")

    visit(tree, False)
    return counts


# Debian's Chromium as root, headless, offline: without the background-networking flags it keeps
# trying to reach Google's hosts; SwiftShader renders WebGL in software here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--enable-unsafe-swiftshader"]  # fmt: skip


def api_client(app: object, token: str | None, **kwargs: object):  # type: ignore[no-untyped-def]
    """A TestClient that talks to the app as a loopback caller (the Host allow-list) with a key."""
    from fastapi.testclient import TestClient

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(app, base_url="http://127.0.0.1:8000", headers=headers, **kwargs)  # type: ignore[arg-type]


def create_token(settings: Any, scopes: list[str], projects: list[str] | None = None) -> str:
    """A real API key made through the auth service (the secret is only known here)."""
    import asyncio

    from app.auth.models import KeyRequest
    from app.auth.service import create_key
    from app.core.db import create_async_driver

    async def make() -> str:
        drv = create_async_driver(settings)
        try:
            request = KeyRequest(name="test", scopes=scopes, projects=projects)  # type: ignore[arg-type]
            return (await create_key(drv, database=settings.neo4j_database, request=request)).token
        finally:
            await drv.close()

    # Called from sync fixtures and from code that already runs a loop (Playwright, async tests):
    # asyncio.run in a thread of its own works in both.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, make()).result()


class LiveServer:
    """The app served by uvicorn in a thread on a free loopback port (real websockets and SSE)."""

    def __init__(self, settings: Any, token: str) -> None:
        import threading

        import uvicorn

        from app.main import create_app

        self.headers = {"Authorization": f"Bearer {token}"}
        self.port = free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 30
        while not (self.server.started and self.app.state.events.connected):
            assert time.monotonic() < deadline, "server or its NATS connection did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
