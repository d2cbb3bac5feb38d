"""Follow-up plans and contacts: after the money goes out, the programme keeps in touch with the
business at planned dates (for example 1, 3, 6, 12 and 24 months after it starts) and records what
it found. This is the "missing link" between a loan and a business that lasts (issue 6)."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from domain.errors import Conflict, RuleViolation

DEFAULT_OFFSETS_MONTHS: tuple[int, ...] = (1, 3, 6, 12, 24)
MAX_OFFSET_MONTHS = 120  # ten years: beyond that nobody follows a microbusiness any more
MAX_CONTACTS = 24


class BusinessStatus(StrEnum):
    ACTIVE = "active"
    IN_DIFFICULTY = "in_difficulty"
    CLOSED = "closed"


class RevenueBand(StrEnum):
    """Yearly revenue, in bands: borrowers answer a band more readily than a figure."""

    NONE = "none"
    UNDER_10K = "under_10k"
    FROM_10K_TO_30K = "10k_to_30k"
    FROM_30K_TO_80K = "30k_to_80k"
    OVER_80K = "over_80k"


class FollowUpAction(StrEnum):
    COACHING = "coaching"
    RESCHEDULING_REQUEST = "rescheduling_request"
    REFERRAL_TO_OTHER_SERVICE = "referral_to_other_service"


class StartSource(StrEnum):
    """Where the business start date of a plan came from."""

    PROJECT = "project_start_date"
    DISBURSEMENT = "disbursement_date"


def check_template(offsets_months: Sequence[int], field_name: str = "follow_up_months") -> tuple[int, ...]:
    """A follow-up template: distinct month offsets after the business start, 1 to 120, in order."""
    offsets = tuple(offsets_months)
    if (
        not offsets
        or len(offsets) > MAX_CONTACTS
        or any(not 1 <= m <= MAX_OFFSET_MONTHS for m in offsets)
        or list(offsets) != sorted(set(offsets))
    ):
        raise RuleViolation(
            f"must be 1 to {MAX_CONTACTS} distinct months between 1 and {MAX_OFFSET_MONTHS}, in increasing order",
            code="followup.invalid_template",
            field=field_name,
        )
    return offsets


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; a day the month lacks falls back to its last day (31 Jan + 1 = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a contact found: the business's status, its revenue band, the jobs it has created so
    far (the borrower's own job not counted), its difficulties and the actions decided."""

    contacted_on: date
    business_status: BusinessStatus
    revenue_band: RevenueBand
    jobs_created: int
    difficulties: str = ""
    actions: frozenset[FollowUpAction] = frozenset()

    def __post_init__(self) -> None:
        if self.jobs_created < 0:
            raise RuleViolation("must be zero or more", code="followup.invalid_outcome", field="jobs_created")


@dataclass(frozen=True, kw_only=True)
class Contact:
    """A planned contact (``due_on`` set) or an unplanned one (recorded with its outcome), held by an
    officer or a volunteer mentor. ``version`` grows with each change."""

    id: uuid.UUID
    plan_id: uuid.UUID
    loan_id: uuid.UUID
    number: int
    due_on: date | None
    officer_id: uuid.UUID | None = None
    mentor_name: str | None = None
    outcome: Outcome | None = None
    version: int = 1

    def __post_init__(self) -> None:
        if (self.officer_id is None) == (self.mentor_name is None):
            raise RuleViolation(
                "a contact is held by either an officer or a volunteer mentor",
                code="followup.invalid_assignee",
                field="mentor_name",
            )

    @property
    def planned(self) -> bool:
        return self.due_on is not None

    def assign(self, *, officer_id: uuid.UUID | None, mentor_name: str | None) -> Contact:
        """The contact handed to another officer or to a volunteer mentor (not once it is done)."""
        if self.outcome is not None:
            raise Conflict("this contact is done: it cannot be handed over", code="followup.contact_done")
        return replace(self, officer_id=officer_id, mentor_name=mentor_name, version=self.version + 1)

    def record(self, outcome: Outcome, *, earliest: date, today: date) -> Contact:
        """The contact with its outcome. An outcome is recorded once: a second one is a conflict
        (two officers must not overwrite each other's notes)."""
        if self.outcome is not None:
            raise Conflict("this contact's outcome is already recorded", code="followup.outcome_already_recorded")
        check_contact_date(outcome.contacted_on, earliest=earliest, today=today)
        return replace(self, outcome=outcome, version=self.version + 1)


def check_contact_date(contacted_on: date, *, earliest: date, today: date) -> None:
    if not earliest <= contacted_on <= today:
        raise RuleViolation(
            "must be between the disbursement and today", code="followup.invalid_contact_date", field="contacted_on"
        )


@dataclass(frozen=True, kw_only=True)
class FollowUpPlan:
    """A loan's follow-up plan: the business start it counts from, the template it was made from,
    and its contacts (planned first, by due date; then the unplanned ones)."""

    id: uuid.UUID
    loan_id: uuid.UUID
    start_on: date
    start_source: StartSource
    offsets_months: tuple[int, ...]
    contacts: tuple[Contact, ...] = field(default=())


def plan_follow_up(
    *,
    plan_id: uuid.UUID,
    loan_id: uuid.UUID,
    disbursed_on: date,
    project_start: date | None,
    offsets_months: Sequence[int] | None,
    officer_id: uuid.UUID,
    new_id: Callable[[], uuid.UUID],
) -> FollowUpPlan:
    """The plan made at disbursement: one contact per offset of the product's template (the default
    1, 3, 6, 12, 24 months when it has none), counted from the business start (the project's start
    date when known, else the disbursement date), each held by the loan's officer."""
    offsets = check_template(offsets_months) if offsets_months is not None else DEFAULT_OFFSETS_MONTHS
    start, source = (
        (project_start, StartSource.PROJECT) if project_start is not None else (disbursed_on, StartSource.DISBURSEMENT)
    )
    contacts = tuple(
        Contact(
            id=new_id(),
            plan_id=plan_id,
            loan_id=loan_id,
            number=n,
            due_on=add_months(start, months),
            officer_id=officer_id,
        )
        for n, months in enumerate(offsets, start=1)
    )
    return FollowUpPlan(
        id=plan_id, loan_id=loan_id, start_on=start, start_source=source, offsets_months=offsets, contacts=contacts
    )
