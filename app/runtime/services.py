"""The local nats-server (JetStream) and redis-server, installed from Debian's packages if absent."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from app.config import NATS_HOOKS_USER, NATS_HUB_USER, REDIS_HUB_USER, Settings
from app.core.errors import RuntimeStartError
from app.core.nats import HOOKS_INBOX_PREFIX
from app.runtime.processes import ManagedProcess, port_is_open, wait_for_port
from app.runtime.secrets import ensure_secret, write_private

_DEBIAN_PACKAGES = {"nats-server": "nats-server", "redis-server": "redis-server"}


def ensure_installed(binary: str) -> str:
    """The binary's path, installing its Debian package once if it is missing."""
    found = shutil.which(binary) or _sbin(binary)
    if found:
        return found
    package = _DEBIAN_PACKAGES[binary]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeStartError(f"{binary} is not installed", hint=f"sudo apt-get install -y {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", package]
    result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:  # the package lists may never have been fetched on this machine
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    found = shutil.which(binary) or _sbin(binary)
    if result.returncode != 0 or not found:
        raise RuntimeStartError(
            f"installing {package} failed:\n{result.stderr[-1500:]}",
            hint=f"install it by hand: apt-get install -y {package}",
        )
    return found


def _sbin(binary: str) -> str | None:
    for folder in ("/usr/sbin", "/usr/bin", "/sbin"):
        if Path(folder, binary).exists():
            return str(Path(folder, binary))
    return None


class _LocalServer:
    binary: str
    name: str

    def __init__(self, settings: Settings, port: int) -> None:
        self.settings = settings
        self.port = port
        self.data = settings.home / self.name
        self.process = ManagedProcess(
            name=self.name,
            pid_file=settings.home / "run" / f"{self.name}.pid",
            log_file=settings.home / "logs" / f"{self.name}.log",
            markers=self.markers(),
        )

    def markers(self) -> tuple[str, ...]:
        """What identifies our process in /proc/<pid>/cmdline."""
        return (str(self.data),)

    def argv(self, binary: str) -> list[str]:
        raise NotImplementedError

    def write_auth_config(self) -> Path:
        """The server's users and passwords as a 0600 file (its secrets made on the first start)."""
        raise NotImplementedError

    def is_running(self) -> bool:
        return self.process.is_running()

    def start(self) -> bool:
        if self.is_running():
            return False
        if port_is_open(self.port):
            raise RuntimeStartError(
                f"port {self.port} is already taken by another process, so {self.name} cannot listen on it",
                hint=f"stop that process, or set HUB_{self.name.upper()}_PORT to a free port",
            )
        binary = ensure_installed(self.binary)
        self.data.mkdir(parents=True, exist_ok=True)
        self.write_auth_config()
        self.process.start(self.argv(binary), cwd=self.data)
        return True

    def wait_ready(self, deadline: float) -> None:
        wait_for_port(self.port, deadline=deadline, process=self.process)

    def stop(self) -> bool:
        return self.process.stop(timeout=30)


class LocalNats(_LocalServer):
    """nats-server with two users: the hub (everything) and the git hooks, who may publish only
    this hub's ``code.pushed`` and receive the JetStream acknowledgement in their own inbox
    prefix (so they cannot read the replies meant for the hub's clients)."""

    binary = "nats-server"
    name = "nats"

    @property
    def config_file(self) -> Path:
        return self.settings.secrets_dir / "nats-server.conf"

    def write_auth_config(self) -> Path:
        hub = ensure_secret(self.settings.nats_password_file(NATS_HUB_USER))
        hooks = ensure_secret(self.settings.nats_password_file(NATS_HOOKS_USER))
        pushed = f"hub.{self.settings.hub_id}.code.pushed"
        return write_private(self.config_file, (
            "# Written by `hub up` on every start from HUB_HOME/secrets; edits are overwritten.\n"
            "authorization {\n  users = [\n"
            f"    {{user: {NATS_HUB_USER}, password: {json.dumps(hub)}}}\n"
            f"    {{user: {NATS_HOOKS_USER}, password: {json.dumps(hooks)}, permissions: {{\n"
            f"      publish: {{allow: [{json.dumps(pushed)}]}}\n"
            f"      subscribe: {{allow: [{json.dumps(HOOKS_INBOX_PREFIX + '.>')}]}}\n"
            "    }}\n  ]\n}\n"
        ))  # fmt: skip

    def argv(self, binary: str) -> list[str]:
        return [binary, "-c", str(self.config_file), "-a", "127.0.0.1", "-p", str(self.port), "-js",
                "-sd", str(self.data), "-n", f"hub-{self.settings.hub_id}"]  # fmt: skip


class LocalRedis(_LocalServer):
    """redis-server whose only user is the hub's (the default user is switched off); the ACL in
    its configuration file holds the password's SHA-256, not the password."""

    binary = "redis-server"
    name = "redis"

    @property
    def config_file(self) -> Path:
        return self.settings.secrets_dir / "redis.conf"

    def markers(self) -> tuple[str, ...]:
        # Its argv (with the data dir) until redis rewrites its title to "redis-server host:port":
        # a stop right after the start (a failed `hub up`) must still find it.
        return (str(self.data), f"127.0.0.1:{self.port}")

    def write_auth_config(self) -> Path:
        password = ensure_secret(self.settings.redis_password_file)
        digest = hashlib.sha256(password.encode()).hexdigest()
        return write_private(self.config_file, (
            "# Written by `hub up` on every start from HUB_HOME/secrets; edits are overwritten.\n"
            "user default off\n"
            f"user {REDIS_HUB_USER} on #{digest} ~* &* +@all\n"
        ))  # fmt: skip

    def argv(self, binary: str) -> list[str]:
        return [binary, str(self.config_file), "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data), "--protected-mode", "yes", "--daemonize", "no",
                "--save", "60 1", "--appendonly", "yes", "--logfile", ""]  # fmt: skip
