"""The ``hub`` CLI as a user runs it, as a subprocess against the session's runtime."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

from app.config import Settings

HUB = [sys.executable, "-m", "app.cli"]


def hub(
    *args: str, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUB, *args], capture_output=True, text=True, timeout=timeout,
                          env=env or dict(os.environ), check=False)  # fmt: skip


def test_status_json_reports_every_dependency(settings: Settings) -> None:
    result = hub("status", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(d["name"], d["up"]) for d in report["dependencies"]] == [
        ("neo4j", True),
        ("nats", True),
        ("redis", True),
    ]
    assert report["dependencies"][0]["version"].startswith("5.26.")


def test_cypher_with_params_as_json(settings: Settings) -> None:
    result = hub("cypher", "RETURN $n + 1 AS next, $name AS name", "--param", "n=41",
                 "--param", "name=hub", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"next": 42, "name": "hub"}]


def test_cypher_syntax_error_is_one_clear_line(settings: Settings) -> None:
    result = hub("cypher", "RETRUN 1")
    assert result.returncode == 1
    assert "syntax error" in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_bad_param_is_rejected(settings: Settings) -> None:
    result = hub("cypher", "RETURN 1", "--param", "oops")
    assert result.returncode == 1
    assert "name=value" in result.stderr


def test_migrate_twice_changes_nothing_the_second_time(settings: Settings, driver: Driver) -> None:
    first = hub("db", "migrate", "--json")
    assert first.returncode == 0, first.stderr
    before = _schema_snapshot(driver)
    second = json.loads(hub("db", "migrate", "--json").stdout)
    assert second["created"] == 0 and second["changed"] is False
    assert _schema_snapshot(driver) == before
    (version,) = driver.execute_query("MATCH (v:SchemaVersion) RETURN v.version AS v").records
    assert version["v"] == second["version"] >= 3


def _schema_snapshot(driver: Driver) -> tuple:
    constraints = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS n").records
    indexes = driver.execute_query("SHOW INDEXES YIELD name RETURN collect(name) AS n").records
    applied = driver.execute_query("MATCH (v:SchemaVersion) RETURN v.appliedAt AS at").records
    return sorted(constraints[0]["n"]), sorted(indexes[0]["n"]), [r["at"] for r in applied]


def test_data_survives_down_and_up(settings: Settings, driver: Driver) -> None:
    driver.execute_query("MERGE (:Persisted {id: 'keep-me', n: 7})")
    stopped = hub("down")
    assert stopped.returncode == 0, stopped.stderr
    assert "neo4j" in stopped.stdout
    log = settings.home / "neo4j" / "logs" / "neo4j.log"
    started = hub("up")
    assert started.returncode == 0, started.stderr + started.stdout
    # A clean shutdown: the next start did not need recovery.
    assert "recovery" not in log.read_text().lower().split("stopped.")[-1]
    records, _, _ = driver.execute_query("MATCH (p:Persisted {id: 'keep-me'}) RETURN p.n AS n")
    assert [r["n"] for r in records] == [7]


def test_up_when_running_is_fine(settings: Settings) -> None:
    result = hub("up")
    assert result.returncode == 0, result.stderr


# -- faults: each a clear message, a non-zero exit, and nothing half-started ---------------------


def _fault_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    from tests_support import free_ports

    bolt, http, nats_port, redis_port = free_ports(4)
    env = dict(os.environ)
    env.update({"HUB_HOME": str(tmp_path / "home"), "HUB_NEO4J_BOLT_PORT": str(bolt),
                "HUB_NEO4J_HTTP_PORT": str(http), "HUB_NATS_PORT": str(nats_port),
                "HUB_REDIS_PORT": str(redis_port), "HUB_STARTUP_TIMEOUT_S": "120"})  # fmt: skip
    env.update(extra)
    return env


def _nothing_running(home: Path) -> bool:
    run = home / "run"
    return not run.exists() or not any(run.glob("*.pid"))


def test_port_taken_names_the_port_and_starts_nothing(tmp_path: Path) -> None:
    env = _fault_env(tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", int(env["HUB_NEO4J_BOLT_PORT"])))
        blocker.listen()
        result = hub("up", env=env)
    assert result.returncode == 1
    assert f"port {env['HUB_NEO4J_BOLT_PORT']} is already taken" in result.stderr
    assert "HUB_NEO4J_BOLT_PORT" in result.stderr
    assert _nothing_running(Path(env["HUB_HOME"]))


def test_wrong_java_is_named(tmp_path: Path) -> None:
    fake_home = tmp_path / "jdk"
    env = _fault_env(tmp_path, HUB_NEO4J_JAVA_HOME=str(fake_home))
    result = hub("up", env=env)
    assert result.returncode == 1
    assert "Java 17 or 21" in result.stderr and "HUB_NEO4J_JAVA_HOME" in result.stderr
    assert _nothing_running(Path(env["HUB_HOME"]))


def test_java_25_is_refused(tmp_path: Path) -> None:
    java25 = next(Path("/usr/lib/jvm").glob("temurin-25*"), None)
    if java25 is None:  # the machine has no second JDK: test the refusal on a non-Java binary
        java25 = tmp_path / "notjava"
        (java25 / "bin").mkdir(parents=True)
        (java25 / "bin" / "java").symlink_to("/bin/true")
    result = hub("up", env=_fault_env(tmp_path, HUB_NEO4J_JAVA_HOME=str(java25)))
    assert result.returncode == 1
    assert "needs Java 17 or 21" in result.stderr


def test_neo4j_failing_to_start_shows_its_log(tmp_path: Path) -> None:
    # A heap the JVM refuses: the server dies at once and its output is shown.
    result = hub("up", env=_fault_env(tmp_path, HUB_NEO4J_HEAP="1k"))
    assert result.returncode == 1
    assert "neo4j exited during start-up" in result.stderr
    assert "heap" in result.stderr.lower()
    assert _nothing_running(Path(env_home := str(tmp_path / "home"))) and env_home


def test_wrong_password_is_named(settings: Settings) -> None:
    env = dict(os.environ, HUB_NEO4J_PASSWORD="definitely-wrong",
               HUB_NEO4J_URI=settings.neo4j_bolt_uri)  # fmt: skip
    result = hub("cypher", "RETURN 1", env=env)
    assert result.returncode == 1
    assert "rejected the user name or password" in result.stderr


def test_maven_central_unreachable_is_named(tmp_path: Path) -> None:
    """An empty artifact cache and an unreachable repository: the message says what to fix."""
    m2 = tmp_path / "m2"
    m2.mkdir()
    (m2 / "settings.xml").write_text(
        "<settings><mirrors><mirror><id>dead</id><mirrorOf>*</mirrorOf>"
        "<url>http://127.0.0.1:9/maven2</url></mirror></mirrors>"
        f"<localRepository>{m2 / 'repo'}</localRepository></settings>"
    )
    env = _fault_env(tmp_path, HUB_RUNTIME_CACHE=str(tmp_path / "cache"),
                     MAVEN_OPTS=f"-Dmaven.repo.local={m2 / 'repo'}")  # fmt: skip
    env["HUB_MAVEN_SETTINGS"] = str(m2 / "settings.xml")
    result = hub("up", env=env)
    assert result.returncode == 1
    assert "Maven Central is unreachable" in result.stderr
    assert _nothing_running(Path(env["HUB_HOME"]))


@pytest.mark.parametrize("command", [["--help"], ["db", "--help"]])
def test_help(command: list[str]) -> None:
    assert hub(*command).returncode == 0


def test_external_dependencies_are_used_and_nothing_local_is_started(
    settings: Settings, tmp_path: Path
) -> None:
    """With all three configured as external, `hub up` starts nothing and only checks and migrates."""
    _, password = settings.neo4j_auth()
    external = {
        "HUB_NEO4J_URI": settings.neo4j_bolt_uri,
        "HUB_NEO4J_PASSWORD": password,
        "HUB_NATS_URL": settings.nats_server_url,
        "HUB_REDIS_URL": settings.redis_server_url,
    }
    env = _fault_env(tmp_path, **external)
    result = hub("up", env=env)
    assert result.returncode == 0, result.stderr
    assert _nothing_running(Path(env["HUB_HOME"]))
    assert not (Path(env["HUB_HOME"]) / "neo4j").exists()
    status = json.loads(hub("status", "--json", env=env).stdout)
    assert all(d["up"] and not d["managed"] for d in status["dependencies"])
    # An external NATS that is down is named, and `hub up` fails.
    env["HUB_NATS_URL"] = "nats://127.0.0.1:9"
    failed = hub("up", env=env)
    assert failed.returncode == 1 and "nats at nats://127.0.0.1:9" in failed.stderr


def test_serve_with_two_workers_answers_from_both(settings: Settings) -> None:
    """`hub serve --workers 2`: two processes behind one loopback port, each serving the API."""
    import time
    import urllib.request

    from tests_support import free_ports

    (port,) = free_ports(1)
    process = subprocess.Popen([*HUB, "serve", "--port", str(port), "--workers", "2"], env=dict(os.environ),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline, pids, status = time.monotonic() + 90, set(), 0
        while time.monotonic() < deadline and (len(pids) < 2 or status != 200):
            time.sleep(0.3)
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    status = response.status
            except OSError:
                continue
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
            pids = {pid for pid in children if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()}
        assert status == 200
        assert len(pids) == 2, "expected two uvicorn worker processes"
    finally:
        process.terminate()
        process.wait(timeout=30)
