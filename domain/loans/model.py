"""A disbursed loan with the schedule of the contract it comes from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.schedules import Installment
from domain.servicing import ServicingTerms


class LoanStatus(StrEnum):
    """What a loan is: repaying, repaid, or written off."""

    ACTIVE = "active"
    CLOSED = "closed"
    WRITTEN_OFF = "written_off"


class GroupBy(StrEnum):
    """What a report on loans groups them by: each loan's product, its officer, or the partner who
    referred the borrower (the portfolio indicators and the follow-up report)."""

    PRODUCT = "product"
    OFFICER = "officer"
    PARTNER = "partner"


@dataclass(frozen=True)
class Loan:
    id: uuid.UUID
    application_id: uuid.UUID
    applicant_id: uuid.UUID
    officer_id: uuid.UUID
    product_id: uuid.UUID
    product_version: int
    currency: str
    principal: Decimal
    annual_interest_rate: Decimal
    apr: Decimal
    status: str
    disbursed_on: date
    installments: tuple[Installment, ...]
    servicing: ServicingTerms | None = None  # the product version's; None: the defaults
    partner_id: uuid.UUID | None = None  # the partner who referred the borrower, if any

    @property
    def servicing_terms(self) -> ServicingTerms:
        return self.servicing or ServicingTerms(currency=self.currency)


@dataclass(frozen=True)
class Disbursement:
    """One tranche paid out; the first one keeps back the fees withheld at disbursement."""

    id: uuid.UUID
    application_id: uuid.UUID
    loan_id: uuid.UUID
    tranche: int
    amount: Decimal
    fees_withheld: Decimal
    value_date: date
    ledger_transaction_id: uuid.UUID
    created_by: uuid.UUID
