"""The local nats-server and redis-server accept only the hub's generated credentials; the git
hooks' NATS user may publish this hub's code.pushed and nothing else (issue 12)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nats
import pytest
import redis
from nats.errors import Error as NatsError

from app.config import NATS_HOOKS_USER, NATS_HUB_USER, Settings
from app.core.nats import HOOKS_INBOX_PREFIX
from app.events.models import EventQuery
from app.events.service import EventService

ROOT = Path(__file__).resolve().parents[2]
HUB = str(Path(sys.executable).with_name("hub"))
PUSH = {"repo": "/nowhere", "project": "p", "ref": "refs/heads/main", "before": "0" * 40, "after": "a" * 40}


def _secret_files(settings: Settings) -> list[Path]:
    return [
        settings.nats_password_file(NATS_HUB_USER),
        settings.nats_password_file(NATS_HOOKS_USER),
        settings.redis_password_file,
        settings.secrets_dir / "nats-server.conf",
        settings.secrets_dir / "redis.conf",
    ]


def test_secret_files_are_private_and_passwords_never_on_a_command_line(settings: Settings) -> None:
    assert settings.secrets_dir.stat().st_mode & 0o777 == 0o700
    for path in _secret_files(settings):
        assert path.stat().st_mode & 0o777 == 0o600, path
    passwords = [path.read_text().strip() for path in _secret_files(settings)[:3]]
    assert all(len(p) >= 24 for p in passwords) and len(set(passwords)) == 3
    # Every local user can read /proc/<pid>/cmdline: no password may be there.
    for name in ("nats", "redis"):
        pid = int((settings.home / "run" / f"{name}.pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        assert not any(p in cmdline for p in passwords), name
    # Redis keeps only the password's digest in its configuration.
    assert passwords[2] not in (settings.secrets_dir / "redis.conf").read_text()


def test_status_output_shows_no_password(settings: Settings) -> None:
    status = subprocess.run([HUB, "status", "--json"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    for path in _secret_files(settings)[:3]:
        assert path.read_text().strip() not in status.stdout + status.stderr
    urls = {d["name"]: d["url"] for d in json.loads(status.stdout)["dependencies"]}
    assert urls["nats"].startswith("nats://hub:***@") and urls["redis"].startswith("redis://hub:***@")


async def test_nats_refuses_a_connection_without_or_with_wrong_credentials(settings: Settings) -> None:
    for url in (f"nats://127.0.0.1:{settings.nats_port}", f"nats://hub:wrong@127.0.0.1:{settings.nats_port}"):
        with pytest.raises(NatsError, match="Authorization Violation"):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2,
                               error_cb=_ignore)  # fmt: skip
    hub = await nats.connect(settings.nats_server_url, error_cb=_ignore)
    assert (await hub.jetstream().account_info()).streams >= 0
    await hub.close()


def test_redis_refuses_a_connection_without_or_with_wrong_credentials(settings: Settings) -> None:
    for client in (redis.Redis(port=settings.redis_port), redis.Redis(port=settings.redis_port, password="x"),
                   redis.Redis(port=settings.redis_port, username="hub", password="wrong")):  # fmt: skip
        with pytest.raises(redis.AuthenticationError):
            client.ping()
        client.close()
    with redis.Redis.from_url(settings.redis_server_url) as client:
        assert client.ping() is True


async def _ignore(_: Exception) -> None:
    return None


async def test_the_hooks_user_may_only_publish_code_pushed(settings: Settings) -> None:
    hook = EventService(settings, service="git-hook", as_hook=True)
    await hook.connect()
    hub = EventService(settings, service="hooks-test")
    await hub.connect()
    try:
        ack = await hook.publish(hook.event("hub.local.code.pushed", PUSH, id="hook-" + uuid.uuid4().hex))
        assert ack.seq > 0
        # Any other subject (also another hub's code.pushed) is refused by the server: no ack.
        for subject in ("hub.local.task.created", "hub.other.code.pushed", "hub.global.code.pushed"):
            before = await hub.last_seq()
            with pytest.raises(Exception):  # a permission error or no ack
                await hook.js.publish(subject, b'{"x": 1}', timeout=1)  # type: ignore[union-attr]
            assert await hub.last_seq() == before
    finally:
        await hook.close()
        await hub.close()


async def test_the_hooks_user_can_neither_read_events_nor_use_the_stream_api(settings: Settings) -> None:
    errors: list[str] = []

    async def collect(error: Exception) -> None:
        errors.append(str(error))

    nc = await nats.connect(settings.nats_hooks_server_url, inbox_prefix=HOOKS_INBOX_PREFIX, error_cb=collect)
    try:
        for subject in ("hub.>", "hub.local.code.pushed", "_INBOX.>", "$JS.API.>"):
            await nc.subscribe(subject)
        with pytest.raises(Exception):  # the stream API is out of reach
            await nc.jetstream(timeout=1).stream_info(settings.events_stream)
        await nc.flush(timeout=2)
        await asyncio.sleep(0.3)
    finally:
        await nc.close()
    denied = " ".join(errors).lower()  # nats-py lowercases the server's message
    for subject in ("hub.>", "hub.local.code.pushed", "_INBOX.>", "$JS.API.>"):
        assert f'subscription to "{subject.lower()}"' in denied, denied
    assert 'publish to "$js.api.stream.info' in denied
    # Nor can it read the hub's replies with the default inbox prefix.
    with pytest.raises(Exception):  # its reply inbox is refused: no ack
        default = await nats.connect(settings.nats_hooks_server_url, error_cb=_ignore)
        try:
            await default.jetstream(timeout=1).publish("hub.local.code.pushed", b"{}")
        finally:
            await default.close()


async def test_the_installed_hook_publishes_as_the_hooks_user(settings: Settings, tmp_path: Path) -> None:
    """A real commit runs the installed post-commit hook: the push is stored, sent by the hook's
    own connection, and the hook script holds no credential."""
    hook_text = (ROOT / "scripts/git-hooks/post-commit").read_text()
    assert "--as-hook" in hook_text
    for path in _secret_files(settings)[:3]:
        assert path.read_text().strip() not in hook_text
    repo = tmp_path / ("hooked" + uuid.uuid4().hex[:6])
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(ROOT / "scripts/git-hooks/post-commit", repo / ".git/hooks/post-commit")
    (repo / "a.py").write_text("x = 1\n")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one")
    head = git(repo, "rev-parse", "HEAD")
    events = EventService(settings, service="hooks-test")
    await events.connect()
    try:
        page = await events.query(EventQuery(subject="hub.local.code.pushed", limit=10_000))
    finally:
        await events.close()
    pushed = [e for e in page.events if e.data.get("after") == head]
    assert len(pushed) == 1 and pushed[0].source == "/hubs/local/git-hook"
    assert pushed[0].data["repo"] == str(repo)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "HUB": HUB}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()
