"""Schemathesis over /openapi.json (every route, mutating ones included, with an admin credential)
against a served app and real Neo4j: no generated request may produce a 5xx."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from tests_support import free_ports

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def served_api(settings: Settings, code_graph, auth_headers: dict[str, str]) -> Iterator[str]:
    (port,) = free_ports(1)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1, headers=auth_headers).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def test_no_server_errors(served_api: str, auth_headers: dict[str, str]) -> None:
    # schemathesis' pytest plugin does not support pytest 9 yet: drive each operation with hypothesis.
    schema = schemathesis.openapi.from_url(f"{served_api}/openapi.json", headers=auth_headers)
    # Every route but the endless event stream (a GET that never completes by design).
    operations = [
        result.ok() for result in schema.get_all_operations() if result.ok().path != "/api/events/stream"
    ]
    methods = {op.method.upper() for op in operations}
    assert len(operations) >= 15 and {"GET", "POST"} <= methods, [op.path for op in operations]

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def no_5xx(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=[not_a_server_error], headers=auth_headers)

        no_5xx()
