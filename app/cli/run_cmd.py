"""``hub run``: the whole hub in one command (what ``make run`` runs).

Starts the local runtime (as ``hub up``), then ``hub serve`` and ``hub worker`` as child processes,
and supervises them: SIGINT/SIGTERM is forwarded to both, and when either exits the other is
stopped too (a hub without its worker would accept pushes it never ingests). On the way out the
local runtime is stopped as well unless ``--keep-runtime``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from app.cli.common import friendly_errors
from app.config import get_settings

console = Console()
STOP_TIMEOUT_S = 30.0


def _child(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args])


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every child still running, then wait; SIGKILL what outlives the timeout."""
    for process in children.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for name, process in children.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            console.print(f"[yellow]{name} did not stop in {STOP_TIMEOUT_S:g} s; killing it[/]")
            process.kill()
            process.wait()


@friendly_errors
def run(
    port: Annotated[int | None, typer.Option(help="API port (HUB_API_PORT)")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="API processes (HUB_API_WORKERS)")
    ] = None,
    keep_runtime: Annotated[
        bool, typer.Option("--keep-runtime", help="leave Neo4j, NATS and Redis running on exit")
    ] = False,
) -> None:
    """Run the whole hub: the local runtime, the API and the worker, started and stopped together."""
    from app.runtime.manager import down as runtime_down

    settings = get_settings()
    if subprocess.run([sys.executable, "-m", "app.cli", "up"], check=False).returncode != 0:
        raise typer.Exit(1)  # `hub up` has said what is wrong
    serve_args = ["serve"]
    if port is not None:
        serve_args += ["--port", str(port)]
    if workers is not None:
        serve_args += ["--workers", str(workers)]
    children = {"api": _child(*serve_args), "worker": _child("worker")}
    stopping: list[int] = []

    def on_signal(signum: int, _: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    url = f"http://{settings.api_host}:{port or settings.api_port}/"
    console.print(f"api: pid {children['api'].pid}; worker: pid {children['worker'].pid}")
    console.print(f"[bold]VISLZR: {url}[/]  (GraphQL {url}graphql, API docs {url}docs); Ctrl-C stops the hub")
    died: str | None = None
    try:
        while not stopping and died is None:
            died = next((name for name, process in children.items() if process.poll() is not None), None)
            time.sleep(0.2)
    finally:
        _stop(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if not keep_runtime:
            stopped = runtime_down(settings)
            console.print(f"stopped: {', '.join(['api', 'worker', *stopped])}")
    if died is not None:
        console.print(f"[bold red]{died} exited (code {children[died].returncode}); the hub was stopped[/]")
        raise typer.Exit(1)
