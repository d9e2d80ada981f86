"""``hub up`` and ``hub down``: the local runtime as one unit.

A failed ``up`` stops what it started, so nothing is left half-started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from app.config import Settings
from app.runtime.neo4j import LocalNeo4j
from app.runtime.services import LocalNats, LocalRedis


class LocalComponent(Protocol):
    def is_running(self) -> bool: ...
    def start(self) -> bool: ...
    def wait_ready(self, deadline: float) -> None: ...
    def stop(self) -> bool: ...


def local_components(settings: Settings) -> dict[str, LocalComponent]:
    """The dependencies this hub manages itself; external ones are not here."""
    components: dict[str, LocalComponent] = {}
    if settings.nats_managed:
        components["nats"] = LocalNats(settings, settings.nats_port)
    if settings.redis_managed:
        components["redis"] = LocalRedis(settings, settings.redis_port)
    if settings.neo4j_managed:
        components["neo4j"] = LocalNeo4j(settings)
    return components


def up(settings: Settings, report: Callable[[str], None] = lambda _: None) -> list[str]:
    """Start every local dependency that is not running and wait until all answer.

    Returns the names of those this call started. Starting all first and then waiting lets
    NATS and Redis come up while the JVM warms.
    """
    components = local_components(settings)
    started: list[str] = []
    try:
        for name, component in components.items():
            if component.start():
                started.append(name)
                report(f"starting {name}")
            else:
                report(f"{name} already running")
        deadline = time.monotonic() + settings.startup_timeout_s
        for name, component in components.items():
            component.wait_ready(deadline)
            report(f"{name} ready")
    except BaseException:
        for name in reversed(started):
            components[name].stop()
            report(f"stopped {name} again")
        raise
    return started


def down(settings: Settings, report: Callable[[str], None] = lambda _: None) -> list[str]:
    stopped = []
    # Neo4j first: it may still be flushing while the others go.
    for name, component in reversed(list(local_components(settings).items())):
        if component.stop():
            stopped.append(name)
            report(f"stopped {name}")
        else:
            report(f"{name} was not running")
    return stopped
