"""The same flows through every front door: REST, GraphQL, the CLI and the worker's cron job."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from neo4j import AsyncDriver
from tests_support import api_client, create_token
from typer.testing import CliRunner

from app.cli.main import app as cli
from app.config import Settings
from app.intelligence.jobs import predict_projects_job
from app.main import create_app


@pytest.fixture(scope="module")
def api(settings: Settings, risk_project: str, admin_token: str) -> Iterator[TestClient]:
    with api_client(create_app(settings), admin_token) as client:
        yield client


def test_scopes_guard_the_routes(api: TestClient, settings: Settings) -> None:
    """Reads need `read`, a prediction run `write`, training `admin`."""
    reader = {"Authorization": f"Bearer {create_token(settings, ['read'])}"}
    assert api.get("/api/intelligence/projects/risk-demo/predictions", headers=reader).status_code == 200
    assert api.post("/api/intelligence/projects/risk-demo/predict", headers=reader).status_code == 403
    assert api.post("/api/intelligence/projects/risk-demo/train", headers=reader).status_code == 403


def test_rest_predicts_and_lists(api: TestClient) -> None:
    run = api.post("/api/intelligence/projects/risk-demo/predict")
    assert run.status_code == 200, run.text
    assert run.json()["predictions"] == 41
    listed = api.get("/api/intelligence/projects/risk-demo/predictions", params={"limit": 5})
    assert listed.status_code == 200
    probabilities = [p["probability"] for p in listed.json()]
    assert len(probabilities) == 5 and probabilities == sorted(probabilities, reverse=True)
    assert listed.json()[0]["top_factors"][0]["text"]
    assert api.get("/api/intelligence/projects/risk-demo/predictions", params={"limit": 0}).status_code == 422
    assert api.post("/api/intelligence/projects/no-such-project/predict").status_code == 404


def test_graphql_reads_predictions(api: TestClient) -> None:
    api.post("/api/intelligence/projects/risk-demo/predict")
    body = api.post(
        "/graphql",
        json={
            "query": '{ riskPredictions(project: "risk-demo", limit: 3) '
            "{ target probability confidence topFactors { text } } }"
        },
    )
    rows = body.json()["data"]["riskPredictions"]
    assert len(rows) == 3 and rows[0]["probability"] >= rows[2]["probability"]


def test_cli_run_and_a_clear_error(risk_project: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["predict", "run", "--project", "risk-demo", "--no-refresh", "--json", "--top", "2"]
    )
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert runs[0]["predictions"] == 41 and len(runs[0]["top"]) == 2
    missing = runner.invoke(cli, ["predict", "run", "--project", "nope"])
    assert missing.exit_code == 1 and "no project 'nope'" in missing.output


async def test_worker_job_predicts_every_project(
    async_driver: AsyncDriver, settings: Settings, risk_project: str
) -> None:
    done = await predict_projects_job({"driver": async_driver, "settings": settings})
    assert done["risk-demo"] == 41
