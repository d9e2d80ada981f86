"""docker-compose.yml is a valid Compose file (checked by the Compose CLI itself)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
import warnings
from pathlib import Path

import nats
import pytest
import redis
import yaml
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from tests_support import free_ports

from app.core.nats import HOOKS_INBOX_PREFIX

ROOT = Path(__file__).resolve().parents[1]


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    assert legacy, "make test installs docker-compose; neither `docker compose` nor it was found"
    return [legacy]


def test_compose_config_accepts_it() -> None:
    env = dict(os.environ, HUB_NEO4J_PASSWORD="compose-test-pw", **COMPOSE_SECRETS)
    result = subprocess.run([*compose_command(), "config"], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert set(config["services"]) == {"neo4j", "nats", "redis", "api", "worker"}
    assert config["services"]["neo4j"]["image"].startswith("neo4j:5.26")
    assert "-js" in config["services"]["nats"]["command"]
    for service in config["services"].values():
        for port in service.get("ports", []):
            assert str(port.get("host_ip", port) if isinstance(port, dict) else port).startswith("127.0.0.1")


def test_compose_refuses_a_missing_password() -> None:
    env = {k: v for k, v in os.environ.items() if k != "HUB_NEO4J_PASSWORD"}
    result = subprocess.run([*compose_command(), "config"], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert result.returncode != 0
    assert "HUB_NEO4J_PASSWORD" in result.stderr


def _rendered(env: dict[str, str]) -> dict:
    result = subprocess.run([*compose_command(), "config"], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=True)  # fmt: skip
    return yaml.safe_load(result.stdout)


def _wait_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else "exited"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


COMPOSE_SECRETS = {
    "HUB_NATS_PASSWORD": "nats-pw-" + uuid.uuid4().hex,
    "HUB_NATS_HOOKS_PASSWORD": "hooks-pw-" + uuid.uuid4().hex,
    "HUB_REDIS_PASSWORD": "redis-pw-" + uuid.uuid4().hex,
}


def test_compose_refuses_to_start_the_bus_or_the_cache_without_passwords() -> None:
    for missing in COMPOSE_SECRETS:
        env = {**os.environ, "HUB_NEO4J_PASSWORD": "compose-test-pw", **COMPOSE_SECRETS}
        del env[missing]
        result = subprocess.run([*compose_command(), "config"], cwd=ROOT, env=env, capture_output=True,
                                text=True, check=False)  # fmt: skip
        assert result.returncode != 0 and missing in result.stderr, missing


def test_compose_nats_and_redis_accept_only_their_credentials(tmp_path: Path) -> None:
    """The nats and redis services as docker-compose.yml runs them (same configuration file, same
    arguments, same start-up script), on this machine's servers: anonymous clients are refused,
    the hub's URL works, the hooks' user may publish code.pushed only, and no password is on a
    command line."""
    env = {**os.environ, "HUB_NEO4J_PASSWORD": "compose-test-pw", **COMPOSE_SECRETS}
    services = _rendered(env)["services"]
    hub_env = services["api"]["environment"]
    nats_port, redis_port = free_ports(2)

    conf = next(v.split(":")[0] for v in services["nats"]["volumes"] if v.endswith(":/etc/nats/hub.conf:ro"))
    nats_args = [a.replace("/etc/nats/hub.conf", conf).replace("/data", str(tmp_path / "nats"))
                 for a in services["nats"]["command"]]  # fmt: skip
    nats_env = {**os.environ, **services["nats"]["environment"]}
    script = [a.replace("$$", "$").replace("/tmp/hub-users.acl", str(tmp_path / "users.acl"))
              for a in services["redis"]["command"]]  # fmt: skip
    processes = [
        subprocess.Popen(["nats-server", *nats_args, "-a", "127.0.0.1", "-p", str(nats_port), "-l",
                          str(tmp_path / "nats.log")], env=nats_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
        subprocess.Popen([*script, "--port", str(redis_port), "--bind", "127.0.0.1", "--dir", str(tmp_path)],
                         env={**os.environ, **services["redis"]["environment"]},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
    ]  # fmt: skip
    try:
        _wait_port(nats_port, processes[0])
        _wait_port(redis_port, processes[1])
        for process in processes:
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
            assert not any(secret in cmdline for secret in COMPOSE_SECRETS.values())

        hub_nats = hub_env["HUB_NATS_URL"].replace("@nats:4222", f"@127.0.0.1:{nats_port}")
        hub_redis = hub_env["HUB_REDIS_URL"].replace("@redis:6379", f"@127.0.0.1:{redis_port}")
        hooks = f"nats://hooks:{COMPOSE_SECRETS['HUB_NATS_HOOKS_PASSWORD']}@127.0.0.1:{nats_port}"
        try:
            asyncio.run(_check_nats(f"nats://127.0.0.1:{nats_port}", hub_nats, hooks))
        except (AssertionError, NatsError) as error:  # say what the server saw
            log = (tmp_path / "nats.log").read_text(errors="replace")[-4000:]
            raise AssertionError(f"{error!r}\nnats-server log:\n{log}") from error

        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(port=redis_port).ping()
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(port=redis_port, username="hub", password="wrong").ping()
        client = redis.Redis.from_url(hub_redis)
        assert client.set("compose-check", "1") and client.get("compose-check") == b"1"
        assert (tmp_path / "users.acl").stat().st_mode & 0o777 == 0o600
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


async def _check_nats(anonymous: str, hub: str, hooks: str) -> None:
    with pytest.raises(NatsError):
        await nats.connect(anonymous, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)
    hub_client = await nats.connect(hub, allow_reconnect=False)
    hooks_client = await nats.connect(hooks, allow_reconnect=False, inbox_prefix=HOOKS_INBOX_PREFIX)
    try:
        # The listener accepts clients before JetStream has finished setting up the account; wait
        # for its API to answer (as the hub's runtime does) so that set-up is behind the subscription.
        deadline = asyncio.get_running_loop().time() + 15
        while asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(NatsError):
                await hub_client.jetstream(timeout=1).account_info()
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("JetStream did not answer within 15 s")
        sub = await hub_client.subscribe("hub.>")
        await hub_client.flush()
        # Until the subscriber has seen one allowed message, keep sending (numbered): the check is
        # about permissions, not about how soon a fresh subscription carries its first message.
        first = None
        for attempt in range(100):
            await hooks_client.publish("hub.local.code.pushed", f"probe-{attempt}".encode())
            await hooks_client.flush()
            with contextlib.suppress(NatsTimeoutError):
                first = await sub.next_msg(timeout=0.2)
                break
        assert first is not None and first.subject == "hub.local.code.pushed", "no allowed message arrived"
        if attempt:  # visible in the CI log: how often a fresh subscription missed its first messages
            warnings.warn(f"compose NATS check: {attempt + 1} probes before one arrived", stacklevel=1)
        await hooks_client.publish("hub.local.task.created", b"{}")  # not allowed: dropped by the server
        await hooks_client.publish("hub.local.code.pushed", b"last")
        await hooks_client.flush()
        # One connection's messages arrive in order: the next message not being a late probe or the
        # disallowed one, but the last one sent, proves the disallowed publish was dropped.
        while True:
            message = await sub.next_msg(timeout=10)
            if not message.data.startswith(b"probe-"):
                break
        await sub.unsubscribe()
        assert (message.subject, message.data) == ("hub.local.code.pushed", b"last")
    finally:
        await hooks_client.close()
        await hub_client.close()
