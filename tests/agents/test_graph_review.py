"""graph-review on a fixture repository with known findings (an import cycle, a god class, dead
code, a heavily-called untested symbol, and a heavily-called tested one it must not flag), and
its negotiated sub-check: the flagged files handed to the linter over agent.negotiate.lint."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nats
from neo4j import Driver
from redis.asyncio import Redis

from app.agents import builtin
from app.agents import service as agents
from app.agents.models import AgentRequest, Outcome
from app.config import Settings
from app.core.db import create_async_driver
from ingest.pipeline import ingest_repository

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "graph_review"
PARAMS = {"min_callers": 3, "max_methods": 5}


def ingested(driver: Driver, tmp_path: Path, project: str) -> Path:
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURE, repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ingest_repository(driver, path=repo, project=project, history=0)
    return repo


async def review(settings: Settings, project: str, nc: object | None, **params: object):
    driver = create_async_driver(settings)
    try:
        request = AgentRequest(agent="graph-review", params={"project": project, **PARAMS, **params})
        return await builtin.run(
            "graph-review", request, builtin.BuiltinContext(driver=driver, settings=settings, nc=nc)
        )
    finally:
        await driver.close()


async def test_graph_review_finds_the_known_problems(settings: Settings, driver: Driver, tmp_path: Path):
    ingested(driver, tmp_path, "review-fixture")
    result = await review(settings, "review-fixture", None)
    assert result.status == Outcome.FAILED and result.target_id
    found = {(f.rule, f.path, f.message) for f in result.findings}
    assert found == {
        (
            "graph:import-cycle",
            "shop/billing.py",
            "import cycle: shop/billing.py -> shop/orders.py -> shop/billing.py",
        ),
        ("graph:untested-hotspot", "shop/pricing.py", "shop.pricing.price has 3 callers and no tests"),
        ("graph:god-class", "shop/everything.py", "shop.everything.Everything has 6 methods (god class)"),
        ("graph:dead-code", "shop/pricing.py", "shop.pricing._legacy_rounding is never called"),
    }
    # `discounted` has three callers too, one of them its test: not an untested hotspot
    assert not any("discounted" in message for _, _, message in found)
    assert "subchecks" not in result.output  # no NATS: no hand-off attempted


async def test_graph_review_hands_the_flagged_files_to_the_linter(
    settings: Settings, driver: Driver, tmp_path: Path
):
    ingested(driver, tmp_path, "review-negotiated")
    nc = await nats.connect(settings.nats_server_url)
    redis = Redis.from_url(settings.redis_server_url)
    async_driver = create_async_driver(settings)
    try:
        alone = await review(settings, "review-negotiated", nc)
        assert "no agent serves capability 'lint'" in alone.output["subchecks"]["lint"]["error"]
        assert len(alone.findings) == 4  # the review itself stands without the sub-check
        responders = await agents.serve_negotiation(
            driver=async_driver, settings=settings, nc=nc, redis=redis
        )
        result = await review(settings, "review-negotiated", nc)
        for sub in responders:
            await sub.unsubscribe()
    finally:
        await nc.drain()
        await redis.aclose()
        await async_driver.close()
    lint = result.output["subchecks"]["lint"]
    assert lint["responder"] == "linter" and lint["status"] == "failed"
    assert lint["files"] == 3  # billing.py, everything.py, pricing.py: the files the rules flagged
    assert [(f["rule"], f["path"], f["line"]) for f in lint["findings"]] == [
        ("ruff:F401", "shop/billing.py", 1)
    ]
