"""``POST /rpc``: JSON-RPC 2.0 over HTTP, single and batch requests.

Methods: ``bus.publish`` (a PublishRequest), ``events.query`` (an EventQuery), ``graph.query``
({name, params}: one of the read queries listed in ``RPC_READ_QUERIES``, its parameters checked
by that query's model; any other name is refused with -32602 and the list of allowed names).
Errors: -32700 parse error, -32600 invalid request, -32601 unknown method, -32602 invalid params
(including the hub's InvalidInput/NotFound), -32001 dependency unavailable, -32002 limit exceeded,
-32603 internal.
Notifications (no ``id``) get no response; a batch of only notifications gets 204.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.auth.service import authorize_rpc_method
from app.core.errors import DependencyUnavailable, HubError, InvalidInput, LimitExceeded, NotFound
from app.core.principal import principal_of, visible_projects
from app.events.models import RPC_READ_QUERIES, EventQuery, PublishRequest
from app.events.service import EventService, run_named_read

log = logging.getLogger(__name__)
router = APIRouter(tags=["rpc"])

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL = (
    -32700,
    -32600,
    -32601,
    -32602,
    -32603,
)
MAX_BATCH = 100


class GraphQueryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]+/[a-z0-9_]+$")
    params: dict[str, Any] = {}


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


Method = Callable[[Request, dict[str, Any]], Awaitable[Any]]


def _events(request: Request) -> EventService:
    events = getattr(request.app.state, "events", None)
    if events is None:
        raise DependencyUnavailable("the event backbone is not started")
    return events


async def bus_publish(request: Request, params: dict[str, Any]) -> Any:
    events = _events(request)
    ack = await events.publish(events.build(PublishRequest.model_validate(params)))
    return ack.model_dump()


async def events_query(request: Request, params: dict[str, Any]) -> Any:
    query = EventQuery.model_validate(params)
    projects = visible_projects(principal_of(request))
    page = await _events(request).query(query, driver=request.app.state.driver, projects=projects)
    return page.model_dump(mode="json", exclude_none=True)


async def graph_query(request: Request, params: dict[str, Any]) -> Any:
    parsed = GraphQueryParams.model_validate(params)
    model = RPC_READ_QUERIES.get(parsed.name)
    if model is None:
        raise RpcError(
            INVALID_PARAMS,
            f"Invalid params: graph.query does not run {parsed.name!r}; "
            f"allowed: {', '.join(RPC_READ_QUERIES)}",
            {"allowed": list(RPC_READ_QUERIES)},
        )
    checked = model.model_validate(parsed.params)
    settings = request.app.state.settings
    return await run_named_read(
        request.app.state.driver,
        name=parsed.name,
        params=checked.model_dump(),
        database=settings.neo4j_database,
        timeout_s=settings.neo4j_query_timeout_s,
    )


METHODS: dict[str, Method] = {
    "bus.publish": bus_publish,
    "events.query": events_query,
    "graph.query": graph_query,
}


def _error(id_: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": id_}


async def _call(request: Request, item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict) or item.get("jsonrpc") != "2.0" or not isinstance(item.get("method"), str):
        return _error(item.get("id") if isinstance(item, dict) else None, INVALID_REQUEST, "Invalid Request")
    id_ = item.get("id")
    if "id" in item and not (id_ is None or isinstance(id_, str | int)):
        return _error(None, INVALID_REQUEST, "Invalid Request: id must be a string, number or null")
    notification = "id" not in item
    params = item.get("params", {})
    try:
        method = METHODS.get(item["method"])
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, "Method not found", {"method": item["method"]})
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "Invalid params: use named parameters (an object)")
        authorize_rpc_method(principal_of(request), item["method"])  # issue 12: scope per method
        result = await method(request, params)
    except RpcError as error:
        response = _error(id_, error.code, error.message, error.data)
    except ValidationError as error:
        details = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
        response = _error(id_, INVALID_PARAMS, "Invalid params", details)
    except (InvalidInput, NotFound) as error:
        response = _error(id_, INVALID_PARAMS, f"Invalid params: {error.message}", {"code": error.code})
    except DependencyUnavailable as error:
        response = _error(id_, -32001, error.message, {"code": error.code})
    except LimitExceeded as error:
        response = _error(id_, -32002, error.message, {"code": error.code})
    except HubError as error:
        response = _error(id_, -32000, error.message, {"code": error.code})
    except Exception:
        log.exception("rpc %s failed", item.get("method"))
        response = _error(id_, INTERNAL, "Internal error")
    else:
        response = {"jsonrpc": "2.0", "result": result, "id": id_}
    return None if notification else response


@router.post("/rpc")
async def rpc(request: Request) -> Response:
    try:
        payload = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return JSONResponse(_error(None, PARSE_ERROR, "Parse error"))
    if isinstance(payload, list):
        if not payload:
            return JSONResponse(_error(None, INVALID_REQUEST, "Invalid Request: empty batch"))
        if len(payload) > MAX_BATCH:
            return JSONResponse(_error(None, INVALID_REQUEST, f"Invalid Request: batch over {MAX_BATCH}"))
        responses = [r for r in [await _call(request, item) for item in payload] if r is not None]
        return JSONResponse(responses) if responses else Response(status_code=204)
    response = await _call(request, payload)
    return JSONResponse(response) if response is not None else Response(status_code=204)
