"""`hub token create|list|revoke|rotate` and `hub serve`'s one-time login URL, against a real
`hub serve --workers 2`: a revocation is seen by every API worker process on its next request."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests_support import free_ports

from app.config import Settings

HUB = [str(Path(sys.executable).with_name("hub"))]


def hub(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUB, *args], env=dict(os.environ), capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def served(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base url, what `hub serve` printed) of two API worker processes behind one port."""
    (port,) = free_ports(1)
    out = tmp_path_factory.mktemp("serve") / "out.txt"
    with out.open("w") as sink:
        command = [*HUB, "serve", "--port", str(port), "--workers", "2"]
        process = subprocess.Popen(command, env=dict(os.environ), stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, ready = time.monotonic() + 300, False  # two workers start slowly on a busy machine
        while not ready and time.monotonic() < deadline:
            assert process.poll() is None, out.read_text()
            with contextlib.suppress(httpx.HTTPError):
                ready = httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            time.sleep(0.3)
        assert ready, out.read_text()
        time.sleep(2)  # the second worker may still be importing when the first answers
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        assert len(children) >= 2, "expected two worker processes"
        yield base, out.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


def statuses(base: str, token: str, count: int = 24) -> list[int]:
    # A new connection per request, so the kernel spreads them over both worker processes.
    return [
        httpx.get(
            f"{base}/api/projects", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).status_code
        for _ in range(count)
    ]


def test_token_lifecycle_seen_by_every_worker(served: tuple[str, str]) -> None:
    base, _ = served
    created = hub("token", "create", "--scopes", "read", "--name", "ci", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    token = key["token"]
    assert re.match(r"^hub_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", token)
    assert statuses(base, token) == [200] * 24  # cached in both workers now

    listed = hub("token", "list", "--json")
    entry = next(k for k in json.loads(listed.stdout) if k["id"] == key["id"])
    assert entry["scopes"] == ["read"] and "hash" not in entry and "token" not in entry
    assert token not in listed.stdout

    rotated = hub("token", "rotate", key["id"], "--json")
    assert rotated.returncode == 0, rotated.stderr
    new_token = json.loads(rotated.stdout)["token"]
    assert statuses(base, token) == [401] * 24, "a worker still accepted the rotated-away secret"
    assert statuses(base, new_token) == [200] * 24

    revoked = hub("token", "revoke", key["id"])
    assert revoked.returncode == 0, revoked.stderr
    assert statuses(base, new_token) == [401] * 24, "a worker still accepted a revoked key"
    assert hub("token", "rotate", key["id"]).returncode == 1  # a revoked key stays revoked


def test_bad_cli_input_is_a_clear_error() -> None:
    bad_scope = hub("token", "create", "--scopes", "read,root")
    assert bad_scope.returncode == 1 and "unknown scope" in bad_scope.stderr
    bad_id = hub("token", "revoke", "../x")
    assert bad_id.returncode == 1 and "not a key id" in bad_id.stderr
    unknown = hub("token", "revoke", "0" * 16)
    assert unknown.returncode == 1 and "no key" in unknown.stderr
    bad_project = hub("token", "create", "--scopes", "read", "--project", "a b")
    assert bad_project.returncode == 1


def test_login_url_gives_a_strict_httponly_cookie_once(served: tuple[str, str]) -> None:
    base, printed = served
    login = re.search(r"http://\S+/login\?token=[A-Za-z0-9_-]+", printed)
    assert login is not None, printed
    url = login.group(0).replace(re.match(r"http://[^/]+", login.group(0)).group(0), base)  # type: ignore[union-attr]
    assert httpx.get(f"{base}/api/projects").status_code == 401
    assert httpx.get(f"{base}/login").status_code == 200  # the login page needs no credential
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    session = answer.cookies["hub_session"]
    with httpx.Client(base_url=base, cookies={"hub_session": session}) as browser:
        assert browser.get("/api/projects").status_code == 200
        assert browser.post("/graphql", json={"query": "{ viewProjects { id } }"}).status_code == 200
        assert browser.post("/logout").status_code == 204
        assert browser.get("/api/projects").status_code == 401  # the session is revoked
    assert httpx.get(url, follow_redirects=False).status_code == 401  # one-time
    fresh = hub("login")
    assert fresh.returncode == 0 and "/login?token=" in fresh.stdout
