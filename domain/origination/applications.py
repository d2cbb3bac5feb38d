"""Loan applications and their life: a state machine where every transition says who, when and why."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.errors import Conflict, NotFound, RuleViolation
from domain.money import Money, quantize
from domain.origination.eligibility import CheckResult
from domain.partners.model import DeclineCategory
from domain.products.model import ProductTerms
from domain.products.policies import check_term_limits
from domain.schedules import Installment, Schedule


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
    PARTLY_DISBURSED = "partly_disbursed"  # some tranches paid out, not all
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
    MEET_CONDITION = "meet_condition"
    DISBURSE_TRANCHE = "disburse_tranche"  # a tranche that leaves some of the contract to pay out
    DISBURSE = "disburse"  # the payment that completes the contract (the only one when there are no tranches)


FINAL = frozenset({Status.REJECTED, Status.WITHDRAWN, Status.DISBURSED})
# Once the borrower has signed, and all the more once money went out, the file can no longer be withdrawn.
_BOUND = frozenset({Status.CONTRACT_SIGNED, Status.PARTLY_DISBURSED})
# Conditions set by the committee can be met from its approval until the last tranche.
_CONDITIONS_OPEN_TO_FULFILMENT = (
    Status.APPROVED,
    Status.OFFER_ISSUED,
    Status.OFFER_EXPIRED,
    Status.CONTRACT_SIGNED,
    Status.PARTLY_DISBURSED,
)
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
    # The money could not go out on the signed offer's date: a new offer replaces it, to be signed again.
    (Status.CONTRACT_SIGNED, Action.ISSUE_OFFER): Status.OFFER_ISSUED,
    (Status.OFFER_ISSUED, Action.EXPIRE_OFFER): Status.OFFER_EXPIRED,
    (Status.OFFER_ISSUED, Action.SIGN_CONTRACT): Status.CONTRACT_SIGNED,
    (Status.CONTRACT_SIGNED, Action.DISBURSE_TRANCHE): Status.PARTLY_DISBURSED,
    (Status.PARTLY_DISBURSED, Action.DISBURSE_TRANCHE): Status.PARTLY_DISBURSED,
    (Status.CONTRACT_SIGNED, Action.DISBURSE): Status.DISBURSED,
    (Status.PARTLY_DISBURSED, Action.DISBURSE): Status.DISBURSED,
    **{(s, Action.MEET_CONDITION): s for s in _CONDITIONS_OPEN_TO_FULFILMENT},
    **{(s, Action.WITHDRAW): Status.WITHDRAWN for s in Status if s not in FINAL and s not in _BOUND},
}
# The moves that make the file: whoever made one of them is not independent enough to vote or decide.
PREPARING_ACTIONS = frozenset({Action.SUBMIT, Action.START_REVIEW, Action.SEND_TO_COMMITTEE})


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

    @classmethod
    def of(
        cls,
        app: Application,
        schedule: Schedule,
        *,
        product_version: int,
        annual_interest_rate: Decimal,
        disbursement_date: date,
        issued_on: date,
        validity_days: int,
    ) -> Offer:
        """The offer that fixes ``schedule`` for the application as it stands, valid ``validity_days``."""
        return cls(
            product_version=product_version,
            amount=app.amount,
            currency=app.currency,
            number_of_installments=app.number_of_installments,
            annual_interest_rate=annual_interest_rate,
            apr=schedule.apr,
            net_disbursed=schedule.net_disbursed,
            total_repayable=schedule.total_repayable,
            total_interest=schedule.total_interest,
            total_fees=schedule.total_fees,
            disbursement_date=disbursement_date,
            first_due_date=schedule.installments[0].due_date,
            issued_on=issued_on,
            expires_on=issued_on + timedelta(days=validity_days),
            installments=schedule.installments,
        )


class NotEligibleError(RuleViolation):
    """Some eligibility checks failed; each is reported by name with its detail."""

    code = "application.not_eligible"

    def __init__(self, failed: list[CheckResult]) -> None:
        super().__init__("; ".join(f"{r.name}: {r.detail}" for r in failed), field="eligibility")
        self.failed = failed


def require_eligible(results: Iterable[CheckResult]) -> None:
    """Every check passed, or a NotEligibleError naming each one that failed."""
    failed = [r for r in results if not r.passed]
    if failed:
        raise NotEligibleError(failed)


@dataclass(frozen=True, kw_only=True)
class CommitteeDecision:
    """The committee's decision on a file: approve (possibly changing the amount or term, with
    conditions), reject (with reasons) or send back for changes."""

    decision: Action  # APPROVE, REJECT or REQUEST_CHANGES
    comment: str
    amount: Money | None = None  # the amount approved when it changes, in the file's currency
    number_of_installments: int | None = None
    conditions: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    against_votes_reason: str | None = None  # required when the round's majority does not back the decision
    # What a referring partner learns of a rejection (never the reasons or comments themselves).
    decline_category: DeclineCategory = DeclineCategory.OTHER


@dataclass(frozen=True)
class Condition:
    """A condition the committee set on its approval; money goes out only once each one is met, and
    the file keeps who said it was met, when, and on what evidence."""

    text: str
    met_by: uuid.UUID | None = None
    met_at: datetime | None = None
    evidence: str | None = None

    @property
    def met(self) -> bool:
        return self.met_at is not None


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
    conditions: tuple[Condition, ...] = ()
    rejection_reasons: tuple[str, ...] = ()
    offer: Offer | None = None
    eligibility: tuple[CheckResult, ...] = ()
    signed_on: date | None = None
    disbursed_amount: Decimal = Decimal(0)
    committee_round: int = 0  # how many times the file went before the committee; votes count per round
    version: int = 1
    pending: list[HistoryEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        # In the currency's minor unit like every amount: the default zero is "0.00" on the wire.
        self.disbursed_amount = quantize(self.disbursed_amount, self.currency)

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
        if action is Action.SEND_TO_COMMITTEE:
            self.committee_round += 1

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

    @property
    def open_conditions(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if not c.met)

    def meet_condition(self, number: int, *, actor_id: uuid.UUID, at: datetime, evidence: str) -> None:
        """Record that the committee's condition ``number`` (from 1) is met, by whom, when and on what evidence."""
        self.ensure_can(Action.MEET_CONDITION)
        if not 1 <= number <= len(self.conditions):
            raise NotFound(f"this file has {len(self.conditions)} condition(s)", code="condition.not_found")
        condition = self.conditions[number - 1]
        if condition.met:
            raise Conflict(f"condition {number} was already met on {condition.met_at}", code="condition.already_met")
        met = replace(condition, met_by=actor_id, met_at=at, evidence=evidence)
        self.conditions = (*self.conditions[: number - 1], met, *self.conditions[number:])
        self.apply(
            Action.MEET_CONDITION, actor_id=actor_id, at=at, condition=number, text=condition.text, evidence=evidence
        )

    def submit(self, results: Sequence[CheckResult], *, actor_id: uuid.UUID, at: datetime) -> None:
        """Submit the file on the eligibility checks just run: they stay on the file either way; a
        failed one refuses the submission (NotEligibleError, the file still a draft)."""
        self.ensure_can(Action.SUBMIT)
        self.eligibility = tuple(results)
        require_eligible(results)
        self.apply(Action.SUBMIT, actor_id=actor_id, at=at)

    def decide(
        self,
        decision: CommitteeDecision,
        *,
        terms: ProductTerms,
        tally: dict[str, int],
        reason: str | None,
        actor_id: uuid.UUID,
        at: datetime,
    ) -> None:
        """The committee's decision (its votes already counted in ``tally``; ``reason`` when it goes
        against them). An approval may change the amount or term within the product and set
        conditions; a rejection states its reasons."""
        self.ensure_can(decision.decision)
        amount = None if decision.amount is None else self._in_file_currency(decision.amount)
        details: dict[str, Any] = {"votes": tally}
        if reason is not None:
            details["against_votes_reason"] = reason
        if decision.decision is Action.APPROVE:
            _within_product(terms, amount, decision.number_of_installments)
            if amount is not None and amount != self.amount:
                details["amount"] = {"from": str(self.amount), "to": str(amount)}
                self.amount = amount
            term = decision.number_of_installments
            if term is not None and term != self.number_of_installments:
                details["number_of_installments"] = {"from": self.number_of_installments, "to": term}
                self.number_of_installments = term
            self.conditions = tuple(Condition(text.strip()) for text in decision.conditions)
            if decision.conditions:
                details["conditions"] = list(decision.conditions)
        if decision.decision is Action.REJECT:
            if not decision.reasons:
                raise RuleViolation(
                    "a rejection states its reasons", code="committee.reasons_required", field="reasons"
                )
            self.rejection_reasons = decision.reasons
            details["reasons"] = list(decision.reasons)
            details["decline_category"] = decision.decline_category.value
        self.apply(decision.decision, actor_id=actor_id, at=at, reason=decision.comment, **details)

    def offer_replaces(self, disbursement_date: date, *, validity_days: int, today: date) -> date | None:
        """Whether an offer may be issued for money going out on ``disbursement_date``: within the
        offer's validity (its schedule and TAEG are computed from that date). A signed offer is
        replaced only once its own date passed with no money out; its date is returned (None when
        no signed offer is replaced)."""
        self.ensure_can(Action.ISSUE_OFFER)
        replaced = self.offer.disbursement_date if self.status is Status.CONTRACT_SIGNED and self.offer else None
        if replaced is not None and replaced >= today:
            raise Conflict(
                f"the signed offer's money goes out on {replaced}; it is replaced only once that date has passed",
                code="offer.signed_date_not_passed",
            )
        if not today <= disbursement_date <= today + timedelta(days=validity_days):
            raise RuleViolation(
                f"must be between today and the offer's expiry ({validity_days} days)",
                code="offer.invalid_disbursement_date",
                field="disbursement_date",
            )
        return replaced

    def issue_offer(self, offer: Offer, *, today: date, actor_id: uuid.UUID, at: datetime) -> None:
        """Fix ``offer`` on the file (checked by ``offer_replaces``); a new offer is signed anew."""
        replaced = self.offer_replaces(
            offer.disbursement_date, validity_days=(offer.expires_on - today).days, today=today
        )
        self.offer = offer
        details = {"replaces_signed_offer_for": replaced.isoformat()} if replaced else {}
        self.apply(
            Action.ISSUE_OFFER,
            actor_id=actor_id,
            at=at,
            apr=str(offer.apr),
            expires_on=offer.expires_on.isoformat(),
            **details,
        )
        self.signed_on = None

    def sign(self, signed_on: date, *, today: date, actor_id: uuid.UUID, at: datetime) -> None:
        """The borrower's signature of the offer, which must still be valid today (whatever date the
        signature carries) and on the signature date, and not be dated before it nor in the future."""
        self.ensure_can(Action.SIGN_CONTRACT)
        if self.offer is not None:
            expired = RuleViolation(
                f"the offer expired on {self.offer.expires_on}", code="offer.expired", field="signed_on"
            )
            if today > self.offer.expires_on:
                raise expired
            if signed_on > today:
                raise RuleViolation("cannot be in the future", code="contract.signed_in_future", field="signed_on")
            if signed_on < self.offer.issued_on:
                raise RuleViolation(
                    "cannot be before the offer was issued", code="contract.signed_before_offer", field="signed_on"
                )
            if signed_on > self.offer.expires_on:
                raise expired
        self.apply(Action.SIGN_CONTRACT, actor_id=actor_id, at=at, signed_on=signed_on.isoformat())
        self.signed_on = signed_on

    def check_tranche_date(self, value_date: date, *, earlier: Sequence[date], today: date) -> None:
        """Tranches go out in order: never before the signature or the previous tranche, never in the
        future; the first only while the signed offer's date (its schedule and TAEG) still holds."""
        assert self.offer is not None  # a signed contract is a signed offer
        if not earlier and self.offer.disbursement_date < today:
            raise Conflict(
                f"the signed offer's money was to go out on {self.offer.disbursement_date}, which has passed;"
                " issue a new offer",
                code="offer.disbursement_date_passed",
            )
        floor = max([self.signed_on or value_date, *earlier])
        if not floor <= value_date <= today:
            raise RuleViolation(
                f"must be between {floor} (the signature or the previous tranche) and today",
                code="disbursement.invalid_value_date",
                field="value_date",
            )

    def _in_file_currency(self, amount: Money) -> Decimal:
        """The amount of ``amount``, which must be in the file's currency (a 422 naming ``currency``)."""
        if amount.currency.code != self.currency:
            raise RuleViolation(f"this loan is in {self.currency}", code="money.currency_mismatch", field="currency")
        return amount.amount

    def check_disbursement(self, paid_out: Money, value_date: date) -> Action:
        """Whether a tranche may be paid out (``record_disbursement`` says why); the move it would be.

        Pay out a tranche of the signed offer: never while a committee condition is open, never more than
        the offer leaves to pay, and the first on the offer's planned date (its schedule and TAEG are computed
        from that date). The file reads ``partly_disbursed`` until the last tranche."""
        amount = self._in_file_currency(paid_out)
        undisbursed = (self.offer.amount if self.offer else self.amount) - self.disbursed_amount
        action = Action.DISBURSE if amount == undisbursed else Action.DISBURSE_TRANCHE
        self.ensure_can(action)
        assert self.offer is not None  # a signed contract is a signed offer
        if self.open_conditions:
            raise RuleViolation(
                "the committee's conditions are not all met: " + "; ".join(c.text for c in self.open_conditions),
                code="application.conditions_open",
                field="conditions",
            )
        if amount <= 0 or amount > undisbursed:
            raise RuleViolation(
                f"must be more than zero and at most the {undisbursed} not yet disbursed",
                code="disbursement.invalid_amount",
                field="amount",
            )
        planned = self.offer.disbursement_date
        if (self.disbursed_amount == 0 and value_date != planned) or value_date < planned:
            raise RuleViolation(
                f"the offer's schedule and TAEG are computed from a first disbursement on {planned}",
                code="disbursement.value_date_not_offer",
                field="value_date",
            )
        return action

    def record_disbursement(
        self, paid_out: Money, value_date: date, *, actor_id: uuid.UUID, at: datetime, **details: Any
    ) -> None:
        """Pay out a tranche (see ``check_disbursement``) and move to ``partly_disbursed`` or ``disbursed``."""
        action = self.check_disbursement(paid_out, value_date)
        self.disbursed_amount += paid_out.amount
        self.apply(action, actor_id=actor_id, at=at, amount=str(paid_out.amount), **details)


def _within_product(terms: ProductTerms, amount: Decimal | None, number_of_installments: int | None) -> None:
    """The committee may change the amount or term only within the product, or no offer could follow."""
    if amount is not None and not terms.min_amount <= amount <= terms.max_amount:
        raise RuleViolation(
            f"the product lends from {terms.min_amount} to {terms.max_amount}",
            code="product.limit_exceeded",
            field="amount",
        )
    if number_of_installments is not None:
        check_term_limits(terms, number_of_installments)
