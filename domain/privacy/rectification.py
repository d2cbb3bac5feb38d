"""Rectification (GDPR art. 16): a person's identity and contact data corrected, each correction
recorded with who, when and why. Only these fields are rectified this way; amounts, dates and the
other financial records are never rewritten (a wrong payment is reversed, not edited)."""

from __future__ import annotations

from enum import Enum

from domain.errors import RuleViolation
from domain.identity.model import normalise_email, normalise_phone


class RectifiableField(str, Enum):
    FULL_NAME = "full_name"
    EMAIL = "email"
    PHONE = "phone"
    POSTAL_ADDRESS = "postal_address"


# The longest value each field holds (as the create/update routes accept); phones are normalised.
MAX_LENGTH = {RectifiableField.FULL_NAME: 200, RectifiableField.EMAIL: 320, RectifiableField.POSTAL_ADDRESS: 500}


def corrected_value(field: RectifiableField, value: str) -> str:
    """The value as stored: e-mail and phone normalised as everywhere else, text trimmed."""
    if field is RectifiableField.PHONE:
        return normalise_phone(value)
    text = normalise_email(value) if field is RectifiableField.EMAIL else " ".join(value.split())
    if not text:
        raise RuleViolation("the corrected value is empty", code="privacy.empty_value", field="value")
    if len(text) > MAX_LENGTH[field]:
        raise RuleViolation(
            f"at most {MAX_LENGTH[field]} characters for {field.value}", code="privacy.value_too_long", field="value"
        )
    return text
