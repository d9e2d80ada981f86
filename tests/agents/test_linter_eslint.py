"""eslint in the linter agent on a JS repository with a flat eslint config: the hub's own eslint
(tools/eslint) when the repository has none installed, the repository's own when it has one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.agents import builtin
from app.agents.models import AgentRequest, Outcome
from app.config import Settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "eslint_js"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The linter with ``with.repo`` under HUB_INGEST_ROOTS reads no database: no runtime started."""
    return Settings(_env_file=None, home=tmp_path / "home", ingest_roots=[tmp_path.resolve()])  # type: ignore[call-arg]


async def lint(settings: Settings, repo: Path, **params: object):
    request = AgentRequest(agent="linter", params={"repo": str(repo), **params})
    context = builtin.BuiltinContext(driver=None, settings=settings)  # type: ignore[arg-type]
    return await builtin.run("linter", request, context)


async def test_the_hubs_eslint_applies_the_repositorys_config(settings: Settings, tmp_path: Path):
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURE, repo)
    assert not (repo / "node_modules").exists()
    assert builtin.eslint_binary(repo) == builtin.HUB_ESLINT  # installed by `make install-tools`
    result = await lint(settings, repo)
    assert result.status == Outcome.FAILED
    found = {(f.rule, f.severity, f.path, f.line): f.message for f in result.findings}
    assert found == {
        ("eslint:eqeqeq", "medium", "src/cart.js", 5): "Expected '===' and instead saw '=='.",
        ("eslint:no-unused-vars", "low", "src/cart.js", 2): "'unused' is assigned a value but never used.",
    }
    # the config's own rules, nothing else: without the config the same code gets no findings
    (repo / "eslint.config.js").unlink()
    assert (await lint(settings, repo)).findings == []


async def test_a_negotiated_file_list_limits_eslint_to_those_files(settings: Settings, tmp_path: Path):
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURE, repo)
    clean = await lint(settings, repo, files=["src/clean.js"])
    assert clean.status == Outcome.PASSED and clean.findings == []
    dirty = await lint(settings, repo, files=["src/cart.js"])
    assert {f.rule for f in dirty.findings} == {"eslint:eqeqeq", "eslint:no-unused-vars"}
    outside = await lint(settings, repo, files=["../../etc/passwd"])
    assert outside.status == Outcome.ERROR and "not a file inside the repository" in outside.summary


async def test_the_repositorys_own_eslint_wins_over_the_hubs(settings: Settings, tmp_path: Path):
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURE, repo)
    own = repo / "node_modules" / ".bin" / "eslint"
    own.parent.mkdir(parents=True)
    # a stand-in eslint (a real executable) that reports one finding of a rule only it knows
    own.write_text(
        "#!/bin/sh\n"
        'echo \'[{"filePath": "src/cart.js", "messages": [{"ruleId": "own-rule", "severity": 2, '
        '"message": "from the repository eslint", "line": 3}]}]\'\n'
        "exit 1\n"
    )
    own.chmod(0o755)
    assert builtin.eslint_binary(repo) == own
    result = await lint(settings, repo)
    assert [(f.rule, f.line, f.message) for f in result.findings] == [
        ("eslint:own-rule", 3, "from the repository eslint")
    ]
