"""RFC 9457 problem+json: the one table mapping errors to HTTP answers.

No stack trace, SQL or driver text ever reaches a response; unexpected errors are logged with
the request id and answered with a bare 500 problem that carries the same id. Titles, details
and reasons are in French unless the caller asks for English (``service.kernel.http.messages``).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from domain.errors import Conflict, DomainError, Forbidden, NotAuthenticated, NotFound, RuleViolation, Unavailable
from service.kernel.http import messages
from service.kernel.http.field_paths import json_path

log = structlog.get_logger()
PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(msgspec.Struct, frozen=True):
    field: str
    reason: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """An RFC 9457 problem. ``code`` is stable for clients; ``errors`` names each faulty field."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (RuleViolation, 422),
    (Unavailable, 503),
]
HTTP_CODES = {
    400: "request.invalid",
    401: "auth.not_authenticated",
    403: "auth.forbidden",
    404: "not_found",
    405: "request.method_not_allowed",
    409: "conflict",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    429: "request.rate_limited",
    503: "service.unavailable",
}


def too_many_requests(detail: str, wait: int) -> HTTPException:
    """A 429 telling the client how many seconds to wait (every limiter answers this way)."""
    return HTTPException(status_code=429, detail=detail, headers={"Retry-After": str(wait)})


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """The problem, in the caller's language: ``detail`` and the reasons are given in English."""
    language = request_language(request)
    problem = Problem(
        type=f"urn:microcredit:problem:{code}",
        title=messages.title(status, language),
        status=status,
        code=code,
        detail=messages.text(code, detail, language) if detail else None,
        request_id=request.scope.get("state", {}).get("request_id"),
        errors=[FieldError(e.field, messages.reason(e.reason, language)) for e in errors] if errors else None,
    )
    return Response(problem, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def request_language(request: Request[Any, Any, Any]) -> messages.Language:
    # The raw ASGI headers: building Litestar's header mapping costs more than the look-up.
    for key, value in request.scope.get("headers", ()):
        if key == b"accept-language":
            return messages.language_of(value.decode("latin-1"))
    return messages.DEFAULT_LANGUAGE


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = next((s for cls, s in _DOMAIN_STATUS if isinstance(exc, cls)), 422)
    # The field's reason is the error's message: translated by the error's code, like the detail.
    reason = messages.text(exc.code, exc.message, request_language(request))
    errors = [FieldError(field=json_path(_request_schema(request), exc.field), reason=reason)] if exc.field else None
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {"Retry-After": "1"} if status == 503 else None
    return problem_response(request, status, exc.code, exc.message, errors=errors, headers=headers)


def _request_schema(request: Request[Any, Any, Any]) -> str | None:
    """The name of the body's schema (``CreateLoanQuoteRequest``), where the domain's fields are found."""
    parameters = getattr(getattr(request.scope.get("route_handler"), "parsed_fn_signature", None), "parameters", {})
    return getattr(getattr(parameters.get("data"), "annotation", None), "__name__", None)


MISSING_BODY = "the request has no body; send a JSON object"
_MSGSPEC_PATH = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")


_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")


def _field_from_path(path: str, reason: str) -> str:
    # msgspec reports "$.fees[0].percent" and "$.principal"; clients see "fees[0].percent", "principal".
    # A missing field is reported at its parent object: name the field itself.
    field = path.lstrip(".")
    if missing := _MISSING_FIELD.match(reason):
        field = f"{field}.{missing.group('name')}" if field else missing.group("name")
    return field or "body"


def _parameter_name(request: Request[Any, Any, Any], key: str) -> str:
    """A header or query parameter by the name the client sends (``Idempotency-Key``), not by the
    handler's argument it lands in (``idempotency``)."""
    parameters = getattr(getattr(request.scope.get("route_handler"), "parsed_fn_signature", None), "parameters", {})
    kwarg = getattr(parameters.get(key), "kwarg_definition", None)
    for given_name in ("header", "query", "name"):
        if name := getattr(kwarg, given_name, None):
            return str(name)
    return key


def _validation_errors(request: Request[Any, Any, Any], exc: ValidationException) -> list[FieldError]:
    errors: list[FieldError] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid value"))
        key = item.get("key")
        match = _MSGSPEC_PATH.match(message)
        if key is None and match:
            reason = match.group("reason")
            errors.append(FieldError(field=_field_from_path(match.group("path") or "", reason), reason=reason))
        elif key == "data":
            # Litestar's words for a missing body are the KeyError of its argument: "'data'".
            errors.append(FieldError(field="body", reason=MISSING_BODY))
        else:
            errors.append(FieldError(field=_parameter_name(request, str(key)) if key else "body", reason=message))
    return errors


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors = _validation_errors(request, exc) or [FieldError(field="body", reason=exc.detail)]
        return problem_response(request, 400, "request.invalid", "the request does not match the schema", errors=errors)
    if status >= 500:
        if exc.detail == "client disconnected prematurely":
            # Litestar reports a client that hung up mid-body as a 500; nobody is there to answer.
            log.info("client_disconnected", path=_route_of(request))
            return problem_response(request, 400, "request.incomplete", "the client disconnected")
        return internal_error_handler(request, exc)
    detail = exc.detail if status != 404 or exc.detail != "Not Found" else "no such resource"
    return problem_response(
        request, status, HTTP_CODES.get(status, "request.invalid"), detail, headers=dict(exc.headers or {}) or None
    )


def _route_of(request: Request[Any, Any, Any]) -> str:
    # The route's template, not the path: a client may put a person's name in a URL.
    return str(request.scope.get("path_template") or "unrouted")


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.error("request_failed", error_type=type(exc).__name__, path=_route_of(request), exc_info=exc)
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "an unexpected error occurred; quote the request id when reporting it",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Document the problem responses a route can give (every route declares its errors)."""
    return {
        s: ResponseSpec(
            data_container=Problem,
            description=messages.TITLES.get(s, ("", "Error"))[1],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for s in statuses
    }
