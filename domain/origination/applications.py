"""Loan applications and their life: a state machine where every transition says who, when and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.errors import Conflict, RuleViolation
from domain.origination.eligibility import CheckResult
from domain.schedules import Installment


class Status(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    AT_COMMITTEE = "at_committee"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    OFFER_ISSUED = "offer_issued"
    OFFER_EXPIRED = "offer_expired"
    CONTRACT_SIGNED = "contract_signed"
    DISBURSED = "disbursed"


class Action(str, Enum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    SEND_TO_COMMITTEE = "send_to_committee"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    WITHDRAW = "withdraw"
    ISSUE_OFFER = "issue_offer"
    EXPIRE_OFFER = "expire_offer"
    SIGN_CONTRACT = "sign_contract"
    DISBURSE = "disburse"


FINAL = frozenset({Status.REJECTED, Status.WITHDRAWN, Status.DISBURSED})
# (current status, action) -> next status. Anything else is an illegal transition (409).
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.START_REVIEW): Status.UNDER_REVIEW,
    (Status.UNDER_REVIEW, Action.SEND_TO_COMMITTEE): Status.AT_COMMITTEE,
    (Status.AT_COMMITTEE, Action.APPROVE): Status.APPROVED,
    (Status.AT_COMMITTEE, Action.REJECT): Status.REJECTED,
    (Status.AT_COMMITTEE, Action.REQUEST_CHANGES): Status.UNDER_REVIEW,
    (Status.APPROVED, Action.ISSUE_OFFER): Status.OFFER_ISSUED,
    (Status.OFFER_EXPIRED, Action.ISSUE_OFFER): Status.OFFER_ISSUED,
    (Status.OFFER_ISSUED, Action.EXPIRE_OFFER): Status.OFFER_EXPIRED,
    (Status.OFFER_ISSUED, Action.SIGN_CONTRACT): Status.CONTRACT_SIGNED,
    (Status.CONTRACT_SIGNED, Action.DISBURSE): Status.DISBURSED,
    (Status.DISBURSED, Action.DISBURSE): Status.DISBURSED,  # a later tranche
    **{(s, Action.WITHDRAW): Status.WITHDRAWN for s in Status if s not in FINAL and s is not Status.CONTRACT_SIGNED},
}


@dataclass(frozen=True)
class Offer:
    """What the lender offers: fixed product version, amount, schedule and TAEG, valid until ``expires_on``."""

    product_version: int
    amount: Decimal
    currency: str
    number_of_installments: int
    annual_interest_rate: Decimal
    apr: Decimal
    net_disbursed: Decimal
    total_repayable: Decimal
    total_interest: Decimal
    total_fees: Decimal
    disbursement_date: date
    first_due_date: date
    issued_on: date
    expires_on: date
    installments: tuple[Installment, ...]


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the append-only history: who did what, when, why, from which state to which."""

    at: datetime
    actor_id: uuid.UUID
    action: Action
    from_status: Status
    to_status: Status
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Application:
    """A loan application of an applicant for a product version, prepared by an officer."""

    id: uuid.UUID
    applicant_id: uuid.UUID
    officer_id: uuid.UUID
    product_id: uuid.UUID
    product_version: int
    currency: str
    amount: Decimal
    number_of_installments: int
    principal_grace_installments: int
    purpose: str
    status: Status
    created_at: datetime
    conditions: tuple[str, ...] = ()
    rejection_reasons: tuple[str, ...] = ()
    offer: Offer | None = None
    eligibility: tuple[CheckResult, ...] = ()
    signed_on: date | None = None
    disbursed_amount: Decimal = Decimal(0)
    version: int = 1
    pending: list[HistoryEntry] = field(default_factory=list)

    def apply(
        self, action: Action, *, actor_id: uuid.UUID, at: datetime, reason: str | None = None, **details: Any
    ) -> None:
        """Move to the next state, or refuse naming the current one; the move joins ``pending`` history."""
        target = self.ensure_can(action)
        self.pending.append(
            HistoryEntry(
                at=at,
                actor_id=actor_id,
                action=action,
                from_status=self.status,
                to_status=target,
                reason=reason,
                details=details,
            )
        )
        self.status = target

    def ensure_can(self, action: Action) -> Status:
        """The state ``action`` leads to, or a Conflict naming the current state when it is illegal."""
        target = TRANSITIONS.get((self.status, action))
        if target is None:
            raise Conflict(
                f"cannot {action.value.replace('_', ' ')} an application that is {self.status.value}",
                code="application.illegal_transition",
            )
        return target

    @property
    def undisbursed(self) -> Decimal:
        return self.amount - self.disbursed_amount


def check_committee_decider(application: Application, decider_id: uuid.UUID) -> None:
    """Maker-checker: the officer who prepared a file does not approve it alone."""
    if decider_id == application.officer_id:
        raise RuleViolation(
            "the officer who prepared this file cannot decide on it", code="committee.maker_checker", field="decision"
        )
