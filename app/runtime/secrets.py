"""Secrets of the local runtime: generated once, kept as 0600 files under ``HUB_HOME/secrets``.

The Neo4j password, the NATS users' passwords (the hub's and the git hooks' restricted one) and
the Redis password are made on the first ``hub up`` with ``secrets.token_urlsafe`` and never
printed or logged; clients read them through ``Settings`` (``app/config.py``). The server
configurations that carry them are written to the same 0700 folder, 0600, on every start, so the
password never appears on a command line (``ps`` shows command lines to every local user).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def ensure_secret(path: Path) -> str:
    """The secret stored in ``path``, created once (mode 0600, folder 0700) if it is absent."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A leading "-" would read as an option to command-line tools the user may pass it to.
    value = "n" + secrets.token_urlsafe(24)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another `hub up` made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def write_private(path: Path, text: str) -> Path:
    """Write a file only its owner can read (a server configuration holding a secret)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path
