"""The hub's own exceptions, mapped once to HTTP, GraphQL and JSON-RPC errors."""

from __future__ import annotations


class HubError(Exception):
    """Base class. ``code`` is the stable machine-readable name clients switch on."""

    code = "INTERNAL"
    http_status = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigurationError(HubError):
    code = "CONFIGURATION"


class RuntimeStartError(HubError):
    """A local dependency could not be installed or started."""

    code = "RUNTIME"


class DependencyUnavailable(HubError):
    code = "UNAVAILABLE"
    http_status = 503


class NotFound(HubError):
    code = "NOT_FOUND"
    http_status = 404


class InvalidInput(HubError):
    code = "BAD_REQUEST"
    http_status = 400


class LimitExceeded(HubError):
    code = "LIMIT_EXCEEDED"
    http_status = 422
