"""Principals and roles, and the object-level access rules every use case applies."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import NotFound, RuleViolation


class Role(StrEnum):
    """Staff roles. A committee member approves files; the maker-checker rule forbids self-approval."""

    ADMIN = "admin"
    LOAN_OFFICER = "loan_officer"
    COMMITTEE_MEMBER = "committee_member"
    READ_ONLY = "read_only"


class KeyMode(StrEnum):
    """A partner API key's mode: live, or test (a sandbox key, issue 14)."""

    LIVE = "live"
    TEST = "test"


class PrincipalKind(StrEnum):
    STAFF = "staff"
    PARTNER = "partner"
    BORROWER = "borrower"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. Exactly one of the kinds applies; ids say whose records it may see."""

    kind: PrincipalKind
    subject_id: uuid.UUID
    roles: frozenset[Role] = field(default_factory=frozenset)
    # A staff user's token version when the token was issued: a token of an older version is dead.
    token_version: int = 0
    # A partner's sandbox key: it sees and makes test data only (issue 14).
    test: bool = False

    @property
    def is_staff(self) -> bool:
        return self.kind is PrincipalKind.STAFF

    def has_any_role(self, *roles: Role) -> bool:
        return self.is_staff and bool(self.roles.intersection(roles))

    @property
    def partner_id(self) -> uuid.UUID | None:
        return self.subject_id if self.kind is PrincipalKind.PARTNER else None

    @property
    def borrower_id(self) -> uuid.UUID | None:
        return self.subject_id if self.kind is PrincipalKind.BORROWER else None


def ensure_may_see_partner(principal: Principal, partner_id: uuid.UUID) -> None:
    """Staff see every partner; a partner sees only itself. Others get 404, not 403, so ids leak nothing."""
    if principal.is_staff or principal.partner_id == partner_id:
        return
    raise NotFound("partner not found", code="partner.not_found")


def ensure_may_see_borrower(principal: Principal, borrower_id: uuid.UUID) -> None:
    """Staff see every borrower; a borrower sees only their own record (404 for anyone else's)."""
    if principal.is_staff or principal.borrower_id == borrower_id:
        return
    raise NotFound("borrower not found", code="borrower.not_found")


def may_see_loan(principal: Principal, borrower_id: uuid.UUID | None) -> bool:
    """Who may see a loan (its schedule, payoff, statement, contract): staff every loan; a borrower
    only the loans whose borrower they are; partners none. The one rule every route applies."""
    return principal.is_staff or (borrower_id is not None and principal.borrower_id == borrower_id)


def ensure_may_see_loan(principal: Principal, borrower_id: uuid.UUID | None) -> None:
    """``may_see_loan`` or 404 (not 403: anyone else's loan ids leak nothing)."""
    if not may_see_loan(principal, borrower_id):
        raise NotFound("loan not found", code="loan.not_found")


@dataclass
class StaffUser:
    id: uuid.UUID
    username: str
    full_name: str
    password_hash: str
    roles: frozenset[Role]
    active: bool
    created_at: datetime
    version: int = 1
    # Bumped whenever access shrinks or credentials change, which ends every token issued before.
    token_version: int = 1

    def revoke_tokens(self) -> None:
        self.token_version += 1


@dataclass
class Partner:
    """A referring organisation (public employment agency, youth mission, training provider...)."""

    id: uuid.UUID
    name: str
    kind: str
    active: bool
    created_at: datetime


@dataclass
class ApiKey:
    """A partner's API key. Only a hash is kept; the secret is shown once at creation."""

    id: uuid.UUID
    partner_id: uuid.UUID
    prefix: str
    key_hash: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None
    # A sandbox key (issue 14): it makes and sees test data only, and its webhooks go out as live ones do.
    test: bool = False

    @property
    def mode(self) -> KeyMode:
        return KeyMode.TEST if self.test else KeyMode.LIVE


@dataclass
class Borrower:
    id: uuid.UUID
    full_name: str
    email: str
    phone: str | None
    language: str
    created_at: datetime


@dataclass
class LoginCode:
    """A one-time code a borrower types to get a token; single use, short-lived, few attempts."""

    id: uuid.UUID
    borrower_id: uuid.UUID
    code_hash: str
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None
    requested_from: str | None = None  # the client address that asked for it

    MAX_ATTEMPTS = 5

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at and self.attempts < self.MAX_ATTEMPTS


PARTNER_KINDS = frozenset(
    {
        "employment_agency",
        "youth_mission",
        "training_provider",
        "integration_association",
        "chamber_of_trade",
        "incubator",
        "other",
    }
)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 12


def normalise_username(username: str) -> str:
    """Staff user names compare case-insensitively and without surrounding spaces (sign-in, its
    back-off and the account's creation all name one account the same way)."""
    return username.strip().lower()


def normalise_email(email: str, *, field: str = "email") -> str:
    """E-mail addresses compare case-insensitively and without surrounding spaces."""
    value = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise RuleViolation("not a valid e-mail address", code="identity.invalid_email", field=field)
    return value


def normalise_phone(phone: str) -> str:
    """Phone numbers compare on digits in international form; French national 0X numbers become +33X."""
    digits = re.sub(r"[\s.\-()]", "", phone.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        digits = "+33" + digits[1:]
    if not re.fullmatch(r"\+[1-9]\d{6,14}", digits):
        raise RuleViolation("not a valid phone number", code="identity.invalid_phone", field="phone")
    return digits


def check_password_strength(password: str) -> None:
    """Staff passwords: long enough to resist guessing (length beats composition rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters",
            code="identity.weak_password",
            field="password",
        )
