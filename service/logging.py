"""structlog set-up: JSON in production, readable in development, personal data scrubbed.

Every line carries the request id (or job id) bound in context variables. Names, e-mail
addresses, phone numbers, street addresses, IBANs and birth dates are replaced before a line is
written, both under known keys and wherever they appear inside a string value; free-text notes,
comments and situations are replaced under their keys.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import msgspec
import structlog

REDACTED = "[redacted]"
# Keys whose values are personal data wherever they appear in an event.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "email",
        "e_mail",
        "phone",
        "phone_number",
        "mobile",
        "address",
        "street",
        "street_address",
        "iban",
        "bic",
        "password",
        "code",
        "token",
        "api_key",
        "secret",
        "authorization",
        "birth_date",
        "date_of_birth",
        "born_on",
        "birthday",
        "dob",
        "postal_address",
        # Free text written about a person (notes, comments, reasons) and their social situation.
        "note",
        "notes",
        "comment",
        "comments",
        "difficulties",
        "reason",
        "evidence",
        "project_idea",
        "purpose",
        "situation",
        "guarantors",
    }
)
_PATTERNS = [
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),  # e-mail
    re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b"),  # IBAN
    re.compile(r"(?<![\w.])(?:\+|00)\d{1,3}[\s.-]?\d(?:[\s.-]?\d{2}){4}\b"),  # international phone
    re.compile(r"(?<![\w.])0[1-9](?:[\s.-]?\d{2}){4}\b"),  # French national phone
    re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s(?:rue|avenue|av\.|boulevard|bd|chemin|allée|place|impasse|quai|"
        r"route|cours|street|st\.|road|lane)\s[^,;\n]{2,60}",
        re.IGNORECASE,
    ),  # street address
    re.compile(r"\b(?:0?[1-9]|[12]\d|3[01])[/.](?:0?[1-9]|1[0-2])[/.](?:19|20)\d{2}\b"),  # a date written dd/mm/yyyy
    # an ISO date said to be a birth date (the service's own dates are ISO and not personal)
    re.compile(r"(?:n[ée]e?|born|birth|naissance)\D{0,20}\d{4}-\d{2}-\d{2}", re.IGNORECASE),
]


# One cheap test first: most log values (ids, paths, numbers) have none of these signs.
_MAYBE_PERSONAL = re.compile(
    r"@|\d{2}|[A-Z]{2}\d{2}|\s(?:rue|avenue|av\.|boulevard|bd|chemin|allée|place|impasse|quai|"
    r"route|cours|street|st\.|road|lane)\s",
    re.IGNORECASE,
)


def scrub_text(text: str) -> str:
    if not _MAYBE_PERSONAL.search(text):
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if str(k).lower() in PERSONAL_KEYS else _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


# Keys the service itself fills with non-personal values (ids, levels, clock readings). Not "event":
# for the standard library's records (arq, uvicorn) it is their message, which may quote a job's
# arguments or an error's text.
_SAFE_KEYS = frozenset({"timestamp", "level", "request_id", "job_id", "duration_ms", "status", "method"})


def scrub_personal_data(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: last line of defence against personal data in logs."""
    for key, value in event.items():
        if key in _SAFE_KEYS or isinstance(value, (int, float, bool)) or value is None:
            continue
        event[key] = REDACTED if key.lower() in PERSONAL_KEYS else _scrub(value)
    return event


def _json(event: MutableMapping[str, Any], **_: Any) -> str:
    """msgspec renders a log line several times faster than the json module; unknown types become text."""
    return msgspec.json.encode(event, enc_hook=str).decode()


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is now (test runners swap it), not the one at set-up."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


class _StdoutLogger:
    """structlog's output for our own events: one line on the current ``sys.stdout``.

    Our events skip the standard library's logging machinery, which costs more than the rest of a
    fast request; the standard library's own records (uvicorn, arq) still go through it below.
    """

    def msg(self, message: str) -> None:
        sys.stdout.write(message + "\n")
        sys.stdout.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def configure_logging(*, json: bool, level: str = "INFO") -> None:
    """Configure structlog and route the standard library's loggers (uvicorn, arq) through it."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json) if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    # Tracebacks become text before the scrubber runs, in both formats, so that it sees them too.
    tracebacks: list[Any] = [structlog.processors.format_exc_info]
    structlog.configure(
        processors=[*shared, *tracebacks, scrub_personal_data, renderer],
        logger_factory=lambda *_: _StdoutLogger(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, *tracebacks, scrub_personal_data],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = _StdoutHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "arq"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our own request log line replaces it
