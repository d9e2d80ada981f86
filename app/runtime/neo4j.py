"""The local Neo4j server: configured, given a password, started and stopped under HUB_HOME."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from string import Template

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from app.config import Settings
from app.core.errors import RuntimeStartError
from app.runtime.artifacts import RUNTIME_RECIPES, Neo4jDistribution, ensure_distribution
from app.runtime.java import find_java
from app.runtime.processes import ManagedProcess, port_is_open, tail, wait_for_port
from app.runtime.secrets import ensure_secret

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"


class LocalNeo4j:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home / "neo4j"
        self.process = ManagedProcess(
            name="neo4j",
            pid_file=settings.home / "run" / "neo4j.pid",
            log_file=self.home / "logs" / "console.log",
            markers=(f"--home-dir={self.home}",),
        )

    # -- set-up -------------------------------------------------------------------------------
    def ensure_password(self) -> str:
        """The password from settings, else the generated one (created once, mode 0600)."""
        if self.settings.neo4j_password is not None:
            return self.settings.neo4j_password.get_secret_value()
        return ensure_secret(self.settings.password_file)

    def write_config(self, dist: Neo4jDistribution) -> Path:
        conf_dir = self.home / "conf"
        for folder in ("conf", "data", "logs", "import", "run"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        template = Template((RUNTIME_RECIPES / "neo4j" / "neo4j.conf.template").read_text())
        (conf_dir / "neo4j.conf").write_text(
            template.substitute(
                bolt_port=self.settings.neo4j_bolt_port,
                http_port=self.settings.neo4j_http_port,
                home=self.settings.home,
                plugins=dist.plugins,
                pagecache=self.settings.neo4j_pagecache,
            )
        )
        (conf_dir / "apoc.conf").write_text((RUNTIME_RECIPES / "neo4j" / "apoc.conf").read_text())
        return conf_dir

    def _set_initial_password(self, java: Path, dist: Neo4jDistribution, password: str) -> None:
        """Only before the very first start: the admin tool writes the auth file the server reads."""
        if (self.home / "data" / "dbms" / "auth.ini").exists():
            return
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}
        result = subprocess.run(
            [str(java), "-cp", f"{dist.lib}/*", "org.neo4j.cli.AdminTool", "dbms",
             "set-initial-password", "--", password],
            env=env, cwd=self.home, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeStartError("setting the initial Neo4j password failed:\n" + result.stderr[-2000:])

    # -- life cycle ---------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.process.is_running()

    def start(self) -> bool:
        """Start if not running; True when this call started it."""
        if self.is_running():
            return False
        for port in (self.settings.neo4j_bolt_port, self.settings.neo4j_http_port):
            if port_is_open(port):
                raise RuntimeStartError(
                    f"port {port} is already taken by another process, so Neo4j cannot listen on it",
                    hint="stop that process, or choose other ports with HUB_NEO4J_BOLT_PORT / "
                    "HUB_NEO4J_HTTP_PORT",
                )
        java = find_java(self.settings.neo4j_java_home)
        dist = ensure_distribution(self.settings.runtime_cache, self.settings.maven_settings)
        conf_dir = self.write_config(dist)
        password = self.ensure_password()
        self._set_initial_password(java, dist, password)
        heap = self.settings.neo4j_heap
        argv = [
            str(java),
            f"-Xms{min_heap(heap)}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-cp",
            # lib first: no plugin jar may shadow a server class.
            f"{dist.lib}/*:{conf_dir}/*:{dist.plugins}/*",
            ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={conf_dir}",
        ]
        self.process.start(argv, cwd=self.home)
        return True

    def wait_ready(self, deadline: float) -> None:
        wait_for_port(self.settings.neo4j_bolt_port, deadline=deadline, process=self.process)
        auth = self.settings.neo4j_auth()
        with GraphDatabase.driver(self.settings.neo4j_bolt_uri, auth=auth) as driver:
            while True:
                try:
                    driver.execute_query("RETURN 1", database_=self.settings.neo4j_database)
                    return
                except AuthError as error:
                    raise RuntimeStartError(
                        f"Neo4j rejected the password for user {auth[0]!r}",
                        hint=f"the password in {self.settings.password_file} (or HUB_NEO4J_PASSWORD) "
                        f"does not match the database in {self.home / 'data'}",
                    ) from error
                except ServiceUnavailable:
                    pass
                except Exception as error:  # database still starting: "not available yet"
                    if "unavailable" not in str(error).lower() and time.monotonic() > deadline:
                        raise
                if time.monotonic() > deadline or self.process.has_exited():
                    raise RuntimeStartError(
                        f"Neo4j did not become ready; the end of its log:\n"
                        f"{tail(self.home / 'logs' / 'neo4j.log')}\n{tail(self.process.log_file)}"
                    )
                time.sleep(0.3)

    def stop(self) -> bool:
        return self.process.stop(timeout=90)


def min_heap(heap: str) -> str:
    """Start at a quarter of the maximum (at least 512m): the JVM grows it when needed."""
    units = {"k": 1, "m": 1024, "g": 1024 * 1024}
    kib = int(heap[:-1]) * units[heap[-1]]
    return f"{max(kib // 4, 512 * 1024) // 1024}m"
