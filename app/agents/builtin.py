"""The built-in agents: real checks on an ingested repository's working tree and on its code graph.

Each takes an ``AgentRequest`` (``params`` from the step's ``with``: ``project`` or ``target``/
``repo``) and returns an ``AgentResult`` whose findings become an ``(:Audit)`` with ``(:Finding)``s
about the project (or the File/Symbol asked about). Tools run as subprocesses with a timeout, and
every outside value is passed after ``--``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver

from app.agents.models import AgentRequest, AgentResult, AgentType, Finding, Outcome
from app.config import Settings
from app.core.cypher import query as named_query
from app.core.errors import InvalidInput
from app.graph import service as graph_service

TOOL_TIMEOUT_S = 300.0
MAX_OUTPUT_BYTES = 32 * 1024 * 1024


@dataclass
class BuiltinContext:
    driver: AsyncDriver
    settings: Settings
    nc: Any | None = None


@dataclass(frozen=True)
class Target:
    """Where an agent works: the repository's working tree and the graph node it reports about."""

    repo_path: Path
    repo_id: str | None
    project_id: str | None
    target_id: str | None
    relative: str | None = None  # a File's path: the check is limited to it
    files: tuple[str, ...] = ()  # or these repo-relative files (a negotiated sub-check)

    def scope(self, suffixes: tuple[str, ...]) -> list[str]:
        """What a tool is pointed at: the listed files it can read, else the one File, else all."""
        if self.files:
            return [f for f in self.files if f.endswith(suffixes)]
        return [self.relative or "."]


BuiltinRun = Callable[[AgentRequest, BuiltinContext], Awaitable[AgentResult]]


@dataclass(frozen=True)
class BuiltinSpec:
    name: str
    type: AgentType
    capabilities: tuple[str, ...]
    description: str
    run: BuiltinRun


# --- locating the work ------------------------------------------------------------------------
async def locate_target(*, driver: AsyncDriver, settings: Settings, target_id: str) -> Target | None:
    records, _, _ = await driver.execute_query(
        named_query("agents/repo_of_target"),
        targetId=target_id,
        database_=settings.neo4j_database,
        routing_="r",
    )
    if not records or not records[0]["repoPath"]:
        return None
    r = records[0]
    relative = r["path"] if "File" in (r["labels"] or []) else None
    return Target(Path(r["repoPath"]), r["repoId"], r["projectId"], target_id, relative)


async def _target(request: AgentRequest, ctx: BuiltinContext) -> Target:
    """The repository to check: ``target`` (a node id), ``project`` (a name or id; default the
    pushed event's project) or ``repo`` (a path, for ad hoc runs outside the graph)."""
    params, data = request.params, (request.event.get("data") or {})
    target_id = params.get("target")
    if isinstance(target_id, str) and target_id:
        found = await locate_target(driver=ctx.driver, settings=ctx.settings, target_id=target_id)
        if found is None:
            raise ValueError(
                f"target {target_id!r} is not a File, Symbol, Project or Repo with a working tree"
            )
        return found
    project = params.get("project") or data.get("project")
    if isinstance(project, str) and project:
        records, _, _ = await ctx.driver.execute_query(
            named_query("agents/repo_by_project"),
            project=project,
            database_=ctx.settings.neo4j_database,
            routing_="r",
        )
        if records and records[0]["repoPath"]:
            r = records[0]
            return Target(Path(r["repoPath"]), r["repoId"], r["projectId"], r["projectId"])
        raise ValueError(f"project {project!r} has no ingested repository")
    repo = params.get("repo") or data.get("repo")
    if isinstance(repo, str) and repo:
        # Only a repository the hub knows (ingested, or under HUB_INGEST_ROOTS), as for a push:
        # the tools run that folder's code (test-runner runs its tests and its .venv's python),
        # so a caller must not be able to point them at any folder of the machine.
        folder = Path(repo).resolve()
        if folder.is_dir() and any(folder.is_relative_to(root) for root in ctx.settings.ingest_roots):
            # Under HUB_INGEST_ROOTS: allowed whatever the graph holds, so no database read.
            return Target(folder, None, None, None, files=_listed_files(folder, params.get("files")))
        try:
            known, _ = await graph_service.push_project(
                driver=ctx.driver, settings=ctx.settings, repo=repo, project=None
            )
        except InvalidInput as error:
            raise ValueError(error.message) from None
        return Target(Path(known), None, None, None, files=_listed_files(Path(known), params.get("files")))
    raise ValueError("say what to check: with.target (node id), with.project or with.repo")


def _listed_files(root: Path, files: Any) -> tuple[str, ...]:
    """``with.files``: repo-relative paths of existing files inside the repository, nothing else."""
    if files is None:
        return ()
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or len(files) > 1000:
        raise ValueError("files must be a list of at most 1000 repo-relative paths")
    base = root.resolve()
    checked = []
    for name in files:
        path = (base / name).resolve()
        if Path(name).is_absolute() or not path.is_relative_to(base) or not path.is_file():
            raise ValueError(f"{name!r} is not a file inside the repository")
        checked.append(path.relative_to(base).as_posix())
    return tuple(checked)


async def run_tool(
    argv: list[str],
    *,
    cwd: Path,
    timeout_s: float = TOOL_TIMEOUT_S,
    limits: bool = False,
    env: dict[str, str] | None = None,
) -> tuple[int, bytes, bytes]:
    """A subprocess with a timeout (killed with its process group when it expires); ``limits``
    adds CPU-time and address-space limits."""

    def preexec() -> None:
        os.setsid()
        if limits:
            cpu = int(timeout_s) + 5
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
            resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))
            resource.setrlimit(resource.RLIMIT_NPROC, (512, 512))

    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec,
        env=env,
        limit=MAX_OUTPUT_BYTES,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        await process.wait()
        raise
    return process.returncode or 0, out, err


def _verdict(kind: str, target: Target, findings: list[Finding], noun: str) -> AgentResult:
    summary = f"{len(findings)} {noun}" + (f" in {target.relative}" if target.relative else "")
    return AgentResult(
        status=Outcome.FAILED if findings else Outcome.PASSED,
        summary=summary,
        findings=findings,
        output={"findings": len(findings)},
        audit_kind=kind,
        target_id=target.target_id,
    )


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        with contextlib.suppress(ValueError):
            return candidate.resolve().relative_to(root.resolve()).as_posix()
    return candidate.as_posix().removeprefix("./")


# --- echo: the trivial agent (benchmarks, smoke tests) ----------------------------------------
async def run_echo(request: AgentRequest, ctx: BuiltinContext) -> AgentResult:
    """Returns its parameters; ``sleep`` seconds first; ``fail: true`` to report a failure."""
    delay = float(request.params.get("sleep", 0) or 0)
    if delay:
        await asyncio.sleep(min(delay, 3600))
    if request.params.get("fail"):
        return AgentResult(status=Outcome.FAILED, summary="asked to fail", output=dict(request.params))
    return AgentResult(status=Outcome.PASSED, summary="echo", output=dict(request.params))


# --- linter -------------------------------------------------------------------------------------
async def run_linter(request: AgentRequest, ctx: BuiltinContext) -> AgentResult:
    """ruff on the Python code (with the repository's own config, if any); eslint on the JS/TS
    code when the repository has an eslint config (its own eslint if installed, else the hub's)."""
    target = await _target(request, ctx)
    scope = target.scope(PYTHON_SUFFIXES)
    code, out, err = (0, b"[]", b"")
    if scope:
        code, out, err = await run_tool(
            [sys.executable, "-m", "ruff", "check", "--output-format", "json", "--no-cache", "--exit-zero",
             "--", *scope],
            cwd=target.repo_path,
        )  # fmt: skip
    if code != 0:
        return AgentResult(status=Outcome.ERROR, summary=f"ruff failed: {err.decode()[-500:]}")
    findings = [
        Finding(
            rule=f"ruff:{item.get('code') or 'syntax'}",
            severity="low",
            message=str(item.get("message", "")),
            path=_relative(item["filename"], target.repo_path),
            line=(item.get("location") or {}).get("row"),
        )
        for item in json.loads(out or b"[]")
    ]
    findings.extend(await _eslint(target))
    return _verdict("linter", target, findings, "lint findings")


PYTHON_SUFFIXES = (".py", ".pyi")
SCRIPT_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
ESLINT_CONFIGS = (
    "eslint.config.js",
    "eslint.config.mjs",
    "eslint.config.cjs",
    ".eslintrc.json",
    ".eslintrc.js",
    ".eslintrc.cjs",
    ".eslintrc.yml",
    ".eslintrc.yaml",
    ".eslintrc",
)


LEGACY_ESLINT_CONFIGS = {name for name in ESLINT_CONFIGS if name.startswith(".eslintrc")}
# The hub's own eslint (tools/eslint, `npm ci` from its lock file by `make install-tools`): used
# for a repository that has an eslint config but no eslint installed.
HUB_ESLINT = Path(__file__).resolve().parents[2] / "tools" / "eslint" / "node_modules" / ".bin" / "eslint"


def eslint_binary(repo_path: Path) -> Path | None:
    """The repository's own eslint when installed, else the hub's, else None."""
    for candidate in (repo_path / "node_modules" / ".bin" / "eslint", HUB_ESLINT):
        if candidate.exists():
            return candidate
    return None


async def _eslint(target: Target) -> list[Finding]:
    """eslint with the repository's own config, when it has one (flat or legacy)."""
    configs = [name for name in ESLINT_CONFIGS if (target.repo_path / name).exists()]
    scope = target.scope(SCRIPT_SUFFIXES)
    if not configs or not scope:
        return []
    binary = eslint_binary(target.repo_path)
    if binary is None:
        missing = "an eslint config but no eslint: npm install in it, or `make install-tools`"
        return [Finding(rule="eslint:unavailable", severity="low", message=f"the repository has {missing}")]
    env = {**os.environ, "ESLINT_USE_FLAT_CONFIG": "false" if configs[0] in LEGACY_ESLINT_CONFIGS else "true"}
    code, out, err = await run_tool(
        [str(binary), "--format", "json", "--no-error-on-unmatched-pattern", "--", *scope],
        cwd=target.repo_path,
        env=env,
    )
    if code not in (0, 1):  # 2: eslint itself failed (a broken config, a plugin it cannot load)
        message = (err or out).decode(errors="replace").strip()[-1500:]
        return [Finding(rule="eslint:error", severity="medium", message=f"eslint failed: {message}")]
    findings: list[Finding] = []
    with contextlib.suppress(ValueError):
        for file in json.loads(out or b"[]"):
            for message in file.get("messages", []):
                findings.append(
                    Finding(
                        rule=f"eslint:{message.get('ruleId') or 'parse'}",
                        severity="medium" if message.get("severity") == 2 else "low",
                        message=str(message.get("message", "")),
                        path=_relative(file["filePath"], target.repo_path),
                        line=message.get("line"),
                    )
                )
    return findings


# --- security-scan ----------------------------------------------------------------------------
async def run_security_scan(request: AgentRequest, ctx: BuiltinContext) -> AgentResult:
    """bandit (Python security smells) and detect-secrets (credentials committed in any file)."""
    target = await _target(request, ctx)
    scope = target.scope(PYTHON_SUFFIXES)  # empty: a negotiated list without Python files
    out, err = b"{}", b""
    if scope:
        _, out, err = await run_tool(
            [
                sys.executable,
                "-m",
                "bandit",
                "-q",
                "-f",
                "json",
                "-r",
                "--exit-zero",
                "-x",
                "./.venv,./node_modules,./.git",
                "--",
                *scope,
            ],
            cwd=target.repo_path,
        )
    try:
        report = json.loads(out or b"{}")
    except ValueError:
        return AgentResult(status=Outcome.ERROR, summary=f"bandit failed: {err.decode()[-500:]}")
    findings = [
        Finding(
            rule=f"bandit:{item.get('test_id')}",
            severity=str(item.get("issue_severity", "MEDIUM")).lower(),
            message=str(item.get("issue_text", "")),
            path=_relative(item["filename"], target.repo_path),
            line=item.get("line_number"),
        )
        for item in report.get("results", [])
    ]
    _, out, err = await run_tool(
        [
            sys.executable,
            "-m",
            "detect_secrets",
            "scan",
            "--all-files",
            "--exclude-files",
            r"(^|/)(\.venv|node_modules|\.git)/",
            "--",
            *target.scope(("",)),
        ],
        cwd=target.repo_path,
    )
    try:
        secrets = json.loads(out or b"{}").get("results", {})
    except ValueError:
        return AgentResult(status=Outcome.ERROR, summary=f"detect-secrets failed: {err.decode()[-500:]}")
    for path, hits in secrets.items():
        for hit in hits:  # the secret itself is never copied: only its kind and place
            findings.append(
                Finding(
                    rule=f"secret:{hit.get('type')}",
                    severity="high",
                    message=f"possible {hit.get('type')}",
                    path=_relative(path, target.repo_path),
                    line=hit.get("line_number"),
                )
            )
    return _verdict("security-scan", target, findings, "security findings")


# --- test-runner ------------------------------------------------------------------------------
def sandbox_prefix() -> tuple[list[str], list[str]]:
    """The command prefix that isolates the tests, and what it gives (reported in the result):
    a new network namespace via ``unshare -n`` when the kernel lets us, else nothing."""
    unshare = shutil.which("unshare")
    if unshare:
        try:
            import subprocess

            probe = subprocess.run(
                [unshare, "-n", "--", "true"], capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            probe = None
        if probe is not None and probe.returncode == 0:
            return [unshare, "-n", "--"], ["no-network (unshare -n)"]
    return [], []


# The pytest options a caller may add: selection and verbosity only. Anything else could load a
# plugin (-p), read another config (-c, --rootdir) or delete a folder (--basetemp).
_PYTEST_FLAGS = frozenset({"-x", "--exitfirst", "-q", "-v", "-l", "--showlocals", "--lf", "--ff"})
_PYTEST_VALUED = frozenset({"-k", "-m", "--maxfail"})


def pytest_arguments(raw: object) -> list[str]:
    """``with.args`` of the test-runner, checked: allowed flags, ``-k``/``-m``/``--maxfail``
    with a value, and test paths inside the repository (no absolute path, no ``..``)."""
    if not isinstance(raw, list) or len(raw) > 50:
        raise ValueError("args is a list of at most 50 pytest arguments")
    checked: list[str] = []
    expects_value = False
    for item in raw:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise ValueError(f"pytest argument {item!r} is not a string")
        text = str(item)
        if expects_value:
            if text.startswith("-"):
                raise ValueError(f"pytest option {checked[-1]!r} needs a value, not {text!r}")
            expects_value = False
        elif text in _PYTEST_VALUED:
            expects_value = True
        elif text.startswith("-"):
            if text not in _PYTEST_FLAGS:
                raise ValueError(
                    f"pytest option {text!r} is not allowed (allowed: "
                    f"{', '.join(sorted(_PYTEST_FLAGS | _PYTEST_VALUED))}, and test paths)"
                )
        else:
            path = Path(text.split("::", 1)[0])
            if path.is_absolute() or ".." in path.parts or "\x00" in text:
                raise ValueError(f"test path {text!r} must be relative and inside the repository")
        checked.append(text)
    if expects_value:
        raise ValueError(f"pytest option {checked[-1]!r} needs a value")
    return checked


async def run_test_runner(request: AgentRequest, ctx: BuiltinContext) -> AgentResult:
    """pytest in a subprocess: a timeout, CPU/memory/process limits, no network when possible;
    each failed test is a finding. ``with.args`` adds pytest arguments (e.g. a test path)."""
    extra = pytest_arguments(request.params.get("args", []))  # checked before anything else
    target = await _target(request, ctx)
    timeout_s = float(request.params.get("timeout", 600))
    prefix, sandbox = sandbox_prefix()
    sandbox += ["timeout", "rlimit-cpu", "rlimit-as 4GiB", "rlimit-nproc 512"]
    python = target.repo_path / ".venv" / "bin" / "python"
    interpreter = str(python) if python.exists() else sys.executable
    with tempfile.TemporaryDirectory(prefix="hub-tests-") as scratch:
        report = Path(scratch) / "report.xml"
        argv = [
            *prefix,
            interpreter,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            *extra,
        ]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            code, out, err = await run_tool(
                argv, cwd=target.repo_path, timeout_s=timeout_s, limits=True, env=env
            )
        except TimeoutError:
            return AgentResult(
                status=Outcome.FAILED,
                summary=f"tests did not finish in {timeout_s:.0f}s",
                findings=[Finding(rule="tests:timeout", severity="high", message="timed out")],
                audit_kind="test-runner",
                target_id=target.target_id,
                output={"sandbox": sandbox},
            )
        findings, counts = _junit_findings(report, target.repo_path)
    if code not in (0, 1) and not counts["tests"]:
        return AgentResult(
            status=Outcome.ERROR,
            summary=f"pytest exited {code}: {(out + err).decode()[-500:]}",
            output={"sandbox": sandbox},
        )
    result = _verdict("test-runner", target, findings, "failing tests")
    result.summary = f"{counts['tests']} tests, {len(findings)} failing; sandbox: {', '.join(sandbox)}"
    result.output = {**counts, "failing": len(findings), "sandbox": sandbox}
    return result


def _junit_findings(report: Path, root: Path) -> tuple[list[Finding], dict[str, int]]:
    import xml.etree.ElementTree as ElementTree

    counts = {"tests": 0}
    if not report.exists():
        return [], counts
    findings: list[Finding] = []
    for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314
        counts["tests"] += 1
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is None:
            continue
        path = (case.get("classname") or "").replace(".", "/")
        module = path.rsplit("/", 1)[0] if "/" in path and not (root / f"{path}.py").exists() else path
        findings.append(
            Finding(
                rule="tests:failed",
                severity="high",
                message=f"{case.get('name')}: {failure.get('message', '')}"[:2000],
                path=f"{module}.py",
                line=int(case.get("line") or 0) + 1 if case.get("line") else None,
            )
        )
    return findings, counts


# --- graph-review -----------------------------------------------------------------------------
GRAPH_RULES = (
    ("graph:import-cycle", "medium", "agents/review_import_cycles"),
    ("graph:untested-hotspot", "medium", "agents/review_untested_hotspots"),
    ("graph:god-class", "low", "agents/review_god_classes"),
    ("graph:dead-code", "low", "agents/review_dead_code"),
)


async def run_graph_review(request: AgentRequest, ctx: BuiltinContext) -> AgentResult:
    """Findings from the code graph itself (bounded read-only Cypher per rule): import cycles of
    two or three files, symbols with many callers and no TESTS edge, classes with too many
    methods, and functions nothing calls."""
    target = await _target(request, ctx)
    if not target.repo_id:
        raise ValueError("graph-review needs an ingested project (with.project or with.target)")
    params = {
        "repoId": target.repo_id,
        "minCallers": int(request.params.get("min_callers", 5)),
        "maxMethods": int(request.params.get("max_methods", 20)),
        "limit": int(request.params.get("limit", 200)),
    }
    findings: list[Finding] = []
    for rule, severity, name in GRAPH_RULES:
        records, _, _ = await ctx.driver.execute_query(
            named_query(name), **params, database_=ctx.settings.neo4j_database, routing_="r"
        )
        findings.extend(
            Finding(rule=rule, severity=severity, message=r["message"], path=r["path"], line=r["line"])
            for r in records
        )
    result = _verdict("graph-review", target, findings, "graph findings")
    subcheck = request.params.get("subcheck", "lint")
    flagged = sorted({f.path for f in findings if f.path and (target.repo_path / f.path).is_file()})
    if subcheck and flagged and ctx.nc is not None:
        result.output["subchecks"] = {
            str(subcheck): await _delegate(ctx, str(subcheck), target, flagged[:200], findings, request)
        }
    return result


async def _delegate(
    ctx: BuiltinContext,
    capability: str,
    target: Target,
    files: list[str],
    findings: list[Finding],
    request: AgentRequest,
) -> dict[str, Any]:
    """Negotiation in use: the files the graph flagged go to whoever serves ``capability`` (by
    default the linter) for a second look; its findings on them come back into the output."""
    from redis.asyncio import Redis

    from app.agents.negotiation import NegotiationFailed, negotiate
    from app.core.errors import InvalidInput

    context = {
        "repo": str(target.repo_path),
        "files": files,
        "flagged": [{"rule": f.rule, "path": f.path, "line": f.line} for f in findings if f.path][:500],
    }
    redis = Redis.from_url(ctx.settings.redis_server_url)
    try:
        sub, responder = await negotiate(
            nc=ctx.nc,
            redis=redis,
            capability=capability,
            requester="graph-review",
            context=context,
            known_capabilities=set(NEGOTIABLE),
            deadline_s=float(request.params.get("subcheck_deadline_s", 120)),
            correlation_id=request.correlation_id,
        )
    except (NegotiationFailed, InvalidInput) as error:
        return {"error": str(error)}
    finally:
        await redis.aclose()
    return {
        "responder": responder,
        "status": sub.status.value,
        "summary": sub.summary,
        "files": len(files),
        "findings": [f.model_dump() for f in sub.findings[:200]],
    }


# --- health-checker ---------------------------------------------------------------------------
async def run_health_checker(request: AgentRequest, ctx: BuiltinContext) -> AgentResult:
    """Probes the registered services now (through app.health), a finding per one not up."""
    from app.health.service import probe_registered_services

    probed = await probe_registered_services(driver=ctx.driver, settings=ctx.settings)
    wanted = request.params.get("services")
    if isinstance(wanted, list):
        probed = [s for s in probed if s.name in wanted]
    findings = [
        Finding(
            rule="health:down" if s.health == "down" else "health:degraded",
            severity="high",
            message=f"{s.name} is {s.health}",
        )
        for s in probed
        if s.health in ("down", "degraded")
    ]
    project_id = None
    with contextlib.suppress(ValueError):
        project_id = (await _target(request, ctx)).project_id
    return AgentResult(
        status=Outcome.FAILED if findings else Outcome.PASSED,
        summary=f"{len(probed)} services probed, {len(findings)} not up",
        output={"services": {s.name: s.health for s in probed}},
        findings=findings,
        audit_kind="health-checker",
        target_id=project_id,
    )


BUILTINS: dict[str, BuiltinSpec] = {
    spec.name: spec
    for spec in (
        BuiltinSpec(
            "echo", AgentType.RULE_BASED, ("echo",), "Returns its parameters (tests, benchmarks).", run_echo
        ),
        BuiltinSpec(
            "linter",
            AgentType.API_TOOL,
            ("lint", "audit-code-review"),
            "ruff; eslint with the repo's config.",
            run_linter,
        ),
        BuiltinSpec(
            "security-scan",
            AgentType.API_TOOL,
            ("security", "scan", "audit-security-scan"),
            "bandit and detect-secrets.",
            run_security_scan,
        ),
        BuiltinSpec(
            "test-runner", AgentType.API_TOOL, ("test",), "pytest in a sandboxed subprocess.", run_test_runner
        ),
        BuiltinSpec(
            "graph-review",
            AgentType.RULE_BASED,
            ("review", "audit-architecture-review"),
            "Import cycles, untested hotspots, god classes, dead code.",
            run_graph_review,
        ),
        BuiltinSpec(
            "health-checker",
            AgentType.RULE_BASED,
            ("health",),
            "Probes the registered services.",
            run_health_checker,
        ),
    )
}


# Capabilities a built-in agent serves to other agents by negotiation (``agent.negotiate.<c>``):
# the sub-task runs that agent on the files of the shared context.
NEGOTIABLE: dict[str, str] = {"lint": "linter", "security": "security-scan"}


async def run_negotiated(
    capability: str, task: dict[str, Any], context: dict[str, Any], ctx: BuiltinContext
) -> AgentResult:
    """A negotiated sub-task: the built-in agent of ``capability`` on the context's repository
    and files (checked like any ``with.files``); an agent's own error is the responder's refusal."""
    repo, files = context.get("repo"), context.get("files")
    if not isinstance(repo, str) or not isinstance(files, list):
        raise ValueError("the shared context must name a repo and its files")
    params = {k: v for k, v in task.items() if k not in ("repo", "files")}
    name = NEGOTIABLE[capability]
    result = await run(name, AgentRequest(agent=name, params={**params, "repo": repo, "files": files}), ctx)
    if result.status == Outcome.ERROR:
        raise ValueError(result.summary)
    return result


async def run(name: str, request: AgentRequest, ctx: BuiltinContext) -> AgentResult:
    """Run a built-in agent; a bad request or a tool failure is an ERROR result, not an exception."""
    try:
        return await BUILTINS[name].run(request, ctx)
    except (ValueError, OSError) as error:
        return AgentResult(status=Outcome.ERROR, summary=f"{name}: {error}")
