"""Forms: what was typed comes back with each error next to its field, in the page's language, using
the API's own problem texts (``service.kernel.http.messages``); a form that makes something once
carries an idempotency key, so a second click or a replayed post does it only once."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from litestar import Request

from domain.errors import DomainError, RuleViolation
from domain.identity.model import Principal
from service.kernel.http import messages
from service.kernel.http.idempotency import idempotency_key
from service.kernel.idempotency import IdempotencyKey
from service.ui.session import CSRF_FIELD

IDEMPOTENCY_FIELD = "_idempotency"
GENERAL = "_form"  # where an error that names no field is shown: above the form
_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,12})?")  # the API's DecimalString (service.kernel.http.wire)


@dataclass
class Form:
    """A posted form: its values as typed, and an error per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def of(cls, request: Request[Any, Any, Any]) -> Form:
        posted = await request.form()
        return cls({k: str(v).strip() for k, v in posted.items() if k not in (CSRF_FIELD, IDEMPOTENCY_FIELD)})

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def refuse(self, error: DomainError, language: messages.Language) -> None:
        self.errors[error.field or GENERAL] = messages.text(error.code, error.message, language)

    def decimal(self, name: str) -> Decimal:
        """A number written as people write it (``1 234,56``), of the API's shape: digits, no
        exponent ("1e999" made ``quantize`` raise, a 500), at most 15 before the separator."""
        text = self.get(name).replace(" ", "").replace("\u202f", "").replace("\xa0", "").replace(",", ".")
        if not _DECIMAL.fullmatch(text):
            raise RuleViolation("must be a number", field=name, code="form.not_a_number")
        return Decimal(text)

    def integer(self, name: str) -> int:
        """A whole number as typed (a sign allowed, nine digits at most): whether it is in range is the
        use case's rule, which says so in its own words (-1 instalments is out of range, not "not a
        whole number")."""
        text = self.get(name).strip()
        if not re.fullmatch(r"[-+]?\d{1,9}", text):
            raise RuleViolation("must be a whole number", field=name, code="form.not_a_whole_number")
        return int(text)


def new_idempotency_key() -> str:
    """Rendered in a form as a hidden field: each form shown is one attempt."""
    return uuid.uuid4().hex


async def form_idempotency(
    request: Request[Any, Any, Any], principal: Principal, form: Form, *, operation: str
) -> IdempotencyKey:
    """The key of a posted form, as the API builds it from the Idempotency-Key header."""
    posted = await request.form()
    key = str(posted.get(IDEMPOTENCY_FIELD) or "") or new_idempotency_key()
    return idempotency_key(principal, f"ui:{key}", form.values, operation=operation)
