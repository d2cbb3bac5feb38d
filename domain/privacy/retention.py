"""Retention periods and erasure (GDPR art. 17; French rules on credit and accounting records).

Each kind of record is kept for a period counted from a stated event, then erased or anonymised:
- a refused or withdrawn file (no loan): ``refused_file_months`` after the decision (the day the
  file reached the declined/withdrawn stage), or until the day the person agreed to, if later;
- identity of a borrower: ``loan_identity_years`` after the last loan closed, unless a dispute is open;
- loans and their accounting records: ``loan_records_years`` after the loan closed; they are kept
  anonymised (the ledger is append-only and the portfolio history must not change), so reaching
  this period removes nothing more;
- follow-up contacts' notes: ``follow_up_years`` after the last loan closed;
- replies stored for Idempotency-Key replays (which may quote a payment's reference or reason):
  ``idempotency_hours`` after the request; a retry within that time replays, a later one is a new
  request.
An erasure on request is refused while a legal period runs: an active loan, or an open dispute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain.errors import Conflict


class Action(str, Enum):
    ERASE_IDENTITY = "erase_identity"
    SCRUB_FOLLOW_UP = "scrub_follow_up"


@dataclass(frozen=True, kw_only=True)
class RetentionPolicy:
    """The periods, from the settings (``RETENTION_*``)."""

    refused_file_months: int = 6
    loan_identity_years: int = 5
    loan_records_years: int = 10
    follow_up_years: int = 5
    idempotency_hours: int = 72


@dataclass(frozen=True, kw_only=True)
class PersonFacts:
    """What the rules need to know about one person (an applicant and what hangs from them)."""

    stage: str
    stage_changed_on: date
    loans: int
    active_loans: int
    last_loan_closed_on: date | None  # None while a loan is active or when there never was one
    dispute_open: bool
    longer_retention_until: date | None
    erased: bool
    follow_up_scrubbed: bool


_CLOSED_FILE_STAGES = frozenset({"declined", "withdrawn"})


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def erasure_refusal(facts: PersonFacts) -> None:
    """Raises Conflict naming the legal period that forbids erasing now."""
    if facts.active_loans:
        raise Conflict("a loan of this person is still running: its records are kept", code="privacy.loan_active")
    if facts.dispute_open:
        raise Conflict("a dispute is open: the file is kept until it is settled", code="privacy.dispute_open")


def due_actions(facts: PersonFacts, policy: RetentionPolicy, today: date) -> frozenset[Action]:
    """What has passed its period on ``today`` and was not done yet."""
    actions: set[Action] = set()
    if facts.loans == 0:
        if facts.erased or facts.dispute_open or facts.stage not in _CLOSED_FILE_STAGES:
            return frozenset()
        until = add_months(facts.stage_changed_on, policy.refused_file_months)
        if facts.longer_retention_until is not None:
            until = max(until, facts.longer_retention_until)
        return frozenset({Action.ERASE_IDENTITY}) if today >= until else frozenset()
    if facts.active_loans or facts.last_loan_closed_on is None:
        return frozenset()
    closed = facts.last_loan_closed_on
    if not facts.follow_up_scrubbed and today >= add_months(closed, 12 * policy.follow_up_years):
        actions.add(Action.SCRUB_FOLLOW_UP)
    identity_until = add_months(closed, 12 * policy.loan_identity_years)
    if facts.longer_retention_until is not None:
        identity_until = max(identity_until, facts.longer_retention_until)
    if not facts.erased and not facts.dispute_open and today >= identity_until:
        actions.add(Action.ERASE_IDENTITY)
    return frozenset(actions)
