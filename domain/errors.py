"""Typed business errors, each with a stable ``code`` that the API maps to an HTTP problem."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no. ``code`` is stable and documented; ``field`` names the input at fault."""

    code: str = "domain.error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class RuleViolation(DomainError):
    """The request is well-formed but breaks a business rule (HTTP 422)."""

    code = "rule.violated"


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does (HTTP 404)."""

    code = "not_found"


class Conflict(DomainError):
    """The object changed state or version under the caller (HTTP 409)."""

    code = "conflict"


class NotAuthenticated(DomainError):
    """No valid credentials were presented (HTTP 401)."""

    code = "auth.not_authenticated"


class Forbidden(DomainError):
    """The caller is known but lacks the right for this action (HTTP 403)."""

    code = "auth.forbidden"


class Unavailable(DomainError):
    """A part the service depends on (the database) is down for a moment; retry (HTTP 503).
    Nothing was changed, or the change was committed and a retry with the same key replays it."""

    code = "service.unavailable"
