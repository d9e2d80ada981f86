"""One isolated runtime per test session: real Neo4j (+GDS, APOC), nats-server and redis-server
on free ports under a temporary HUB_HOME; never the user's own."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from neo4j import AsyncDriver, Driver

from app.config import Settings
from app.core.db import create_async_driver, create_driver
from app.core.migrations import migrate
from app.runtime import manager


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


RUNTIME_ENV_KEYS = ("HUB_HOME", "HUB_NEO4J_BOLT_PORT", "HUB_NEO4J_HTTP_PORT", "HUB_NATS_PORT",
                    "HUB_REDIS_PORT", "HUB_NEO4J_HEAP", "HUB_NEO4J_PAGECACHE")  # fmt: skip


@pytest.fixture(scope="session")
def runtime_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of the test runtime; set for the whole session so CLI subprocesses see it."""
    home = tmp_path_factory.mktemp("hub-home")
    env = {
        "HUB_HOME": str(home),
        "HUB_NEO4J_BOLT_PORT": str(free_port()),
        "HUB_NEO4J_HTTP_PORT": str(free_port()),
        "HUB_NATS_PORT": str(free_port()),
        "HUB_REDIS_PORT": str(free_port()),
        "HUB_NEO4J_HEAP": "2g",
        "HUB_NEO4J_PAGECACHE": "512m",
    }
    saved = {key: os.environ.get(key) for key in (*env, "HUB_NEO4J_URI", "HUB_NATS_URL", "HUB_REDIS_URL")}
    for key in ("HUB_NEO4J_URI", "HUB_NATS_URL", "HUB_REDIS_URL", "HUB_NEO4J_PASSWORD"):
        os.environ.pop(key, None)
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def settings(runtime_env: dict[str, str]) -> Iterator[Settings]:
    """The started runtime's settings; the runtime is stopped at the end of the session."""
    hub_settings = Settings(_env_file=None)  # type: ignore[call-arg]
    manager.up(hub_settings)

    async def apply_schema() -> None:
        driver = create_async_driver(hub_settings)
        try:
            await migrate(driver, database=hub_settings.neo4j_database)
        finally:
            await driver.close()

    asyncio.run(apply_schema())
    yield hub_settings
    manager.down(hub_settings)


@pytest.fixture(scope="session")
def hub_home(settings: Settings) -> Path:
    return settings.home


@pytest.fixture(scope="session")
def driver(settings: Settings) -> Iterator[Driver]:
    sync_driver = create_driver(settings)
    yield sync_driver
    sync_driver.close()


@pytest.fixture
async def async_driver(settings: Settings) -> AsyncIterator[AsyncDriver]:
    async_drv = create_async_driver(settings)
    yield async_drv
    await async_drv.close()


@pytest.fixture(scope="session")
def admin_token(settings: Settings) -> str:
    """An admin API key: what every test that calls the API sends."""
    from tests_support import create_token

    return create_token(settings, ["admin"])


@pytest.fixture(scope="session")
def auth_headers(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}
