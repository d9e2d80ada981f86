"""/healthz, /metrics and OpenAPI on the real runtime; 503 once a dependency is stopped."""

from __future__ import annotations

import time

from tests_support import api_client

from app.config import Settings
from app.main import create_app
from app.runtime.services import LocalRedis


def test_healthz_all_up_then_503_when_redis_stops(settings: Settings, admin_token: str) -> None:
    with api_client(create_app(settings), admin_token) as client:
        response = client.get("/healthz")
        assert response.status_code == 200, response.text
        body = response.json()
        assert {d["name"] for d in body["dependencies"]} == {"neo4j", "nats", "redis"}
        assert all(d["up"] and d["latency_ms"] is not None for d in body["dependencies"])

        redis_server = LocalRedis(settings, settings.redis_port)
        assert redis_server.stop()
        try:
            response = client.get("/healthz")
            assert response.status_code == 503
            down = {d["name"]: d["up"] for d in response.json()["dependencies"]}
            assert down == {"neo4j": True, "nats": True, "redis": False}
        finally:
            redis_server.start()
            redis_server.wait_ready(time.monotonic() + 30)
        assert client.get("/healthz").status_code == 200


def test_metrics_and_openapi(settings: Settings, admin_token: str) -> None:
    with api_client(create_app(settings), admin_token) as client:
        client.get("/healthz")
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert 'hub_http_requests_total{method="GET",route="/healthz"' in metrics.text
        spec = client.get("/openapi.json").json()
        assert "/healthz" in spec["paths"]
        assert client.get("/docs").status_code == 200
