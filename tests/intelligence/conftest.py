"""Fixtures of the intelligence tests: one generated repository with a planted defect signal,
ingested with its history once per session."""

from __future__ import annotations

import pytest
from history_repo_factory import HistoryRepo, make_history_repo
from neo4j import Driver

from app.config import Settings
from ingest.pipeline import ingest_repository


@pytest.fixture(scope="session")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> HistoryRepo:
    return make_history_repo(tmp_path_factory.mktemp("risk") / "riskrepo")


@pytest.fixture(scope="session")
def risk_project(driver: Driver, settings: Settings, history_repo: HistoryRepo) -> str:
    summary = ingest_repository(
        driver, path=history_repo.root, project="risk-demo", database=settings.neo4j_database
    )
    assert summary.commits_added > 100
    return summary.project_id
