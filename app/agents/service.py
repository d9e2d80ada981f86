"""The agent registry (``(:Agent)`` nodes), agents' encrypted credentials, and invoking an agent:
a built-in one in-process, a NATS micro service on its least-loaded instance, or an HTTP endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet, InvalidToken
from neo4j import AsyncDriver

from app.agents import builtin
from app.agents.models import (
    Agent,
    AgentRegistration,
    AgentRequest,
    AgentResult,
    AgentType,
    Finding,
    Outcome,
)
from app.agents.sdk import encode, instance_subject, load_of, shared_subject
from app.config import Settings
from app.core.cypher import query as named_query
from app.core.errors import InvalidInput, NotFound
from ingest.ids import stable_id

log = logging.getLogger(__name__)
DISCOVERY_WINDOW_S = 0.15  # how long $SRV.STATS answers are gathered
MAX_FINDINGS = 1000  # per audit recorded in the graph (the summary keeps the full count)


# --- credentials ------------------------------------------------------------------------------
def _key_path(settings: Settings) -> Path:
    return settings.home / "secrets" / "agents.key"


def _fernet(settings: Settings) -> Fernet:
    """The hub's credential key, created 0600 on first use under HUB_HOME/secrets."""
    path = _key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def encrypt_credentials(settings: Settings, credentials: dict[str, str]) -> str:
    return _fernet(settings).encrypt(json.dumps(credentials).encode()).decode()


def decrypt_credentials(settings: Settings, token: str) -> dict[str, str]:
    try:
        return dict(json.loads(_fernet(settings).decrypt(token.encode())))
    except InvalidToken:
        raise InvalidInput("stored agent credentials cannot be decrypted with this hub's key") from None


# --- registry ---------------------------------------------------------------------------------
def _check_endpoint(endpoint: str) -> str:
    if endpoint.startswith("nats:"):
        name = endpoint.removeprefix("nats:")
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            raise InvalidInput(f"bad NATS service name in endpoint {endpoint!r}")
        return endpoint
    if endpoint.startswith(("http://", "https://")):
        return endpoint
    raise InvalidInput(
        f"endpoint {endpoint!r} is neither nats:<service> nor an http(s) URL",
        hint="e.g. nats:my-linter or https://agents.example/run",
    )


async def register_agent(
    *, driver: AsyncDriver, settings: Settings, registration: AgentRegistration
) -> Agent:
    if registration.name in builtin.BUILTINS:
        raise InvalidInput(f"{registration.name!r} is a built-in agent; choose another name")
    endpoint = _check_endpoint(registration.endpoint)
    token = encrypt_credentials(settings, registration.credentials) if registration.credentials else None
    row = {
        "id": stable_id("agent", registration.name),
        "name": registration.name,
        "type": registration.type.value,
        "capabilities": sorted(set(registration.capabilities)),
        "endpoint": endpoint,
        "active": registration.active,
        "builtin": False,
        "description": registration.description,
        "credentialsEnc": token,
    }
    await driver.execute_query(
        named_query("agents/register"), rows=[row], now=_now(), database_=settings.neo4j_database
    )
    return await get_agent(driver=driver, settings=settings, name=registration.name)


async def ensure_builtin_agents(*, driver: AsyncDriver, settings: Settings) -> None:
    """The built-in agents as (:Agent) nodes (idempotent; run at API and worker start)."""
    rows = [
        {
            "id": stable_id("agent", spec.name),
            "name": spec.name,
            "type": spec.type.value,
            "capabilities": list(spec.capabilities),
            "endpoint": f"builtin:{spec.name}",
            "active": True,
            "builtin": True,
            "description": spec.description,
            "credentialsEnc": None,
        }
        for spec in builtin.BUILTINS.values()
    ]
    await driver.execute_query(
        named_query("agents/register"), rows=rows, now=_now(), database_=settings.neo4j_database
    )


async def list_agents(*, driver: AsyncDriver, settings: Settings) -> list[Agent]:
    records, _, _ = await driver.execute_query(
        named_query("agents/list"), database_=settings.neo4j_database, routing_="r"
    )
    found = {
        r["name"]: Agent(
            id=r["id"],
            name=r["name"],
            type=AgentType(r["type"]),
            capabilities=list(r["capabilities"]),
            endpoint=r["endpoint"],
            active=bool(r["active"]),
            builtin=bool(r["builtin"]),
            description=r["description"],
            has_credentials=bool(r["hasCredentials"]),
        )
        for r in records
    }
    for spec in builtin.BUILTINS.values():  # known even before ensure_builtin_agents ran
        found.setdefault(spec.name, builtin_agent(spec.name))
    return sorted(found.values(), key=lambda agent: agent.name)


def builtin_agent(name: str) -> Agent:
    spec = builtin.BUILTINS[name]
    return Agent(
        id=stable_id("agent", name),
        name=name,
        type=spec.type,
        capabilities=list(spec.capabilities),
        endpoint=f"builtin:{name}",
        active=True,
        builtin=True,
        description=spec.description,
    )


async def get_agent(*, driver: AsyncDriver, settings: Settings, name: str) -> Agent:
    if name in builtin.BUILTINS:
        return builtin_agent(name)
    for agent in await list_agents(driver=driver, settings=settings):
        if agent.name == name:
            return agent
    raise NotFound(f"no agent named {name!r}", hint="`hub agent list` shows the registered ones")


async def agent_names(*, driver: AsyncDriver, settings: Settings) -> set[str]:
    return {agent.name for agent in await list_agents(driver=driver, settings=settings) if agent.active}


# --- invoking ---------------------------------------------------------------------------------
async def discover_instances(
    nc: Any, service: str, *, window_s: float = DISCOVERY_WINDOW_S
) -> list[dict[str, Any]]:
    """Every running instance's $SRV.STATS answer (gathered for ``window_s``)."""
    inbox = nc.new_inbox()
    answers: list[dict[str, Any]] = []

    async def collect(msg: Any) -> None:
        with contextlib.suppress(ValueError):
            answers.append(json.loads(msg.data))

    sub = await nc.subscribe(inbox, cb=collect)
    try:
        await nc.publish(f"$SRV.STATS.{service}", b"", reply=inbox)
        await nc.flush()
        await asyncio.sleep(window_s)
    finally:
        await sub.unsubscribe()
    return answers


async def _invoke_nats(nc: Any, service: str, request: AgentRequest, timeout_s: float) -> AgentResult:
    instances = await discover_instances(nc, service)
    if instances:
        chosen = min(instances, key=load_of)  # least-loaded instance answers
        subject = instance_subject(service, str(chosen["id"]))
    else:  # nothing answered discovery in time: any instance of the queue group may still answer
        subject = shared_subject(service)
    try:
        reply = await nc.request(subject, encode(request), timeout=timeout_s)
    except Exception as error:  # no responders, timeout, connection: the step may be retried
        return AgentResult(
            status=Outcome.ERROR, summary=f"agent {service} unreachable: {type(error).__name__}"
        )
    if reply.headers and reply.headers.get("Nats-Service-Error"):
        return AgentResult(
            status=Outcome.ERROR, summary=f"agent {service}: {reply.headers['Nats-Service-Error']}"
        )
    try:
        return AgentResult.model_validate_json(reply.data)
    except ValueError as error:
        return AgentResult(status=Outcome.ERROR, summary=f"agent {service} answered badly: {error}")


async def _invoke_http(url: str, request: AgentRequest, timeout_s: float) -> AgentResult:
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.post(
                url, content=encode(request), headers={"content-type": "application/json"}
            )
        response.raise_for_status()
        return AgentResult.model_validate_json(response.content)
    except (httpx.HTTPError, ValueError) as error:
        return AgentResult(status=Outcome.ERROR, summary=f"agent at {url}: {type(error).__name__}: {error}")


async def invoke(
    *,
    driver: AsyncDriver,
    settings: Settings,
    nc: Any | None,
    request: AgentRequest,
    timeout_s: float,
) -> AgentResult:
    """Run one request on the named agent and return its verdict (never raises for the agent's
    own failures: they come back as ``Outcome.ERROR``)."""
    if request.agent in builtin.BUILTINS:
        return await builtin.run(
            request.agent, request, builtin.BuiltinContext(driver=driver, settings=settings, nc=nc)
        )
    agent = await get_agent(driver=driver, settings=settings, name=request.agent)
    if not agent.active:
        return AgentResult(status=Outcome.ERROR, summary=f"agent {agent.name} is inactive")
    if agent.has_credentials:
        records, _, _ = await driver.execute_query(
            named_query("agents/credentials"),
            name=agent.name,
            database_=settings.neo4j_database,
            routing_="r",
        )
        token = records[0]["credentialsEnc"] if records else None
        if token:
            request = request.model_copy(update={"credentials": decrypt_credentials(settings, token)})
    if agent.endpoint.startswith("nats:"):
        if nc is None:
            return AgentResult(status=Outcome.ERROR, summary="NATS is not connected")
        return await _invoke_nats(nc, agent.endpoint.removeprefix("nats:"), request, timeout_s)
    return await _invoke_http(agent.endpoint, request, timeout_s)


# --- audits -----------------------------------------------------------------------------------
async def record_audit(
    *,
    driver: AsyncDriver,
    settings: Settings,
    audit_id: str,
    agent: str,
    result: AgentResult,
    pending: bool = False,
) -> str | None:
    """Store an agent's verdict as an (:Audit) with its (:Finding)s about ``result.target_id``
    (``pending``: complete the Audit triggerAudit created). Returns the audit id, or None when the
    result names no target in the graph."""
    if not result.target_id and not pending:
        return None
    status = "error" if result.status == Outcome.ERROR else result.status.value
    findings = result.findings[:MAX_FINDINGS]
    file_ids = await _file_ids(
        driver=driver, settings=settings, target_id=result.target_id, findings=findings
    )
    rows = [
        {
            "id": stable_id("finding", audit_id, str(index)),
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message[:2000],
            "line": f.line,
            "path": f.path,
            "fileId": file_ids.get(f.path or ""),
        }
        for index, f in enumerate(findings)
    ]
    params: dict[str, Any] = {
        "id": audit_id,
        "status": status,
        "summary": result.summary[:4000],
        "agent": agent,
        "findings": rows,
        "now": _now(),
    }
    if pending:
        records, _, _ = await driver.execute_query(
            named_query("agents/complete_audit"), **params, database_=settings.neo4j_database
        )
    else:
        records, _, _ = await driver.execute_query(
            named_query("agents/record_audit"),
            **params,
            kind=result.audit_kind or agent,
            targetId=result.target_id,
            database_=settings.neo4j_database,
        )
    return audit_id if records else None


async def _file_ids(
    *, driver: AsyncDriver, settings: Settings, target_id: str | None, findings: list[Finding]
) -> dict[str, str]:
    paths = sorted({f.path for f in findings if f.path})
    if not target_id or not paths:
        return {}
    target = await builtin.locate_target(driver=driver, settings=settings, target_id=target_id)
    if target is None or not target.repo_id:
        return {}
    records, _, _ = await driver.execute_query(
        named_query("agents/files_by_path"),
        repoId=target.repo_id,
        paths=paths,
        database_=settings.neo4j_database,
        routing_="r",
    )
    return {r["path"]: r["id"] for r in records}


def new_audit_id() -> str:
    return uuid.uuid4().hex


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def registration_of(**fields: Any) -> AgentRegistration:
    """A registration from loose input (GraphQL, CLI): pydantic's errors as one InvalidInput."""
    from pydantic import ValidationError

    try:
        return AgentRegistration.model_validate(fields)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InvalidInput(f"invalid agent: {problems}") from None


async def fulfil_audit(
    *, driver: AsyncDriver, settings: Settings, nc: Any | None, audit_id: str, kind: str, target_id: str
) -> str:
    """Run the agent with capability ``audit-<kind>`` on the target and complete the pending
    Audit with its verdict and findings; the Audit's final status."""
    candidates = [
        a
        for a in await list_agents(driver=driver, settings=settings)
        if a.active and f"audit-{kind}" in a.capabilities
    ]
    if not candidates:
        result = AgentResult(status=Outcome.ERROR, summary=f"no active agent has the capability audit-{kind}")
        agent_name = "none"
    else:
        agent_name = sorted(candidates, key=lambda a: (not a.builtin, a.name))[0].name
        request = AgentRequest(agent=agent_name, params={"target": target_id})
        result = await invoke(driver=driver, settings=settings, nc=nc, request=request, timeout_s=900)
    result.target_id = target_id
    await record_audit(
        driver=driver, settings=settings, audit_id=audit_id, agent=agent_name, result=result, pending=True
    )
    return "error" if result.status == Outcome.ERROR else result.status.value


async def pending_audits(
    *, driver: AsyncDriver, settings: Settings, limit: int = 100
) -> list[dict[str, Any]]:
    records, _, _ = await driver.execute_query(
        named_query("agents/pending_audits"), limit=limit, database_=settings.neo4j_database, routing_="r"
    )
    return [record.data() for record in records]


# --- negotiation ------------------------------------------------------------------------------
async def serve_negotiation(*, driver: AsyncDriver, settings: Settings, nc: Any, redis: Any) -> list[Any]:
    """Answer ``agent.negotiate.<capability>`` for every capability a built-in agent serves to
    others (``builtin.NEGOTIABLE``); the subscriptions. Run by every workflow worker (a queue
    group: each sub-task reaches one of them)."""
    from app.agents.negotiation import serve_capability

    ctx = builtin.BuiltinContext(driver=driver, settings=settings, nc=nc)
    subscriptions = []
    for capability, agent_name in builtin.NEGOTIABLE.items():
        handle = functools.partial(_negotiated, capability, ctx=ctx)
        subscriptions.append(
            await serve_capability(nc, redis, capability=capability, responder=agent_name, handle=handle)
        )
    return subscriptions


async def _negotiated(
    capability: str, task: dict[str, Any], context: dict[str, Any], *, ctx: builtin.BuiltinContext
) -> AgentResult:
    return await builtin.run_negotiated(capability, task, context, ctx)
