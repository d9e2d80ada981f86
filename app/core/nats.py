"""What every NATS connection of the app shares."""

from __future__ import annotations

import logging

log = logging.getLogger("app.nats")


async def quiet_nats_error(error: Exception) -> None:
    """The ``error_cb`` of every connection: nats-py prints each connection error (every failed
    reconnect) with a traceback unless given a callback; a debug line is enough, as callers see
    the state through ``is_connected`` and their own timeouts."""
    log.debug("nats: %s: %s", type(error).__name__, error)


# The git hooks' NATS user receives its JetStream acknowledgements under this prefix, the only
# subjects it may subscribe to: it never sees the replies meant for the hub's own clients.
HOOKS_INBOX_PREFIX = "_INBOX_hooks"
