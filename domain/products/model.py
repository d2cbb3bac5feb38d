"""Loan products and their versions.

A product is versioned: changing it creates a new version, and an offer keeps the version it
was made with, so a loan's terms never change behind the borrower's back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from domain.errors import RuleViolation
from domain.followup.model import check_template
from domain.money import RoundingMode, checked_amount, currency_of, is_in_minor_unit
from domain.schedules import (
    Amortization,
    DayCount,
    Fee,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
)
from domain.schedules.validation import check_business_date
from domain.servicing import ServicingTerms


class ProductCategory(str, Enum):
    """The legal category: it selects the ceilings (R518-61 CMF) and usury thresholds (L314-6) that apply."""

    PROFESSIONAL_MICROCREDIT = "professional_microcredit"
    PERSONAL_MICROCREDIT = "personal_microcredit"


@dataclass(frozen=True, kw_only=True)
class ProductTerms:
    """One version of a product: limits the client chooses within, and terms the product fixes."""

    currency: str
    category: ProductCategory
    min_amount: Decimal
    max_amount: Decimal
    min_installments: int
    max_installments: int
    annual_interest_rate: Decimal
    repayment_every: int = 1
    repayment_unit: RepaymentUnit = RepaymentUnit.MONTH
    interest_method: InterestMethod = InterestMethod.DECLINING_BALANCE
    amortization: Amortization = Amortization.EQUAL_INSTALLMENTS
    interest_period: InterestPeriod = InterestPeriod.INSTALLMENT
    day_count: DayCount = DayCount.ACTUAL_ACTUAL
    max_principal_grace_installments: int = 0
    max_interest_grace_installments: int = 0
    fees: tuple[Fee, ...] = ()
    rounding: RoundingMode = RoundingMode.HALF_UP
    installment_multiple: Decimal = Decimal("0.01")
    requires_training: bool = False
    guarantor_coverage_percent: Decimal = Decimal(0)
    servicing: ServicingTerms | None = None  # how its loans are serviced; None: the defaults
    follow_up_months: tuple[int, ...] | None = None  # post-creation contacts; None: 1, 3, 6, 12, 24 months
    # Credit committee for files of this version: votes a decision needs, and the share of them (strictly
    # more than this percentage) that must back it; None: the lender's default from settings.
    committee_quorum: int | None = None
    committee_majority_percent: int | None = None

    @property
    def servicing_terms(self) -> ServicingTerms:
        return self.servicing or ServicingTerms(currency=self.currency)

    def __post_init__(self) -> None:
        currency_of(self.currency)  # an unknown currency is refused before the amounts are read
        if self.follow_up_months is not None:
            check_template(self.follow_up_months)
        if self.servicing is not None and self.servicing.currency != currency_of(self.currency).code:
            raise RuleViolation(
                "servicing terms must be in the product's currency", field="servicing", code="product.invalid_terms"
            )
        if self.min_amount <= 0 or not is_in_minor_unit(self.min_amount, self.currency):
            raise RuleViolation(
                "must be positive, in the currency's minor unit", field="min_amount", code="product.invalid_terms"
            )
        if self.max_amount < self.min_amount or not is_in_minor_unit(self.max_amount, self.currency):
            raise RuleViolation(
                "must be at least min_amount, in the currency's minor unit",
                field="max_amount",
                code="product.invalid_terms",
            )
        if not 1 <= self.min_installments <= self.max_installments <= 600:
            raise RuleViolation(
                "need 1 <= min_installments <= max_installments <= 600",
                field="max_installments",
                code="product.invalid_terms",
            )
        if not Decimal(0) <= self.annual_interest_rate <= Decimal(100):
            raise RuleViolation(
                "must be between 0 and 100 percent", field="annual_interest_rate", code="product.invalid_terms"
            )
        for name in ("max_principal_grace_installments", "max_interest_grace_installments"):
            if not 0 <= getattr(self, name) < self.max_installments:
                raise RuleViolation(
                    "must be at least 0 and below max_installments", field=name, code="product.invalid_terms"
                )
        if not Decimal(0) <= self.guarantor_coverage_percent <= Decimal(100):
            raise RuleViolation(
                "must be between 0 and 100 percent", field="guarantor_coverage_percent", code="product.invalid_terms"
            )
        if self.committee_quorum is not None and self.committee_quorum < 1:
            raise RuleViolation("must be at least 1", field="committee_quorum", code="product.invalid_terms")
        if self.committee_majority_percent is not None and not 0 <= self.committee_majority_percent <= 99:
            raise RuleViolation(
                "must be between 0 and 99 (a decision needs strictly more than this share of the votes)",
                field="committee_majority_percent",
                code="product.invalid_terms",
            )


@dataclass
class ProductVersion:
    id: uuid.UUID
    product_id: uuid.UUID
    version: int
    terms: ProductTerms
    created_at: datetime


@dataclass
class LoanProduct:
    id: uuid.UUID
    code: str
    name: str
    active: bool
    created_at: datetime
    current: ProductVersion
    versions_count: int = 1


def check_validity(valid_from: date, valid_to: date | None) -> None:
    """Legal data applies from a business date, up to an optional one not before it."""
    check_business_date(valid_from, "valid_from")  # the one calendar rule, as for a loan's dates
    if valid_to is not None:
        check_business_date(valid_to, "valid_to")
        if valid_to < valid_from:
            raise RuleViolation("must not be before valid_from", code="value.out_of_range", field="valid_to")


@dataclass(frozen=True, kw_only=True)
class LegalCeiling:
    """The most a participant may owe per enterprise in a category, and the longest term, from a date.

    Business microcredit by associations (R518-61 CMF): €12,000 outstanding and 5 years since
    2016; personal insertion loans €8,000 over 7 years. Ceilings change, so they are data.
    """

    id: uuid.UUID
    category: ProductCategory
    currency: str
    max_total_outstanding: Decimal
    max_duration_months: int
    valid_from: date
    valid_to: date | None = None

    def __post_init__(self) -> None:
        check_validity(self.valid_from, self.valid_to)
        object.__setattr__(self, "currency", currency_of(self.currency).code)
        checked_amount(self.max_total_outstanding, self.currency, "max_total_outstanding")
        if self.max_duration_months < 1:
            raise RuleViolation("must be at least 1", code="value.out_of_range", field="max_duration_months")

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, kw_only=True)
class UsuryThreshold:
    """A quarterly usury rate (L314-6 C. conso) for loans of a category in an amount bracket.

    Professional loans are exempt except overdrafts; personal loans are not. Published each
    quarter by the Banque de France, so kept as data with validity dates.
    """

    id: uuid.UUID
    category: ProductCategory
    currency: str
    amount_above: Decimal
    amount_up_to: Decimal | None
    max_rate: Decimal
    valid_from: date
    valid_to: date | None = None

    def __post_init__(self) -> None:
        check_validity(self.valid_from, self.valid_to)
        object.__setattr__(self, "currency", currency_of(self.currency).code)
        checked_amount(self.amount_above, self.currency, "amount_above", allow_zero=True)
        if self.amount_up_to is not None:
            checked_amount(self.amount_up_to, self.currency, "amount_up_to")
            if self.amount_up_to <= self.amount_above:
                raise RuleViolation("must be above amount_above", code="value.out_of_range", field="amount_up_to")
        if not 0 < self.max_rate <= 100:
            raise RuleViolation("must be between 0.01 and 100", code="value.out_of_range", field="max_rate")

    def applies_to(self, amount: Decimal, day: date) -> bool:
        in_bracket = amount > self.amount_above and (self.amount_up_to is None or amount <= self.amount_up_to)
        in_force = self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
        return in_bracket and in_force


@dataclass(frozen=True, kw_only=True)
class QuoteRequest:
    """What a client asked for; ``None`` means "not given" (the product's value, or the default)."""

    principal: Decimal
    currency: str
    number_of_installments: int
    annual_interest_rate: Decimal | None = None
    repayment_every: int | None = None
    repayment_unit: RepaymentUnit | None = None
    interest_method: InterestMethod | None = None
    amortization: Amortization | None = None
    interest_period: InterestPeriod | None = None
    day_count: DayCount | None = None
    principal_grace_installments: int | None = None
    interest_grace_installments: int | None = None
    installment_multiple: Decimal | None = None
    disbursement_date: date | None = None
    first_due_date: date | None = None
    fees: tuple[Fee, ...] | None = None
