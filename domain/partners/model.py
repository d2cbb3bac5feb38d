"""What a referring partner may learn of the people it referred (issue 14), as pure rules.

Purpose limitation (GDPR art. 5(1)(b)): a partner referred a person so that they get help to start
a business; it may follow the milestones of that path, never the loan's repayment (incidents,
amounts owed), the committee's comments, or anything about people it did not refer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.followup.model import BusinessStatus, add_months


class EventType(StrEnum):
    """A partner event: a milestone of one of its referrals, or a notice about its own integration."""

    CONTACTED = "referral.contacted"
    TRAINING_STARTED = "referral.training_started"
    TRAINING_COMPLETED = "referral.training_completed"
    APPLICATION_SUBMITTED = "referral.application_submitted"
    APPROVED = "referral.approved"
    DECLINED = "referral.declined"
    LOAN_DISBURSED = "referral.loan_disbursed"
    BUSINESS_CHECKPOINT = "referral.business_checkpoint"
    WITHDRAWN = "referral.withdrawn"
    # Not about a person: the partner is told its endpoint was disabled after failing too often.
    WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"


MILESTONES = tuple(t for t in EventType if t.value.startswith("referral."))


class DeclineCategory(StrEnum):
    """Why the committee declined, as a category a partner may know (never the committee's comments)."""

    PROJECT_VIABILITY = "project_viability"
    REPAYMENT_CAPACITY = "repayment_capacity"
    ELIGIBILITY = "eligibility"
    INCOMPLETE_FILE = "incomplete_file"
    OTHER = "other"


# The anniversaries of the business start a partner hears about (months).
CHECKPOINT_MONTHS = (6, 12, 24, 36)
# A contact held up to a month before an anniversary counts for it: the plan's contacts fall due on
# the anniversary and are often held a few days early.
CHECKPOINT_GRACE = timedelta(days=31)


def checkpoint_reached(start_on: date, contacted_on: date) -> int | None:
    """The latest anniversary (6, 12, 24 or 36 months after the business start) a follow-up contact
    on ``contacted_on`` reports on, or None before the first one."""
    reached = [m for m in CHECKPOINT_MONTHS if add_months(start_on, m) <= contacted_on + CHECKPOINT_GRACE]
    return max(reached) if reached else None


@dataclass(frozen=True, kw_only=True)
class FollowedReferral:
    """A referral as the partners context keeps it: whose it is, the partner's own reference, and
    the person's consents. ``test`` referrals come from sandbox keys and never mix with live ones."""

    id: uuid.UUID
    partner_id: uuid.UUID
    applicant_id: uuid.UUID
    referred_at: datetime
    partner_reference: str | None = None
    share_loan_amount: bool = False
    consent_withdrawn_at: datetime | None = None
    test: bool = False


def sharing_allowed(referral: FollowedReferral, at: datetime) -> bool:
    """Whether anything about the person may be shared with the partner at ``at``: the consent the
    partner recorded holds until the person withdraws it, and nothing is shared from then on.
    The one place this consent is checked (the feed, webhooks and outcome reads all go through it)."""
    return referral.consent_withdrawn_at is None or at < referral.consent_withdrawn_at


def shared_details(referral: FollowedReferral, event: EventType, details: Mapping[str, object]) -> dict[str, object]:
    """What of an event's details the partner may see: the disbursed amount only with the person's
    separate consent (``share_loan_amount``); everything else as given (emitters pass no more than
    the partner may know: dates, the decline category, the business status)."""
    shared = dict(details)
    if event is EventType.LOAN_DISBURSED and not referral.share_loan_amount:
        shared.pop("loan_amount", None)
    return shared


@dataclass(frozen=True, kw_only=True)
class PartnerEvent:
    """One event of a partner's feed: ``position`` orders the partner's feed without gaps seen by a
    reader (see the repository for why a later position never commits before an earlier one)."""

    id: uuid.UUID
    partner_id: uuid.UUID
    position: int
    type: EventType
    occurred_on: date
    recorded_at: datetime
    referral_id: uuid.UUID | None
    partner_reference: str | None
    data: Mapping[str, object]
    test: bool = False


def milestone_key(event: PartnerEvent) -> str:
    """The milestone an event counts as in the aggregates (a checkpoint per anniversary and status)."""
    if event.type is EventType.BUSINESS_CHECKPOINT:
        return f"business_{event.data['business_status']}_{event.data['months']}_months"
    return event.type.value.removeprefix("referral.")


def aggregate_keys() -> tuple[str, ...]:
    """Every milestone counted by month of referral, in the path's order."""
    keys = [t.value.removeprefix("referral.") for t in MILESTONES if t is not EventType.BUSINESS_CHECKPOINT]
    checkpoints = [f"business_{s.value}_{m}_months" for m in CHECKPOINT_MONTHS for s in BusinessStatus]
    return (*keys[:-1], *checkpoints, keys[-1])


def count_by_referral_month(
    referrals: Iterable[FollowedReferral], events: Iterable[PartnerEvent]
) -> dict[str, tuple[int, dict[str, int]]]:
    """For each month of referral (``YYYY-MM``): how many referrals, and how many of them reached each
    milestone (a referral counts once per milestone however many events it had)."""
    month_of = {r.id: r.referred_at.strftime("%Y-%m") for r in referrals}
    reached: dict[str, set[tuple[uuid.UUID, str]]] = {}
    for event in events:
        if event.referral_id in month_of:
            reached.setdefault(month_of[event.referral_id], set()).add((event.referral_id, milestone_key(event)))
    result: dict[str, tuple[int, dict[str, int]]] = {}
    for month in sorted(set(month_of.values())):
        counts = dict.fromkeys(aggregate_keys(), 0)
        for _, key in reached.get(month, set()):
            counts[key] = counts.get(key, 0) + 1
        result[month] = (sum(1 for m in month_of.values() if m == month), counts)
    return result
