"""Back-test of file_defect_risk on real repositories (issue 15): rolling origin, no leakage,
bugspots and churn baselines in the same run.

    source <HUB_* of a running bench hub>; .venv/bin/python bench/backtest.py \
        --repo /work/.mirror/pallets+werkzeug/repo --repo ... [--horizon 90 --evaluate 6 --warmup 6 --step 120]

Each repository (a work tree or a bare mirror from the search tool's ``fetch``) is cloned with
``--shared --no-checkout`` into bench/out/repos (a bare mirror owned by another user is refused by
gitpython), then ``run_backtest`` ingests each origin's checkout into a throw-away project of the
hub that HUB_* points at. Writes bench/out/backtest-<repo>.json and prints a Markdown section.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from app.config import get_settings
from app.core.db import create_async_driver, create_driver
from app.intelligence.backtest import BacktestReport, run_backtest
from app.intelligence.learning import CANDIDATES

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def local_clone(source: Path) -> Path:
    name = source.parent.name.split("+")[-1] if source.name == "repo" else source.name
    target = OUT / "repos" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", "--end-of-options", str(source),
                        str(target)], check=True)  # fmt: skip
    return target


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def trio(m: dict) -> str:
    return " / ".join(fmt(m.get(k)) for k in ("rocAuc", "prAuc", "recallAt20Loc"))


def section(report: BacktestReport, seconds: float) -> str:
    lines = [f"### {report.repo} @ `{report.head[:12]}` ({report.commits} commits; {seconds:.0f} s)", "",
             "| T | commit | files | fix-touched | chosen | model | " + " | ".join(CANDIDATES) + " | bugspots | churn |",
             "|---|---|---|---|---|---|" + "---|" * len(CANDIDATES) + "---|---|"]  # fmt: skip
    for o in report.origins:
        day = time.strftime("%Y-%m-%d", time.gmtime(o.origin))
        lines.append(f"| {day} | `{o.commit[:10]}` | {o.files} | {o.positives} | {o.chosen} | {trio(o.model)} | "
                     + "".join(f"{trio(o.candidates.get(k, {}))} | " for k in CANDIDATES)
                     + f"{trio(o.bugspots)} | {trio(o.churn)} |")  # fmt: skip
    summary, pooled = report.summary(), report.pooled()
    scorers = ("model", *CANDIDATES, "bugspots", "churn")
    lines.append("| **median** | | | | | " + " | ".join(f"**{trio(summary[s])}**" for s in scorers) + " |")
    files = sum(o.files for o in report.origins)
    positives = sum(o.positives for o in report.origins)
    lines.append(f"| **pooled** | | {files} | {positives} | | "
                 + " | ".join(f"**{trio(pooled.get(s, {}))}**" for s in scorers) + " |")  # fmt: skip
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", action="append", required=True, type=Path)
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--evaluate", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=6)
    parser.add_argument("--step", type=int, default=120)
    args = parser.parse_args()
    settings = get_settings()
    driver, sync_driver = create_async_driver(settings), create_driver(settings)
    OUT.mkdir(parents=True, exist_ok=True)
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    sections = []
    try:
        for source in args.repo:
            repo = local_clone(source)
            started = time.perf_counter()
            report = await run_backtest(driver, sync_driver, repo_path=repo, horizon_days=args.horizon,
                                        evaluate=args.evaluate, warmup=args.warmup, step_days=args.step,
                                        database=settings.neo4j_database, progress=print)  # fmt: skip
            seconds = time.perf_counter() - started
            (OUT / f"backtest-{report.repo}.json").write_text(json.dumps(report.as_dict(), indent=1))
            (OUT / f"backtest-{report.repo}-rows.json").write_text(json.dumps(report.datasets))
            sections.append(section(report, seconds))
            print(sections[-1], flush=True)
    finally:
        sync_driver.close()
        await driver.close()
    print(f"\n## Defect-risk back-test (issue 15)\n\n- command: `bench/backtest.py --horizon {args.horizon} "
          f"--evaluate {args.evaluate} --warmup {args.warmup} --step {args.step}`\n- date: "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load before: {uptime}\n")  # fmt: skip
    print("\n\n".join(sections))


if __name__ == "__main__":
    asyncio.run(main())
