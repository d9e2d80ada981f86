"""The local runtime answers with the real components: Neo4j with GDS and APOC, JetStream, Redis."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import nats
import pytest
import redis
from graphdatascience import GraphDataScience
from neo4j import Driver
from pydantic import SecretStr
from tests_support import free_ports

from app.config import Settings
from app.runtime.artifacts import ensure_distribution
from app.runtime.java import find_java
from app.runtime.neo4j import LocalNeo4j
from app.runtime.services import LocalNats, LocalRedis


def test_gds_and_apoc_versions(driver: Driver) -> None:
    records, _, _ = driver.execute_query("RETURN gds.version() AS gds, apoc.version() AS apoc")
    assert records[0]["gds"].startswith("2.13.")
    assert records[0]["apoc"].startswith("5.26.")


def test_neo4j_is_community_5_26(driver: Driver) -> None:
    records, _, _ = driver.execute_query(
        "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition",
        database_="system",
    )
    assert records[0]["v"].startswith("5.26.")
    assert records[0]["edition"] == "community"


def test_graphdatascience_client_ranks_the_hub_first(settings: Settings, driver: Driver) -> None:
    driver.execute_query("MATCH (n:PrTest) DETACH DELETE n")
    # A star: every spoke points at the hub, the hub points at one spoke.
    driver.execute_query(
        """
        CREATE (h:PrTest {name: 'hub'})
        WITH h UNWIND range(1, 6) AS i
        CREATE (s:PrTest {name: 'spoke' + i})-[:LINK]->(h)
        WITH h, s WHERE s.name = 'spoke1'
        CREATE (h)-[:LINK]->(s)
        """
    )
    gds = GraphDataScience(settings.neo4j_bolt_uri, auth=settings.neo4j_auth())
    try:
        graph, _ = gds.graph.project.native("pr_test", "PrTest", "LINK")
        ranks = gds.page_rank.stream(graph)
        names = gds.util.as_nodes(ranks.sort_values("score", ascending=False)["nodeId"].tolist())
        ordered = [node["name"] for node in names]
        assert ordered[0] == "hub"
        assert ordered[1] == "spoke1"  # the only node the hub passes its rank to
        graph.drop()
    finally:
        gds.close()
        driver.execute_query("MATCH (n:PrTest) DETACH DELETE n")


def test_jetstream_is_enabled(settings: Settings) -> None:
    async def account() -> int:
        client = await nats.connect(settings.nats_server_url)
        try:
            info = await client.jetstream().account_info()
            return info.limits.max_streams
        finally:
            await client.close()

    assert asyncio.run(account()) != 0  # -1 (unlimited) or a positive limit; 0 means disabled


def test_redis_answers(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_server_url)
    try:
        assert client.ping() is True
        client.set("hub:test", "1")
        assert client.get("hub:test") == b"1"
    finally:
        client.close()


def test_password_file_is_private(settings: Settings) -> None:
    mode = settings.password_file.stat().st_mode & 0o777
    assert mode == 0o600
    assert len(settings.password_file.read_text().strip()) >= 24


def test_every_listener_binds_loopback(settings: Settings) -> None:
    """No local server listens beyond 127.0.0.1."""
    ports = {settings.neo4j_bolt_port, settings.neo4j_http_port, settings.nats_port, settings.redis_port}
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    for line in listening:
        local, state = line.split()[1], line.split()[3]
        address, port = local.split(":")
        if state == "0A" and int(port, 16) in ports:
            assert address == "0100007F", f"port {int(port, 16)} listens on {address}"


def test_a_password_starting_with_a_dash_is_set(settings: Settings, tmp_path: Path) -> None:
    """The admin tool must not read a password such as "-Tk5…" as an option (a CI run failed so)."""
    fresh = settings.model_copy(update={"home": tmp_path, "neo4j_password": SecretStr("-starts-with-a-dash")})
    server = LocalNeo4j(fresh)
    dist = ensure_distribution(fresh.runtime_cache, fresh.maven_settings)
    server.write_config(dist)
    server._set_initial_password(find_java(fresh.neo4j_java_home), dist, server.ensure_password())
    assert (server.home / "data" / "dbms" / "auth.ini").exists()


def test_generated_passwords_never_start_with_a_dash(settings: Settings, tmp_path: Path) -> None:
    for attempt in range(64):
        fresh = settings.model_copy(update={"home": tmp_path / str(attempt), "neo4j_password": None})
        assert not LocalNeo4j(fresh).ensure_password().startswith("-")


@pytest.mark.parametrize("server_class", [LocalRedis, LocalNats])
def test_a_server_stopped_right_after_its_start_is_gone(
    settings: Settings, tmp_path: Path, server_class: type
) -> None:
    """A failed `hub up` stops what it started at once; redis had not yet rewritten its process
    title then, and was left running (found as leftover redis-servers after test runs)."""
    (port,) = free_ports(1)
    server = server_class(settings.model_copy(update={"home": tmp_path}), port)
    assert server.start()
    pid = int(server.process.pid_file.read_text())
    assert server.stop()
    # stop() returns once the process is exiting; give the kernel a moment to finish it.
    deadline, exited = time.monotonic() + 10, False
    while not exited and time.monotonic() < deadline:
        try:
            exited = os.waitpid(pid, os.WNOHANG)[0] == pid
        except ChildProcessError:  # already reaped (by the runtime's own liveness check)
            exited = not Path(f"/proc/{pid}").exists()
        time.sleep(0.01)
    assert exited
