"""Fixtures of the query API tests: one generated code graph and one app per session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graph_factory import CodeGraph, build_code_graph
from neo4j import Driver
from tests_support import api_client

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="session")
def code_graph(driver: Driver, settings: Settings) -> CodeGraph:
    return build_code_graph(driver, database=settings.neo4j_database)


@pytest.fixture(scope="session")
def api(settings: Settings, code_graph: CodeGraph, admin_token: str) -> Iterator[TestClient]:
    with api_client(create_app(settings), admin_token) as client:
        yield client


@pytest.fixture(scope="session")
def gql(api: TestClient):  # type: ignore[no-untyped-def]
    """POST a GraphQL operation; returns the whole response body (data, errors, extensions)."""

    def call(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = api.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code in (200, 400), response.text
        return response.json()

    return call
