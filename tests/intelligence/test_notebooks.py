"""The analysts' notebooks run against a seeded test runtime, so a query or API they use cannot
rot unnoticed; and they are committed without outputs."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import nbformat
import pytest
from history_repo_factory import HistoryRepo
from nbclient import NotebookClient

from app.agents.models import AgentResult, Finding, Outcome
from app.agents.service import new_audit_id, record_audit
from app.config import Settings
from app.core.db import create_async_driver
from app.health.services_health import ServiceRegistration, register_service
from app.intelligence import flows

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert {p.stem for p in ALL} >= {"risk_exploration", "communities_centrality", "ecosystem_kpis"}


def dirty_cells(notebook: nbformat.NotebookNode) -> list[int]:
    return [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_outputs(path: Path) -> None:
    """Outputs hold data from whoever ran it last (paths, names) and make every diff noise:
    `make notebooks-strip` clears them."""
    dirty = dirty_cells(nbformat.read(path, as_version=4))
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts (make notebooks-strip)"


def test_an_executed_notebook_is_seen_as_dirty() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("1 + 1"), nbformat.v4.new_code_cell("2")]
    )
    notebook.cells[1].execution_count = 3
    assert dirty_cells(notebook) == [1]
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", text="2")]
    assert dirty_cells(notebook) == [0, 1]


@pytest.fixture(scope="module")
async def seeded(settings: Settings, risk_project: str, history_repo: HistoryRepo) -> AsyncIterator[str]:
    """A project with a trained model and predictions, a registered service and an audit with a
    finding: everything the notebooks read."""
    async_driver = create_async_driver(settings)
    run = await flows.predict_project(async_driver, home=settings.home, project_id=risk_project)
    assert run.predictions > 0
    await register_service(
        async_driver,
        registration=ServiceRegistration(
            name="notebook-api", kind="http", healthUrl="http://127.0.0.1:9/healthz"
        ),
        database=settings.neo4j_database,
    )
    hot = sorted(history_repo.hot)[0]
    audit = await record_audit(
        driver=async_driver,
        settings=settings,
        audit_id=new_audit_id(),
        agent="linter",
        result=AgentResult(
            status=Outcome.FAILED,
            summary="1 finding",
            findings=[Finding(rule="E999", severity="high", message="planted", path=hot, line=1)],
            audit_kind="lint",
            target_id=risk_project,
        ),
    )
    await async_driver.close()
    assert audit is not None
    yield risk_project


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_notebook_runs_against_the_runtime(path: Path, seeded: str) -> None:
    """Every cell runs in a fresh kernel that inherits the session's HUB_* environment; the
    notebooks assert on what they load, so an empty or broken query fails here. Figures are
    drawn by the kernel's inline backend (Agg, no display) and must come out as PNGs."""
    assert os.environ["HUB_HOME"]
    notebook = nbformat.read(path, as_version=4)
    os.environ["HUB_NOTEBOOK_PROJECT"] = "risk-demo"
    try:
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        ).execute()
    finally:
        os.environ.pop("HUB_NOTEBOOK_PROJECT", None)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, ARTIFACTS / path.name)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} drew no figure"
    text = json.dumps([o.get("data", {}).get("text/plain", o.get("text", "")) for o in outputs])
    assert "risk-demo" in text
