"""Reading typed values out of a posted form for the operations pages (loans, training, follow-up,
administration): each refusal names its field, so the page shows it next to that field."""

from __future__ import annotations

import uuid
from datetime import date

from domain.errors import RuleViolation
from service.ui.forms import Form


def required_text(form: Form, name: str) -> str:
    if not form.get(name):
        raise RuleViolation("required", field=name, code="form.required")
    return form.get(name)


def required_date(form: Form, name: str) -> date:
    text = form.get(name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleViolation(
            "required" if not text else "not a date",
            field=name,
            code="form.required" if not text else "form.not_a_date",
        ) from None


def optional_date(form: Form, name: str) -> date | None:
    return required_date(form, name) if form.get(name) else None


def optional_uuid(text: str | None) -> uuid.UUID | None:
    """A filter's id from the query string; anything else (empty, mistyped) filters nothing."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def choice(form: Form, name: str, allowed: tuple[str, ...]) -> str:
    if form.get(name) not in allowed:
        raise RuleViolation("required", field=name, code="form.required")
    return form.get(name)
