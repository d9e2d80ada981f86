"""The trust boundary, generated from the app itself: every route of the OpenAPI document and every
GraphQL root field has a rule; without a credential -> 401, without the scope -> 403, a key limited
to project A asking for project B -> nothing of B. Plus the browser defences and rate limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from tests_support import api_client, create_token

from app.auth.scopes import GRAPHQL_RULES, PLAIN_ROUTE_RULES, ROUTE_RULES, Rule, route_rule
from app.config import Settings
from app.core.principal import Scope
from app.main import create_app
from app.schema import schema
from ingest.ids import project_id

RAW = "0" * 32
PROJECT_A, PROJECT_B = "auth-project-a", "auth-project-b"


@pytest.fixture(scope="module")
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture(scope="module")
def tokens(settings: Settings) -> dict[str, str]:
    return {
        "admin": create_token(settings, ["admin"]),
        "read": create_token(settings, ["read"]),
        "ingest": create_token(settings, ["ingest"]),
        "limited": create_token(settings, ["admin"], projects=[PROJECT_A]),
    }


@pytest.fixture(scope="module")
def anonymous(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The module's one client (one app lifespan); a credential is sent per request with ``as_``."""
    with api_client(app, None) as client:
        yield client


def as_(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


WS = "ws://127.0.0.1:8000"  # the TestClient's websocket_connect ignores base_url


def _without(rule: Rule) -> str:
    """A key that has some scope but not the rule's."""
    return "ingest" if rule.scope == Scope.READ else "read"


def _app_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _app_routes(nested.routes)
        else:
            yield route


def _http_routes(app) -> list[tuple[str, str, Rule | None]]:  # type: ignore[no-untyped-def]
    found = []
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            found.append((method.upper(), path, route_rule(method.upper(), path)))
    return found


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", RAW, path)


def test_every_route_and_field_has_a_rule(app) -> None:  # type: ignore[no-untyped-def]
    """A new route or GraphQL field without a rule fails here (and is denied at run time)."""
    missing = [f"{m} {p}" for m, p, rule in _http_routes(app) if rule is None]
    for route in _app_routes(app.routes):
        if isinstance(route, APIRoute):
            missing += [f"{m} {route.path}" for m in route.methods if route_rule(m, route.path) is None]
        elif isinstance(route, APIWebSocketRoute) and route_rule("WS", route.path) is None:
            missing.append(f"WS {route.path}")
    graphql = schema._schema
    for root in (graphql.query_type, graphql.mutation_type, graphql.subscription_type):
        missing += [f"{root.name}.{n}" for n in root.fields if f"{root.name}.{n}" not in GRAPHQL_RULES]
    assert not missing, f"no scope rule in app/auth/scopes.py for: {missing}"
    # and no stale rules for routes that no longer exist
    live = {(m, p) for m, p, _ in _http_routes(app)}
    for route in _app_routes(app.routes):
        if isinstance(route, APIRoute):
            live |= {("GET" if m == "HEAD" else m, route.path) for m in route.methods}
        elif isinstance(route, APIWebSocketRoute):
            live.add(("WS", route.path))
    assert set(ROUTE_RULES) <= live, set(ROUTE_RULES) - live


def test_routes_need_a_credential_and_the_scope(app, anonymous: TestClient, tokens: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for method, path, rule in _http_routes(app):
        assert rule is not None
        url = _fill(path)
        if rule.public:
            continue
        body = {} if method == "POST" else None
        response = anonymous.request(method, url, json=body)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        if rule.delegated:
            continue
        response = anonymous.request(method, url, json=body, headers=as_(tokens[_without(rule)]))
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "FORBIDDEN"
        checked += 1
    assert checked >= 15
    for path, rule in PLAIN_ROUTE_RULES.items():
        assert anonymous.get(path).status_code == 401, path
        assert anonymous.get(path, headers=as_(tokens[_without(rule)])).status_code == 403, path
        assert anonymous.get(path, headers=as_(tokens["admin"])).status_code == 200, path


def test_a_bad_or_malformed_credential_is_refused(anonymous: TestClient) -> None:
    for value in ("Bearer hub_0123456789abcdef_" + "x" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz"):
        response = anonymous.get("/api/projects", headers={"Authorization": value})
        assert response.status_code == 401, value


# -- GraphQL: one valid operation per root field, generated from the schema ----------------------
def _literal(type_: Any) -> str:
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{_literal(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        required = [
            f"{n}: {_literal(f.type)}" for n, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)
        ]
        return "{" + ", ".join(required) + "}"
    assert isinstance(type_, GraphQLScalarType)
    return {"ID": f'"{RAW}"', "String": '"x"', "Int": "1", "Float": "1.0", "Boolean": "true"}.get(
        type_.name, '"x"'
    )


def _operation(root: str, name: str, field: Any, project: str | None = None) -> str:
    args = []
    for arg_name, arg in field.args.items():
        if project is not None and GRAPHQL_RULES[f"{root}.{name}"].project == arg_name:
            args.append(f'{arg_name}: "{project}"')
        elif isinstance(arg.type, GraphQLNonNull):
            args.append(f"{arg_name}: {_literal(arg.type)}")
    composite = (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
    selection = " { __typename }" if isinstance(get_named_type(field.type), composite) else ""
    keyword = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}[root]
    return f"{keyword} {{ {name}{'(' + ', '.join(args) + ')' if args else ''}{selection} }}"


def _fields() -> list[tuple[str, str, Any]]:
    graphql = schema._schema
    return [
        (root.name, n, f)
        for root in (graphql.query_type, graphql.mutation_type)
        for n, f in root.fields.items()
    ]


def _codes(body: dict[str, Any]) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in body.get("errors") or []}


def test_graphql_fields_need_a_credential_and_the_scope(
    anonymous: TestClient, tokens: dict[str, str]
) -> None:
    for root, name, field in _fields():
        query = {"query": _operation(root, name, field)}
        assert anonymous.post("/graphql", json=query).status_code == 401, query
        rule = GRAPHQL_RULES[f"{root}.{name}"]
        body = anonymous.post("/graphql", json=query, headers=as_(tokens[_without(rule)])).json()
        assert "FORBIDDEN" in _codes(body), (query, body)
        assert not body.get("data"), body
        body = anonymous.post("/graphql", json=query, headers=as_(tokens["admin"])).json()
        assert "FORBIDDEN" not in _codes(body) and "GRAPHQL_VALIDATION_FAILED" not in _codes(body), (
            query,
            body,
        )


def test_a_project_limited_key_sees_nothing_of_another_project(
    app, anonymous: TestClient, tokens: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    allowed, other = project_id(PROJECT_A), project_id(PROJECT_B)
    limited = as_(tokens["limited"])
    for root, name, field in _fields():
        rule = GRAPHQL_RULES[f"{root}.{name}"]
        if rule.filtered:  # answers only with the key's projects: tests/auth/test_project_scoping.py
            continue
        query = {"query": _operation(root, name, field, other)}
        body = anonymous.post("/graphql", json=query, headers=limited).json()
        assert "FORBIDDEN" in _codes(body) and not body.get("data"), (name, body)
        if rule.project is not None:  # its own project passes the boundary (then NOT_FOUND: no data)
            query = {"query": _operation(root, name, field, allowed)}
            body = anonymous.post("/graphql", json=query, headers=limited).json()
            assert "FORBIDDEN" not in _codes(body), (name, body)
    for method, path, rule in _http_routes(app):
        assert rule is not None
        if rule.public or rule.delegated or rule.filtered:
            continue
        url = _fill(path.replace("{project_id}", other))
        response = anonymous.request(method, url, json={} if method == "POST" else None, headers=limited)
        assert response.status_code == 403, (method, path, response.text)
    assert anonymous.get(f"/api/projects/{allowed}", headers=limited).status_code == 404  # past the boundary
    by_variable = {
        "query": "query($p: ID!) { projectGraph(projectId: $p) { __typename } }",
        "variables": {"p": other},
    }
    assert "FORBIDDEN" in _codes(anonymous.post("/graphql", json=by_variable, headers=limited).json())
    query_all = {"name": "graph/projects", "params": {}}
    rpc = {"jsonrpc": "2.0", "method": "graph.query", "params": query_all, "id": 1}
    assert anonymous.post("/rpc", json=rpc, headers=limited).json()["error"]["data"]["code"] == "FORBIDDEN"


# -- browsers kept out --------------------------------------------------------------------------
def test_foreign_host_is_refused(anonymous: TestClient, tokens: dict[str, str]) -> None:
    admin = as_(tokens["admin"])
    assert anonymous.get("/api/projects", headers=admin).status_code == 200
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        response = anonymous.get("/api/projects", headers={"Host": host, **admin})
        assert response.status_code == 400 and response.json()["error"]["code"] == "HOST_NOT_ALLOWED", host
    assert anonymous.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert anonymous.get("/api/projects", headers={"Host": "localhost:8000", **admin}).status_code == 200


@pytest.mark.parametrize("path", ["/rpc", "/api/events/publish"])
def test_cross_origin_and_non_json_posts_are_refused(
    anonymous: TestClient, tokens: dict[str, str], path: str
) -> None:
    body = '{"jsonrpc": "2.0", "method": "bus.publish", "params": {}, "id": 1}'
    admin = as_(tokens["admin"])
    plain = {"Content-Type": "text/plain"}
    cross = anonymous.post(path, content=body, headers={**plain, "Origin": "http://evil.example", **admin})
    assert cross.status_code == 403 and cross.json()["error"]["code"] == "ORIGIN_REFUSED"
    site = anonymous.post(path, content=body, headers={**plain, "Sec-Fetch-Site": "cross-site", **admin})
    assert site.status_code == 403
    assert anonymous.post(path, content=body, headers={**plain, **admin}).status_code == 415
    form = {"Content-Type": "application/x-www-form-urlencoded", **admin}
    assert anonymous.post(path, content=b"a=b", headers=form).status_code == 415
    # without a credential (a browser's drive-by request) the same
    assert (
        anonymous.post(path, content=body, headers={**plain, "Origin": "http://evil.example"}).status_code
        == 403
    )
    same_origin = {"Content-Type": "application/json", "Origin": "http://127.0.0.1:8000", **admin}
    assert anonymous.post(path, content=body, headers=same_origin).status_code < 500


def test_websocket_upgrade_from_a_foreign_origin_is_refused(
    anonymous: TestClient, tokens: dict[str, str]
) -> None:
    for path in ("/graphql", "/api/events/stream"):
        headers = {"Origin": "http://evil.example", **as_(tokens["admin"])}
        with (
            pytest.raises(WebSocketDisconnect),
            anonymous.websocket_connect(
                f"{WS}{path}", subprotocols=["graphql-transport-ws"], headers=headers
            ),
        ):
            pass
    # same origin, credential in connection_init: accepted
    with anonymous.websocket_connect(
        f"{WS}/graphql", subprotocols=["graphql-transport-ws"], headers={"Origin": "http://127.0.0.1:8000"}
    ) as socket:
        socket.send_json(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {tokens['read']}"}}
        )
        assert socket.receive_json()["type"] == "connection_ack"


def test_graphql_websocket_without_a_credential_is_rejected(anonymous: TestClient) -> None:
    with anonymous.websocket_connect(f"{WS}/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init", "payload": {}})
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == 4403
    with pytest.raises(WebSocketDisconnect), anonymous.websocket_connect(f"{WS}/api/events/stream"):
        pass


def test_subscription_needs_its_scope(anonymous: TestClient, tokens: dict[str, str]) -> None:
    with anonymous.websocket_connect(f"{WS}/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {tokens['ingest']}"}}
        )
        assert socket.receive_json()["type"] == "connection_ack"
        subscribe = {"query": 'subscription { events(subject: "hub.>") { id } }'}
        socket.send_json({"id": "1", "type": "subscribe", "payload": subscribe})
        message = socket.receive_json()
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert message["type"] in ("next", "error") and "FORBIDDEN" in str(errors), message
        assert not (message["payload"].get("data") if message["type"] == "next" else None), message


def test_healthz_says_only_up_or_down_without_a_credential(
    anonymous: TestClient, tokens: dict[str, str]
) -> None:
    assert anonymous.get("/healthz").json() == {"status": "up"}
    detail = anonymous.get("/healthz", headers=as_(tokens["read"])).json()
    assert {d["name"] for d in detail["dependencies"]} == {"neo4j", "nats", "redis"}


def test_metrics_public_setting(settings: Settings) -> None:
    with api_client(create_app(settings.model_copy(update={"metrics_public": True})), None) as client:
        assert client.get("/metrics").status_code == 200
        assert client.get("/openapi.json").status_code == 401


def test_rate_limit_answers_429_with_retry_after(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_requests": 5, "rate_limit_window_s": 30})
    token, other = create_token(settings, ["read"]), create_token(settings, ["read"])
    with api_client(create_app(limited), token) as client:
        assert [client.get("/api/projects").status_code for _ in range(5)] == [200] * 5
        over = client.get("/api/projects")
        assert over.status_code == 429 and over.json()["error"]["code"] == "RATE_LIMITED"
        assert 1 <= int(over.headers["retry-after"]) <= 30
        # per key: another key is not limited by the first one's requests
        assert client.get("/api/projects", headers=as_(other)).status_code == 200
