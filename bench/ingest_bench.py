"""Ingestion benchmark (issue 3): the hub against CodeGraphContext on the Django 5.2 sdist.

    .venv/bin/python bench/ingest_bench.py [--cgc /path/to/cgc-venv/bin/cgc] [--runs 3]
    .venv/bin/python bench/ingest_bench.py --scaling [--packages django,sympy,scipy]
                                           [--sizes 500000,1000000,1500000,2000000]

Starts its own runtime (HUB_HOME=bench/out/home, ports 37687/37474/34222/36379), so the user's
hub is never touched; wipes the database between tools; prints a Markdown section for
bench/RESULTS.md. Medians over ``--runs``; the machine is shared, so the ratio in the same run is
the figure that carries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import Measurement, run

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
HUB = str(ROOT / ".venv" / "bin" / "hub")
ENV = {**os.environ, "HUB_HOME": str(OUT / "home"), "HUB_NEO4J_BOLT_PORT": "37687",
       "HUB_NEO4J_HTTP_PORT": "37474", "HUB_NATS_PORT": "34222", "HUB_REDIS_PORT": "36379",
       "HUB_STARTUP_TIMEOUT_S": "400"}  # fmt: skip
for key in ("HUB_NEO4J_URI", "HUB_NATS_URL", "HUB_REDIS_URL", "HUB_NEO4J_PASSWORD"):
    ENV.pop(key, None)


def corpus(version: str = "5.2.*") -> Path:
    """The Django sdist as a git repository (downloaded once)."""
    target = OUT / "corpora" / "django-sdist"
    if (target / ".git").exists():
        return target
    download = OUT / "corpora" / "download"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    f"django=={version}", "-d", str(download)], check=True)  # fmt: skip
    archive = next(download.glob("django-*.tar.gz"))
    shutil.unpack_archive(archive, download, filter="data")  # our ownership, not the tarball's
    source = next(p for p in download.iterdir() if p.is_dir() and p.name.lower().startswith("django-"))
    shutil.move(source, target)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=b@x", "-c", "user.name=bench", "commit",
                                                 "-qm", "import"]):  # fmt: skip
        subprocess.run(["git", "-C", str(target), *args], check=True)
    return target


def cypher(query: str) -> list[dict]:
    result = subprocess.run(
        [HUB, "cypher", query, "--json"], env=ENV, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def wipe() -> None:
    cypher("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS")
    # The peer leaves constraints and indexes on generic labels behind; drop all but the hub's.
    for row in cypher("SHOW CONSTRAINTS YIELD name, labelsOrTypes RETURN name, labelsOrTypes"):
        if row["name"] not in HUB_CONSTRAINTS:
            cypher(f"DROP CONSTRAINT `{row['name']}` IF EXISTS")
    for row in cypher("SHOW INDEXES YIELD name, type, owningConstraint WHERE owningConstraint IS NULL "
                      "AND type <> 'LOOKUP' RETURN name"):  # fmt: skip
        if row["name"] not in HUB_INDEXES:
            cypher(f"DROP INDEX `{row['name']}` IF EXISTS")
    subprocess.run([HUB, "db", "migrate"], env=ENV, capture_output=True, check=True)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far of this process's finished children (the hub CLI and its parser workers)
    and of the Neo4j JVM: on a shared machine they move far less than wall time."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    pid = (OUT / "home" / "run" / "neo4j.pid").read_text().strip()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return children.ru_utime + children.ru_stime, (int(fields[11]) + int(fields[12])) / os.sysconf(
        "SC_CLK_TCK"
    )


def hub_ingest(path: Path, *extra: str) -> tuple[Measurement, dict]:
    """One `hub graph ingest`; the summary gains ``cpu``: CPU seconds of the hub and of Neo4j."""
    hub0, jvm0 = cpu_seconds()
    measured = run([HUB, "graph", "ingest", str(path), "--project", "django", "--lang", "py", "--json",
                    *extra], env=ENV)  # fmt: skip
    if measured.returncode != 0:
        raise SystemExit(measured.stderr)
    hub1, jvm1 = cpu_seconds()
    return measured, {
        **json.loads(measured.stdout),
        "cpu": {"hub": round(hub1 - hub0, 2), "neo4j": round(jvm1 - jvm0, 2)},
    }


def hub_counts() -> dict:
    kinds = cypher(
        "MATCH (s:Symbol) WHERE s.kind IN ['Class','Method','Function'] RETURN s.kind AS k, count(*) AS n"
    )
    rels = cypher("MATCH ()-[r:IMPORTS|CALLS|EXTENDS]->() RETURN type(r) AS t, count(*) AS n")
    files = cypher("MATCH (f:File) RETURN count(f) AS n")[0]["n"]
    return {"files": files, **{r["k"]: r["n"] for r in kinds}, **{r["t"]: r["n"] for r in rels}}


def peer_counts() -> dict:
    labels = cypher("MATCH (n) WHERE n:Class OR n:Function OR n:File RETURN labels(n)[0] AS k, count(*) AS n")
    rels = cypher("MATCH ()-[r:IMPORTS|CALLS|INHERITS]->() RETURN type(r) AS t, count(*) AS n")
    return {**{r["k"]: r["n"] for r in labels}, **{r["t"]: r["n"] for r in rels}}


def jvm_rss_mb() -> float:
    pid = (OUT / "home" / "run" / "neo4j.pid").read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def download_sdist(name: str, folder: Path) -> Path:
    """The latest sdist of ``name`` from PyPI's JSON API. Not ``pip download --no-binary``: that
    builds the package's metadata, which for scipy or numpy means their whole build toolchain."""
    with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60) as response:
        release = json.load(response)
    url = next(u["url"] for u in release["urls"] if u["packagetype"] == "sdist")
    archive = folder / url.rsplit("/", 1)[-1]
    if not archive.exists():
        urllib.request.urlretrieve(url, archive)
    return archive


def scaling_corpus(packages: list[str], lines: int) -> Path:
    """The first ``lines`` lines (whole files, in package then path order) of the sdists of
    ``packages`` (each under its own top folder) as one git repository; built once per size."""
    target = OUT / "corpora" / f"scaling-{'-'.join(packages)}-{lines}"
    if (target / ".git").exists():
        return target
    sources = []
    for name in packages:
        folder = OUT / "corpora" / f"sdist-{name}"
        if not folder.exists():
            download = OUT / "corpora" / f"download-{name}"
            download.mkdir(parents=True, exist_ok=True)
            archive = download_sdist(name, download)
            unpacked = download / "unpacked"
            shutil.unpack_archive(archive, unpacked, filter="data")
            shutil.move(next(unpacked.iterdir()), folder)
        sources += [(name, p) for p in sorted(folder.rglob("*.py")) if p.is_file() and not p.is_symlink()]
    taken = 0
    for name, source in sources:
        if taken >= lines:
            break
        rel = source.relative_to(OUT / "corpora" / f"sdist-{name}")
        (target / name / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name / rel)
        taken += source.read_bytes().count(b"\n")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=b@x", "-c", "user.name=bench", "commit",
                                                 "-qm", "import"]):  # fmt: skip
        subprocess.run(["git", "-C", str(target), *args], check=True, capture_output=True)
    return target


def scaling(packages: list[str], sizes: list[int]) -> None:
    """Cold ingest time and peak memory against size: near-linear, or which phase is not."""
    rows = []
    wipe()
    hub_ingest(scaling_corpus(packages, min(sizes)), "--history", "0")  # the JVM's warm-up, not reported
    for size in sizes:
        path = scaling_corpus(packages, size)
        files = [p for p in path.rglob("*.py") if ".git" not in p.parts]
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        wipe()
        shutil.rmtree(OUT / "home" / "cache", ignore_errors=True)
        load = os.getloadavg()[0]
        measured, summary = hub_ingest(path, "--history", "0")
        rows.append((lines, len(files), measured, summary, load, jvm_rss_mb()))
    print("## Cold ingest against size (issue 13)\n")
    print(f"- command: `.venv/bin/python bench/ingest_bench.py --scaling --packages {','.join(packages)} "
          f"--sizes {','.join(str(s) for s in sizes)}`")  # fmt: skip
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores; the machine is shared: "
          "load average per row\n")  # fmt: skip
    # write_files/write_symbols run beside resolve/plan (a second thread): phases overlap.
    phases = ["discover", "parse", "resolve", "write_files", "write_symbols", "wait_nodes", "write_edges"]
    print("| lines | files | load | cold ingest (s) | s per 100k lines | CPU hub / Neo4j (s) | hub peak RSS (MB) | "
          "Neo4j RSS (MB) | " + " | ".join(phases) + " |")  # fmt: skip
    print("|" + "---|" * (8 + len(phases)))
    for lines, files, measured, summary, load, jvm in rows:
        timings = summary["timings"]
        print(f"| {lines:,} | {files:,} | {load:.1f} | {measured.seconds:.1f} | "
              f"{measured.seconds / lines * 100_000:.2f} | {summary['cpu']['hub']:.1f} / {summary['cpu']['neo4j']:.1f} | "
              f"{measured.peak_rss_mb:.0f} | {jvm:.0f} | "
              + " | ".join(f"{timings.get(p, 0):.1f}" for p in phases) + " |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cgc", help="path to CodeGraphContext 0.6.13's `cgc` (its own venv)")
    parser.add_argument("--scaling", action="store_true", help="cold ingest time and memory against size")
    parser.add_argument("--packages", default="django,sympy,scipy", help="--scaling: sdists concatenated")
    parser.add_argument("--sizes", default="500000,1000000,1500000,2000000", help="--scaling: lines")
    args = parser.parse_args()
    started = time.perf_counter()
    subprocess.run([HUB, "up"], env=ENV, check=True, capture_output=True)
    global HUB_CONSTRAINTS, HUB_INDEXES
    HUB_CONSTRAINTS = {r["name"] for r in cypher("SHOW CONSTRAINTS YIELD name RETURN name")}
    HUB_INDEXES = {r["name"] for r in cypher("SHOW INDEXES YIELD name RETURN name")}
    try:
        if args.scaling:
            scaling(args.packages.split(","), [int(s) for s in args.sizes.split(",")])
        else:
            compare(args, started)
    finally:  # the bench's own runtime never outlives it
        subprocess.run([HUB, "down"], env=ENV, check=False, capture_output=True)


def compare(args: argparse.Namespace, started: float) -> None:
    """Cold, unchanged and one-file-edit ingests of the Django sdist (and CodeGraphContext's)."""
    path = corpus()
    files = len([p for p in path.rglob("*.py") if ".git" not in p.parts])
    lines = sum(p.read_bytes().count(b"\n") for p in path.rglob("*.py") if ".git" not in p.parts)
    cold: list[Measurement] = []
    summaries = []
    for _ in range(args.runs):
        wipe()
        shutil.rmtree(OUT / "home" / "cache", ignore_errors=True)
        measured, summary = hub_ingest(path)
        cold.append(measured)
        summaries.append(summary)
    counts = hub_counts()
    jvm = jvm_rss_mb()
    unchanged = [hub_ingest(path)[0] for _ in range(args.runs + 2)]
    target = path / "django" / "utils" / "text.py"
    original = target.read_text()
    edits = []
    for i in range(args.runs + 2):
        target.write_text(original + f"\n\ndef bench_edit_{i}():\n    return capfirst('x')\n")
        edits.append(hub_ingest(path))
    target.write_text(original)
    hub_ingest(path)

    peer = None
    if args.cgc:
        wipe()
        scratch = OUT / "cgc-home"
        scratch.mkdir(parents=True, exist_ok=True)
        user, password = "neo4j", (OUT / "home" / "secrets" / "neo4j-password").read_text().strip()
        peer_env = {**os.environ, "HOME": str(scratch), "DEFAULT_DATABASE": "neo4j",
                    "NEO4J_URI": "bolt://127.0.0.1:37687", "NEO4J_USERNAME": user, "NEO4J_PASSWORD": password}  # fmt: skip
        peer_run = run([args.cgc, "index", str(path), "--no-progress"], env=peer_env, cwd=str(path))
        (path / ".cgcignore").unlink(missing_ok=True)
        peer = (peer_run, peer_counts())
        wipe()

    cold_s = [m.seconds for m in cold]
    report = [
        "## Ingestion (issue 3)",
        "",
        f"- command: `.venv/bin/python bench/ingest_bench.py --runs {args.runs}"
        + (" --cgc <cgc venv>/bin/cgc`" if args.cgc else "`"),
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average at start {os.getloadavg()[0]:.2f}",
        f"- corpus: Django sdist ({path.name}), {files} .py files, {lines:,} lines, as a git repo",
        "",
        "| measurement | median | runs (s) | peak RSS of the hub's processes |",
        "|---|---|---|---|",
        f"| cold ingest into an empty database (target ≤ 20 s, ≤ 1.5 GB) | {median(cold_s)} s | "
        f"{', '.join(f'{s:.2f}' for s in cold_s)} | {max(m.peak_rss_mb for m in cold):.0f} MB |",
        f"| re-ingest, nothing changed (target ≤ 2 s) | {median([m.seconds for m in unchanged])} s | "
        f"{', '.join(f'{m.seconds:.2f}' for m in unchanged)} | {max(m.peak_rss_mb for m in unchanged):.0f} MB |",
        f"| re-ingest after a one-file edit (target ≤ 2 s) | {median([m.seconds for m, _ in edits])} s | "
        f"{', '.join(f'{m.seconds:.2f}' for m, _ in edits)} | {max(m.peak_rss_mb for m, _ in edits):.0f} MB |",
        "",
        "CPU seconds of each cold run, hub (CLI + parser workers) / Neo4j JVM: "
        + ", ".join(f"{s['cpu']['hub']:.1f} / {s['cpu']['neo4j']:.1f}" for s in summaries)
        + ".",
        f"Phases of the median cold run (s): `{json.dumps(sorted(summaries, key=lambda s: s['seconds'])[len(summaries) // 2]['timings'])}`",
        f"; inside the pipeline a one-file edit took {median([s['seconds'] for _, s in edits])} s (the rest is"
        " process start-up and imports).",
        f"Neo4j JVM RSS after the loads: {jvm:.0f} MB.",
        "",
        f"Hub graph counts: `{json.dumps(counts)}`",
    ]
    if peer:
        peer_run, pc = peer
        ratio = peer_run.seconds / median(cold_s)
        report += [
            "",
            f"CodeGraphContext 0.6.13, same corpus, same Neo4j (wiped before and after), same run: "
            f"{peer_run.seconds:.1f} s wall, peak RSS {peer_run.peak_rss_mb:.0f} MB, exit {peer_run.returncode}. "
            f"**The hub's median cold ingest is {ratio:.1f}x faster.**",
            f"CodeGraphContext counts: `{json.dumps(pc)}`",
        ]
    report.append(f"\n(benchmark wall time {time.perf_counter() - started:.0f} s)\n")
    print("\n".join(report))


HUB_CONSTRAINTS: set[str] = set()
HUB_INDEXES: set[str] = set()

if __name__ == "__main__":
    main()
