"""The built-in agents on real code: a deliberately vulnerable fixture with known findings, and
the hub's own code; findings recorded as (:Audit)-[:ABOUT]->(:Project) with (:Finding)-[:IN]->(:File)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from neo4j import Driver

from app.agents import service as agents
from app.agents.builtin import sandbox_prefix
from app.agents.models import AgentRequest, Outcome
from app.config import Settings
from app.core.db import create_async_driver
from ingest.pipeline import ingest_repository

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vulnerable_py"
ROOT = Path(__file__).resolve().parents[2]


def ingested_fixture(driver: Driver, tmp_path: Path, project: str) -> Path:
    repo = tmp_path / "vulnerable"
    shutil.copytree(FIXTURE, repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ingest_repository(driver, path=repo, project=project, history=0)
    return repo


async def invoke(settings: Settings, agent: str, **params: object):
    async_driver = create_async_driver(settings)
    try:
        request = AgentRequest(agent=agent, params=params)
        return await agents.invoke(
            driver=async_driver, settings=settings, nc=None, request=request, timeout_s=300
        )
    finally:
        await async_driver.close()


def rules(result) -> dict[str, list[tuple[str | None, int | None]]]:
    found: dict[str, list[tuple[str | None, int | None]]] = {}
    for finding in result.findings:
        found.setdefault(finding.rule, []).append((finding.path, finding.line))
    return found


async def test_linter_finds_the_unused_import_and_variable(
    settings: Settings, driver: Driver, tmp_path: Path
):
    ingested_fixture(driver, tmp_path, "vuln-lint")
    result = await invoke(settings, "linter", project="vuln-lint")
    assert result.status == Outcome.FAILED
    found = rules(result)
    assert ("service.py", 1) in found["ruff:F401"] and ("service.py", 17) in found["ruff:F841"]


async def test_security_scan_finds_shell_injection_pickle_and_the_key(
    settings: Settings, driver: Driver, tmp_path
):
    ingested_fixture(driver, tmp_path, "vuln-sec")
    result = await invoke(settings, "security-scan", project="vuln-sec")
    found = rules(result)
    assert result.status == Outcome.FAILED
    assert ("service.py", 9) in found["bandit:B602"]  # subprocess with shell=True
    assert ("service.py", 13) in found["bandit:B301"]  # pickle.loads
    assert ("service.py", 5) in found["secret:AWS Access Key"]
    assert all("AKIA" not in f.message for f in result.findings)  # the secret itself is never copied


async def test_test_runner_reports_the_failing_test_and_its_sandbox(
    settings: Settings, driver: Driver, tmp_path
):
    ingested_fixture(driver, tmp_path, "vuln-tests")
    result = await invoke(settings, "test-runner", project="vuln-tests", timeout=120)
    assert result.status == Outcome.FAILED, result.summary
    assert result.output["tests"] == 2 and result.output["failing"] == 1
    (finding,) = result.findings
    assert "test_total_is_wrong_on_purpose" in finding.message
    _, isolation = sandbox_prefix()
    assert result.output["sandbox"][: len(isolation)] == isolation  # says what it got, no more
    assert "rlimit-as 4GiB" in result.output["sandbox"]


async def test_findings_are_recorded_as_an_audit_linked_to_files(
    settings: Settings, driver: Driver, tmp_path
):
    ingested_fixture(driver, tmp_path, "vuln-audit")
    result = await invoke(settings, "security-scan", project="vuln-audit")
    async_driver = create_async_driver(settings)
    try:
        audit_id = await agents.record_audit(
            driver=async_driver,
            settings=settings,
            audit_id="audit-vuln-1",
            agent="security-scan",
            result=result,
        )
    finally:
        await async_driver.close()
    assert audit_id == "audit-vuln-1"
    records, _, _ = driver.execute_query(
        "MATCH (a:Audit {id: 'audit-vuln-1'})-[:ABOUT]->(p:Project {name: 'vuln-audit'}) "
        "MATCH (a)-[:HAS_FINDING]->(f:Finding) OPTIONAL MATCH (f)-[:IN]->(file:File) "
        "RETURN a.status AS status, a.kind AS kind, f.rule AS rule, f.line AS line, file.path AS path"
    )
    assert {r["status"] for r in records} == {"failed"} and {r["kind"] for r in records} == {"security-scan"}
    assert ("bandit:B602", 9, "service.py") in {(r["rule"], r["line"], r["path"]) for r in records}


async def test_graph_review_and_linter_on_the_hubs_own_code(
    settings: Settings, driver: Driver, tmp_path: Path
):
    """The hub's own app/ package: ruff is clean (CI enforces it), and the graph review runs its
    four rules over the ingested graph."""
    ingest_repository(driver, path=ROOT, project="hub-self", history=0, paths=None)
    lint = await invoke(settings, "linter", project="hub-self")
    assert lint.status == Outcome.PASSED, lint.summary
    review = await invoke(settings, "graph-review", project="hub-self", min_callers=3, max_methods=15)
    assert review.status in (Outcome.PASSED, Outcome.FAILED), review.summary
    assert review.target_id is not None
    for finding in review.findings:
        assert finding.rule.startswith("graph:") and finding.path


async def test_bad_requests_are_errors_not_crashes(settings: Settings):
    result = await invoke(settings, "linter", project="no-such-project")
    assert result.status == Outcome.ERROR and "no ingested repository" in result.summary
    result = await invoke(settings, "linter")
    assert result.status == Outcome.ERROR and "say what to check" in result.summary


async def test_agents_never_run_in_a_folder_the_hub_does_not_know(settings: Settings, tmp_path: Path):
    """``with.repo`` naming any folder (here one whose .venv python and conftest would run) is
    refused; so are pytest options that load code or delete folders (issue 12, inputs reaching a
    process)."""
    planted = tmp_path / "planted"
    (planted / ".venv" / "bin").mkdir(parents=True)
    marker = tmp_path / "ran"
    (planted / ".venv" / "bin" / "python").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (planted / ".venv" / "bin" / "python").chmod(0o755)
    (planted / "conftest.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    for agent in ("test-runner", "linter", "security-scan"):
        result = await invoke(settings, agent, repo=str(planted), timeout=60)
        assert result.status == Outcome.ERROR and "not a repository of this hub" in result.summary
    assert not marker.exists()
    doomed = tmp_path / "doomed"
    doomed.mkdir()
    (doomed / "keep.txt").write_text("x")
    bad_args = [["--basetemp", str(doomed)], [f"--basetemp={doomed}"], ["-p", "os"], ["/etc/passwd"],
                ["../outside_test.py"], ["-k", "--basetemp=/tmp"], ["-c", "/tmp/x.ini"]]  # fmt: skip
    for args in bad_args:
        result = await invoke(settings, "test-runner", project="no-such-project", args=args, timeout=60)
        refused = "pytest option" in result.summary or "test path" in result.summary
        assert result.status == Outcome.ERROR and refused, (args, result.summary)
    assert (doomed / "keep.txt").exists()


def test_pytest_arguments_keep_selection_options_and_relative_paths():
    from app.agents.builtin import pytest_arguments

    allowed = ["-x", "-k", "total and not slow", "tests/test_a.py::test_one", "-m", "fast", "--maxfail", 3]
    assert pytest_arguments(allowed) == [str(arg) for arg in allowed]
