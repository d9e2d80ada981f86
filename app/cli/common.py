"""What every ``hub`` command shares: turning the hub's errors into one line naming the fix."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired
from rich.console import Console
from rich.markup import escape

from app.core.errors import HubError

err = Console(stderr=True, soft_wrap=True)  # one error, one line: no wrapping at 80 columns

P = ParamSpec("P")
R = TypeVar("R")


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except HubError as error:
            err.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False)
            if error.hint:
                err.print(f"[yellow]fix:[/] {escape(error.hint)}", highlight=False)
            raise typer.Exit(1) from None
        except AuthError:
            err.print("[bold red]error:[/] Neo4j rejected the user name or password")
            err.print("[yellow]fix:[/] check HUB_NEO4J_USER / HUB_NEO4J_PASSWORD")
            raise typer.Exit(1) from None
        except (ServiceUnavailable, SessionExpired) as error:
            err.print(f"[bold red]error:[/] Neo4j is not reachable: {error}")
            err.print("[yellow]fix:[/] run `hub up`, or check HUB_NEO4J_URI")
            raise typer.Exit(1) from None

    return wrapper
