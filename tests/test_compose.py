"""docker-compose.yml is a valid Compose file (checked by the Compose CLI itself)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    assert legacy, "make test installs docker-compose; neither `docker compose` nor it was found"
    return [legacy]


def test_compose_config_accepts_it() -> None:
    env = dict(os.environ, HUB_NEO4J_PASSWORD="compose-test-pw")
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
