"""Supervising a local server process through a pid file.

Servers run in their own session (``setsid``) so they outlive the ``hub up`` that started them;
the pid file lives in ``HUB_HOME/run`` (never in Neo4j's own run folder, which it cleans).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import RuntimeStartError


def port_is_open(port: int, host: str = "127.0.0.1", timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return "(no log)"
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 64_000))
        text = handle.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True, slots=True)
class ManagedProcess:
    """One server process: its command, its pid file, the log its output goes to."""

    name: str
    pid_file: Path
    log_file: Path
    # Strings of which one is in its command line, so a recycled pid is not mistaken for it (a
    # server that rewrites its process title needs the old and the new form).
    markers: tuple[str, ...]

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return None
        if not any(marker in cmdline for marker in self.markers) or _is_zombie(pid):
            return None
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def has_exited(self) -> bool:
        """Whether the process we started is gone. Unlike ``is_running`` this ignores the
        command line, which the java launcher briefly changes when it re-executes itself."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return True
        return not _alive(pid)

    def start(self, argv: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> int:
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            try:
                process = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as error:
                raise RuntimeStartError(f"cannot start {self.name}: {error}") from error
        self.pid_file.write_text(str(process.pid))
        # Popen returns while the new image may not show in /proc yet (an empty command line);
        # a stop in that moment would not recognise the process and leave it running.
        deadline = time.monotonic() + 2.0
        while self.pid() is None and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        return process.pid

    def stop(self, timeout: float = 60.0) -> bool:
        """SIGTERM and wait (a clean shutdown needs no recovery next time); SIGKILL as a last resort."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        self.pid_file.unlink(missing_ok=True)
        return True

    def kill(self) -> None:
        """Hard kill, for fault-injection tests."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.05)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # reap it if it is our child: no zombie
        os.waitpid(pid, os.WNOHANG)
    return Path(f"/proc/{pid}").exists() and not _is_zombie(pid)


def wait_for_port(port: int, *, deadline: float, process: ManagedProcess) -> None:
    while time.monotonic() < deadline:
        if port_is_open(port):
            return
        if process.has_exited():
            raise RuntimeStartError(
                f"{process.name} exited during start-up; the end of {process.log_file}:\n"
                f"{tail(process.log_file)}"
            )
        time.sleep(0.2)
    raise RuntimeStartError(
        f"{process.name} did not open port {port} in time; the end of {process.log_file}:\n"
        f"{tail(process.log_file)}"
    )
