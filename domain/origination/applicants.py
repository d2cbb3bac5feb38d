"""Applicants (the people a programme follows), their referrals and their business projects."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from domain.errors import RuleViolation
from domain.money import zero
from domain.schedules.validation import check_business_date


class Situation(str, Enum):
    """Why a person cannot get a bank loan; partners report it, impact reports count it."""

    JOB_SEEKER = "job_seeker"
    MINIMUM_INCOME = "minimum_income_beneficiary"
    YOUNG_PRIORITY_NEIGHBOURHOOD = "young_priority_neighbourhood"
    EMPLOYEE = "employee"
    SELF_EMPLOYED = "self_employed"
    OTHER = "other"


class Stage(str, Enum):
    """Where a person stands on the path, as partners see it."""

    REFERRED = "referred"
    CONTACTED = "contacted"
    IN_TRAINING = "in_training"
    TRAINED = "trained"
    APPLYING = "applying"
    FINANCED = "financed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


_PROGRESS = (Stage.REFERRED, Stage.CONTACTED, Stage.IN_TRAINING, Stage.TRAINED, Stage.APPLYING, Stage.FINANCED)


def next_stage(current: Stage, proposed: Stage) -> Stage:
    """Where an event moves a person: never backwards along the path, and never out of FINANCED
    (a second application rejected or withdrawn does not undo a loan that was paid out). A person
    declined or withdrawn who comes back starts again wherever the new event puts them."""
    if current is Stage.FINANCED:
        return current
    if proposed in (Stage.DECLINED, Stage.WITHDRAWN) or current in (Stage.DECLINED, Stage.WITHDRAWN):
        return proposed
    return proposed if _PROGRESS.index(proposed) >= _PROGRESS.index(current) else current


def stage_for_partner(stage: Stage, stage_changed_at: datetime | None, referred_at: datetime) -> Stage:
    """A partner follows what became of the person *after* its referral; what happened before (with
    another partner, or years ago) is not its business, so it sees REFERRED until something happens."""
    if stage_changed_at is not None and stage_changed_at <= referred_at:
        return Stage.REFERRED
    return stage


@dataclass
class Applicant:
    """A person referred to, or walking into, the programme. E-mail and phone are normalised so a
    second referral of the same person finds the first record instead of creating a twin."""

    id: uuid.UUID
    full_name: str
    email: str | None
    phone: str | None
    situation: Situation
    stage: Stage
    created_at: datetime
    partner_id: uuid.UUID | None = None
    officer_id: uuid.UUID | None = None
    borrower_id: uuid.UUID | None = None
    version: int = 1
    stage_changed_at: datetime | None = None
    postal_address: str | None = None  # printed on the credit contract
    # Referred with a sandbox key (issue 14): a made-up person, never linked to a real one, kept
    # out of staff lists unless asked for and of live partners' sight.
    test: bool = False
    # Erased on request (privacy): name, e-mail and phone are blanked, the files stay for the law.
    erased_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.email and not self.phone and self.erased_at is None:  # a live person can be reached
            raise RuleViolation(
                "an e-mail address or a phone number is required", code="applicant.no_contact", field="email"
            )


@dataclass(frozen=True)
class Referral:
    """A partner's referral of a person, with the partner's statement that the person consented."""

    id: uuid.UUID
    partner_id: uuid.UUID
    applicant_id: uuid.UUID
    situation: Situation
    project_idea: str
    partner_contact_name: str
    partner_contact_email: str
    consent_given_on: date
    created_at: datetime
    # Which wording of the consent the person agreed to (the partner's form version), when given.
    consent_text_version: str | None = None


def check_siret(siret: str) -> str:
    """A SIRET is 14 digits with a Luhn check digit (La Poste's establishments have their own rule)."""
    digits = siret.replace(" ", "")
    if len(digits) != 14 or not digits.isdigit():
        raise RuleViolation("a SIRET has 14 digits", code="project.invalid_siret", field="siret")
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    # La Poste's establishments (SIREN 356000000) follow their own rule: digits summing to a multiple of 5.
    la_poste_ok = digits.startswith("356000000") and sum(int(d) for d in digits) % 5 == 0
    if total % 10 and not la_poste_ok:
        raise RuleViolation("not a valid SIRET (check digit)", code="project.invalid_siret", field="siret")
    return digits


class ResourceKind(str, Enum):
    """Where the financing plan's money comes from. The loan being applied for is a resource of its
    own plan (``requested_microcredit``); only ``other_microcredit`` (another lender's) counts with it
    against the legal ceiling per enterprise (R518-61 CMF)."""

    OWN_FUNDS = "own_funds"
    HONOUR_LOAN = "honour_loan"  # interest-free personal loan to the founder, not a microcredit
    BANK_LOAN = "bank_loan"
    GRANT = "grant"
    REQUESTED_MICROCREDIT = "requested_microcredit"  # the loan this plan applies for, here
    OTHER_MICROCREDIT = "other_microcredit"  # a microcredit from another lender
    OTHER = "other"


@dataclass(frozen=True)
class PlanLine:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class ResourceLine:
    label: str
    amount: Decimal
    kind: ResourceKind


@dataclass(frozen=True)
class Guarantor:
    full_name: str
    relation: str
    amount_guaranteed: Decimal


class DocumentKind(str, Enum):
    """The documents a file is built from (a closed set: officers file each under one of these, and
    the committee checks the list). Anything else is ``other``, with its filename saying what it is."""

    IDENTITY = "identity_document"
    PROOF_OF_ADDRESS = "proof_of_address"
    PROOF_OF_SITUATION = "proof_of_situation"  # job-seeker or minimum-income certificate
    BUSINESS_PLAN = "business_plan"
    SUPPLIER_QUOTE = "supplier_quote"
    BANK_STATEMENT = "bank_statement"
    BUSINESS_REGISTRATION = "business_registration"  # SIRENE notice or trade register extract
    HONOUR_LOAN_AGREEMENT = "honour_loan_agreement"
    GUARANTOR_COMMITMENT = "guarantor_commitment"
    OTHER = "other"


@dataclass(frozen=True)
class DocumentInfo:
    kind: DocumentKind
    filename: str
    received_on: date


@dataclass
class BusinessProject:
    """The business being created: activity, legal status, SIRET once registered, financing plan."""

    applicant_id: uuid.UUID
    activity: str
    legal_status: str
    currency: str
    siret: str | None = None
    start_date: date | None = None
    needs: tuple[PlanLine, ...] = ()
    resources: tuple[ResourceLine, ...] = ()
    guarantors: tuple[Guarantor, ...] = ()
    documents: tuple[DocumentInfo, ...] = ()
    version: int = 1

    def check_dates(self) -> None:
        """Dates a client sends stay within the business calendar (1900-2999), as a loan's do."""
        if self.start_date is not None:
            check_business_date(self.start_date, "start_date")
        for index, document in enumerate(self.documents):
            check_business_date(document.received_on, f"documents[{index}].received_on")

    # Sums start from the currency's zero ("0.00"), so an empty plan is written like any amount.
    @property
    def total_needs(self) -> Decimal:
        return sum((n.amount for n in self.needs), zero(self.currency).amount)

    @property
    def total_resources(self) -> Decimal:
        return sum((r.amount for r in self.resources), zero(self.currency).amount)

    @property
    def guaranteed_amount(self) -> Decimal:
        return sum((g.amount_guaranteed for g in self.guarantors), zero(self.currency).amount)

    @property
    def other_microcredits(self) -> tuple[ResourceLine, ...]:
        """Other lenders' microcredit in the plan: it counts against the legal ceiling per enterprise."""
        return tuple(r for r in self.resources if r.kind is ResourceKind.OTHER_MICROCREDIT)
