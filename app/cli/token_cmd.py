"""``hub token create|list|revoke|rotate`` and ``hub login``: the keys of the trust boundary.

A new or rotated key's secret is printed once and never stored in clear.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from app.auth import service
from app.auth.models import KEY_ID_PATTERN, CreatedKey, KeyRequest
from app.cli.common import friendly_errors
from app.config import Settings, get_settings
from app.core.db import create_async_driver
from app.core.errors import InvalidInput

token_app = typer.Typer(
    help="API keys: create (secret shown once), list, revoke, rotate", no_args_is_help=True
)
console = Console()
R = TypeVar("R")


def _run(settings: Settings, work: Callable[[Any, Redis], Awaitable[R]]) -> R:
    async def main() -> R:
        driver = create_async_driver(settings)
        redis = Redis.from_url(settings.redis_server_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return await work(driver, redis)
        finally:
            await redis.aclose()
            await driver.close()

    return asyncio.run(main())


def _key_id(value: str) -> str:
    if not re.match(KEY_ID_PATTERN, value):
        raise InvalidInput(f"{value[:40]!r} is not a key id", hint="`hub token list` shows the ids")
    return value


@token_app.command("create")
@friendly_errors
def create(
    scopes: Annotated[str, typer.Option(help="comma-separated: read,write,events:publish,ingest,admin")],
    project: Annotated[
        list[str] | None, typer.Option(help="limit the key to this project (repeatable)")
    ] = None,
    name: Annotated[str, typer.Option(help="what the key is for")] = "api key",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a key; its secret is printed once."""
    settings = get_settings()
    try:
        request = KeyRequest(name=name, scopes=service.parse_scopes(scopes), projects=project or None)
    except ValidationError as error:
        raise InvalidInput(error.errors()[0]["msg"]) from None
    created = _run(
        settings, lambda d, _r: service.create_key(d, database=settings.neo4j_database, request=request)
    )
    _print_created(created, as_json)


@token_app.command("list")
@friendly_errors
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key (never a secret or hash)."""
    settings = get_settings()
    keys = _run(settings, lambda d, _r: service.list_keys(d, database=settings.neo4j_database))
    if as_json:
        print(json.dumps([k.model_dump(mode="json") for k in keys]))
        return
    table = Table("id", "name", "scopes", "projects", "created", "last used", "revoked")
    for k in keys:
        when = [f"{t:%Y-%m-%d %H:%M}" if t else "" for t in (k.createdAt, k.lastUsedAt, k.revokedAt)]
        table.add_row(k.id, k.name, ",".join(k.scopes), ",".join(k.projects or ["*"]), *when)
    console.print(table)


@token_app.command("revoke")
@friendly_errors
def revoke(key_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Revoke a key: refused on the next request in every API worker."""
    settings = get_settings()
    key = _run(
        settings,
        lambda d, r: service.revoke_key(d, r, database=settings.neo4j_database, key_id=_key_id(key_id)),
    )
    console.print(f"revoked {key.id} ({key.name})")


@token_app.command("rotate")
@friendly_errors
def rotate(
    key_id: Annotated[str, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A new secret for a key (same id, scopes, projects); the old one stops working."""
    settings = get_settings()
    created = _run(
        settings,
        lambda d, r: service.rotate_key(d, r, database=settings.neo4j_database, key_id=_key_id(key_id)),
    )
    _print_created(created, as_json)


def _print_created(created: CreatedKey, as_json: bool) -> None:
    if as_json:
        print(json.dumps({**created.key.model_dump(mode="json"), "token": created.token}))
        return
    console.print(f"key {created.key.id} ({created.key.name}), scopes {','.join(created.key.scopes)}")
    console.print("the secret is shown once; store it now:")
    print(created.token)


def login_url(settings: Settings, *, port: int | None = None) -> str:
    host = settings.api_host if settings.api_host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
    return f"http://{host}:{port or settings.api_port}/login?token={service.issue_login_token(settings)}"


@friendly_errors
def login() -> None:
    """Print a new one-time login URL for VISLZR (the previous one stops working)."""
    print(login_url(get_settings()))
