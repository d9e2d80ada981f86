"""The one table of who may do what: every route (method + path template), every GraphQL root
field and every JSON-RPC method has a rule; anything without one is denied (and fails the tests).

``project`` names the argument or path parameter holding a project id: a key limited to named
projects may use the operation for those projects only. ``filtered`` marks an operation that
spans projects but filters its own answer to the caller's projects (search inside its Cypher;
event reads, streams and correlation lookups by the project the event names, estate-wide events
hidden): a limited key may use it and sees only its projects. Any other operation with no
project argument (node lookups, traversals by node id, mutations) is refused to a
project-limited key — its answer could reach any project's data.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from app.core.principal import Forbidden, Principal, Scope, Unauthenticated

_RAW = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class Rule:
    scope: Scope | None = None
    public: bool = False  # no credential needed
    delegated: bool = False  # a credential is needed; the operation checks per field / method
    project: str | None = None  # the argument naming the project the operation is rooted at
    filtered: bool = False  # spans projects, but its answer holds only the caller's projects


PUBLIC = Rule(public=True)
DELEGATED = Rule(delegated=True)
READ = Rule(Scope.READ)
WRITE = Rule(Scope.WRITE)
ADMIN = Rule(Scope.ADMIN)
READ_FILTERED = Rule(Scope.READ, filtered=True)


def _read_of(project: str) -> Rule:
    return Rule(Scope.READ, project=project)


# (method, path template); HEAD is checked as GET, a websocket as "WS".
ROUTE_RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): PUBLIC,  # up/down only, details need a credential
    ("GET", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,  # ends the session in its cookie, if any
    ("GET", "/{path:path}"): PUBLIC,  # VISLZR: index.html and its static files
    ("GET", "/api/auth/whoami"): DELEGATED,  # any credential: says who it is
    ("GET", "/api/projects"): READ,
    ("GET", "/api/projects/{project_id}"): _read_of("project_id"),
    ("GET", "/api/projects/{project_id}/graph"): _read_of("project_id"),
    ("GET", "/api/symbols/{symbol_id}/dependencies"): READ,
    ("GET", "/api/nodes/{node_id}/impact"): READ,
    ("GET", "/api/path"): READ,
    ("GET", "/api/search"): READ_FILTERED,
    ("GET", "/api/federation/hubs"): READ,
    ("POST", "/api/events/publish"): Rule(Scope.EVENTS_PUBLISH),
    ("GET", "/api/events"): READ_FILTERED,
    ("POST", "/api/events/projection/rebuild"): ADMIN,
    ("WS", "/api/events/stream"): READ_FILTERED,
    ("GET", "/api/events/stream"): READ_FILTERED,
    ("GET", "/api/services"): READ,
    ("POST", "/api/services"): ADMIN,  # registering probes a URL and reports what it saw
    ("POST", "/api/services/{service_id}/check"): ADMIN,
    # issue 14: agents and workflows (reads read, changes write, registering an agent admin)
    ("GET", "/api/agents"): READ,
    ("POST", "/api/agents"): ADMIN,
    ("POST", "/api/agents/{name}/invoke"): WRITE,
    ("GET", "/api/workflows"): READ,
    ("POST", "/api/workflows"): WRITE,
    ("POST", "/api/workflows/{name}/run"): WRITE,
    ("GET", "/api/workflows/executions"): READ,
    ("GET", "/api/workflows/executions/{execution_id}"): READ,
    ("POST", "/api/workflows/executions/{execution_id}/cancel"): WRITE,
    ("GET", "/api/workflows/executions/{execution_id}/logs"): READ,
    # issue 15: project by name in the path, so no per-project rule (refused to project-limited keys)
    ("GET", "/api/intelligence/projects/{project}/predictions"): READ,
    ("POST", "/api/intelligence/projects/{project}/predict"): WRITE,
    ("POST", "/api/intelligence/projects/{project}/train"): ADMIN,
    # issue 15: remediation (reads read, approve / reject write)
    ("GET", "/api/remediation/projects/{project_id}/actions"): _read_of("project_id"),
    ("GET", "/api/remediation/projects/{project_id}/timeline"): _read_of("project_id"),
    ("GET", "/api/remediation/projects/{project_id}/file-risks"): _read_of("project_id"),
    ("GET", "/api/remediation/actions/{action_id}"): READ,
    ("POST", "/api/remediation/actions/{action_id}/approve"): WRITE,
    ("POST", "/api/remediation/actions/{action_id}/reject"): WRITE,
    ("GET", "/api/remediation/stats"): READ,
    ("POST", "/rpc"): DELEGATED,
    ("GET", "/graphql"): DELEGATED,  # GraphiQL (development only) and GET queries
    ("POST", "/graphql"): DELEGATED,
    ("WS", "/graphql"): DELEGATED,  # the credential may come in connection_init
}

# Starlette routes outside FastAPI's dependency system, checked by the middleware by path.
PLAIN_ROUTE_RULES: dict[str, Rule] = {
    "/openapi.json": READ,
    "/docs": READ,
    "/docs/oauth2-redirect": READ,
    "/redoc": READ,
    "/metrics": READ,  # public when HUB_METRICS_PUBLIC=true
}
STATIC_PREFIXES = ("/assets/",)
# Paths that are API, not VISLZR: a GET under them is never served as the web app.
API_PREFIXES = ("api/", "graphql", "healthz", "metrics", "docs", "redoc", "openapi.json", "rpc", "ws",
                "login", "logout")  # fmt: skip

GRAPHQL_RULES: dict[str, Rule] = {
    "Query.projects": READ,
    "Query.project": _read_of("id"),
    "Query.node": READ,
    "Query.projectGraph": _read_of("projectId"),
    "Query.symbolDependencies": READ,
    "Query.impact": READ,
    "Query.path": READ,
    "Query.search": READ_FILTERED,
    "Query.viewProjects": READ,
    "Query.projectView": _read_of("projectId"),
    "Query.projectViewPacked": _read_of("projectId"),
    "Query.folderMap": _read_of("projectId"),
    "Query.projectFingerprint": _read_of("projectId"),
    "Query.communities": _read_of("projectId"),
    "Query.viewNode": READ,
    "Query.riskPredictions": READ,  # by project name: refused to project-limited keys
    "Query.__typename": Rule(delegated=True),
    "Query.__schema": READ,
    "Query.__type": READ,
    "Mutation.createTask": WRITE,
    "Mutation.updateTask": WRITE,
    "Mutation.createSpecItem": WRITE,
    "Mutation.link": WRITE,
    "Mutation.triggerAudit": WRITE,
    "Mutation.registerService": ADMIN,
    "Mutation.computeCommunities": Rule(Scope.ADMIN, project="projectId"),
    "Query.agents": READ,
    "Query.workflows": READ,
    "Query.workflowExecution": READ,
    "Query.workflowExecutions": READ,
    "Mutation.registerAgent": ADMIN,
    "Mutation.applyWorkflow": WRITE,
    "Mutation.runWorkflow": WRITE,
    "Mutation.cancelWorkflowExecution": WRITE,
    "Subscription.workflowLogs": READ,
    "Mutation.predictRisk": WRITE,
    "Query.remediationActions": _read_of("projectId"),
    "Query.predictionTimeline": _read_of("projectId"),
    "Query.fileRisks": _read_of("projectId"),
    "Query.remediationStats": READ,
    "Mutation.approveRemediation": WRITE,
    "Mutation.rejectRemediation": WRITE,
    "Mutation.__typename": Rule(delegated=True),
    "Subscription.events": READ_FILTERED,
    "Subscription.graphChanged": _read_of("projectId"),
    "Subscription.__typename": Rule(delegated=True),
}

RPC_RULES: dict[str, Rule] = {
    "bus.publish": Rule(Scope.EVENTS_PUBLISH),
    "events.query": READ_FILTERED,
    "graph.query": READ,
}


def route_rule(method: str, path: str) -> Rule | None:
    return ROUTE_RULES.get(("GET" if method == "HEAD" else method, path))


def _raw_id(value: str) -> str | None:
    """The raw 32-hex id of a raw or Relay global id (base64 of ``Entity:raw``); None if neither."""
    value = value.strip()
    if _RAW.match(value):
        return value
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    raw = decoded.partition(":")[2]
    return raw if _RAW.match(raw) else None


def check(rule: Rule | None, principal: Principal | None, *, what: str, project: object = None) -> None:
    """Raise Unauthenticated (401) or Forbidden (403) unless ``principal`` may do ``what``.

    ``project`` is the value of the rule's project argument, when the rule has one.
    """
    if rule is None:
        raise Forbidden(f"{what} has no scope rule", hint="every operation needs one in app/auth/scopes.py")
    if rule.public:
        return
    if principal is None:
        raise Unauthenticated(f"{what} needs a credential", hint="Authorization: Bearer hub_...")
    if rule.scope is not None and not principal.has(rule.scope):
        raise Forbidden(f"{what} needs the {rule.scope.value!r} scope")
    if principal.all_projects or rule.delegated or rule.filtered:
        return
    if rule.project is None:
        raise Forbidden(f"{what} spans projects; this key is limited to named projects")
    raw = _raw_id(project) if isinstance(project, str) else None
    if raw is None or not principal.may_see_project(raw):
        raise Forbidden(f"{what}: this key has no grant for that project")
