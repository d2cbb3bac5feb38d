"""Eligibility checks, each reported by name with its result, on submission and again before the offer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import RuleViolation
from domain.money import RoundingMode, quantize, round_figure
from domain.origination.applicants import BusinessProject
from domain.products.model import LegalCeiling, ProductCategory, ProductTerms, UsuryThreshold
from domain.products.policies import check_legal_duration, check_term_limits, check_usury, term_in_months


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Commitment:
    """Money the person owes or has been promised, with where the figure comes from (officers and the
    committee must be able to check every figure a refusal rests on)."""

    source: str
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class EligibilityFacts:
    """What the checks look at, gathered by the use case. ``commitments`` are what the lender's own
    records show (loans outstanding, offers not yet paid out); the project adds other lenders'
    microcredit from its financing plan. ``apr`` is None before any schedule was computed."""

    amount: Decimal
    number_of_installments: int
    product: ProductTerms
    training_completed: bool
    project: BusinessProject | None
    commitments: tuple[Commitment, ...]
    ceiling: LegalCeiling | None
    usury_threshold: UsuryThreshold | None
    apr: Decimal | None
    on: date
    apr_source: str = "the offer's TAEG"

    @property
    def all_commitments(self) -> tuple[Commitment, ...]:
        """Everything counted with this loan against the legal ceiling, each figure with its source."""
        plan = self.project.other_microcredits if self.project else ()
        return self.commitments + tuple(
            Commitment(f"another lender's microcredit in the financing plan ({line.label})", line.amount)
            for line in plan
        )

    @property
    def guaranteed_amount(self) -> Decimal:
        return self.project.guaranteed_amount if self.project else Decimal(0)


def _passes(check: Callable[[], None]) -> bool:
    """Whether a rule that raises (the one every other door applies) passes here."""
    try:
        check()
    except RuleViolation:
        return False
    return True


def check_eligibility(facts: EligibilityFacts) -> list[CheckResult]:
    """Every check, passed or not, in a stable order (officers read them; failed ones block)."""
    p, amount, currency = facts.product, facts.amount, facts.product.currency
    results = [
        _business_project(facts),
        CheckResult(
            "product_amount",
            p.min_amount <= amount <= p.max_amount,
            f"this loan {amount} {currency}; the product lends {p.min_amount} to {p.max_amount}",
        ),
        CheckResult(
            "product_term",
            _passes(lambda: check_term_limits(p, facts.number_of_installments)),
            f"{facts.number_of_installments} instalments; the product allows {p.min_installments} to "
            f"{p.max_installments}",
        ),
        CheckResult(
            "training_completed",
            facts.training_completed or not p.requires_training,
            "training completed"
            if facts.training_completed
            else ("the product requires a completed training" if p.requires_training else "not required"),
        ),
    ]
    if facts.ceiling is None:
        results.append(CheckResult("legal_ceiling", False, f"no legal ceiling in force for {p.category.value}"))
        results.append(CheckResult("maximum_duration", False, "no legal maximum duration in force"))
    else:
        ceiling = facts.ceiling
        commitments = facts.all_commitments
        total = amount + sum((c.amount for c in commitments), Decimal(0))
        terms = " + ".join([f"this loan {amount}", *(f"{c.source} {c.amount}" for c in commitments)])
        results.append(
            CheckResult(
                "legal_ceiling",
                total <= ceiling.max_total_outstanding,
                f"{terms} = {total} {currency}; legal ceiling {ceiling.max_total_outstanding} {currency} "
                f"(in force since {ceiling.valid_from.isoformat()})",
            )
        )
        months = round_figure(term_in_months(p, facts.number_of_installments), 1, RoundingMode.HALF_EVEN)
        results.append(
            CheckResult(
                "maximum_duration",
                _passes(lambda: check_legal_duration(p, facts.number_of_installments, ceiling)),
                f"{facts.number_of_installments} instalments = {months} months; legal "
                f"maximum {ceiling.max_duration_months} months (in force since {ceiling.valid_from.isoformat()})",
            )
        )
    required = quantize(amount * p.guarantor_coverage_percent / 100, currency)
    guarantors = len(facts.project.guarantors) if facts.project else 0
    results.append(
        CheckResult(
            "guarantor_coverage",
            facts.guaranteed_amount >= required,
            f"{facts.guaranteed_amount} guaranteed by the project's {guarantors} guarantor(s); {required} required "
            f"({p.guarantor_coverage_percent} % of this loan {amount}, set by the product)",
        )
    )
    if p.category is ProductCategory.PERSONAL_MICROCREDIT:
        results.append(_usury(facts))
    return results


def _business_project(facts: EligibilityFacts) -> CheckResult:
    """A file is decided on its business project and financing plan: without one (or with a plan in
    another currency, whose figures cannot be added to the loan's) there is nothing to decide on."""
    project, currency = facts.project, facts.product.currency
    if project is None:
        return CheckResult("business_project", False, "no business project: complete it before submitting")
    if project.currency != currency:
        return CheckResult(
            "business_project", False, f"the financing plan is in {project.currency}, the loan in {currency}"
        )
    return CheckResult(
        "business_project",
        True,
        f"business project version {project.version}: needs {project.total_needs}, resources "
        f"{project.total_resources} {currency}",
    )


def _usury(facts: EligibilityFacts) -> CheckResult:
    """Personal loans must not exceed the usury rate in force (L314-6 C. conso); business loans are exempt."""
    if facts.apr is None:
        return CheckResult("usury_threshold", True, "checked when the offer's TAEG is known")
    if facts.usury_threshold is None:
        return CheckResult("usury_threshold", False, "no usury threshold in force for this amount")
    apr, threshold = facts.apr, facts.usury_threshold
    return CheckResult(
        "usury_threshold",
        _passes(lambda: check_usury(facts.product, apr, threshold)),
        f"{facts.apr_source} {apr} %; usury threshold {threshold.max_rate} % "
        f"(in force since {threshold.valid_from.isoformat()})",
    )


def newest_in_force_ceiling(
    ceilings: list[LegalCeiling], category: ProductCategory, currency: str, on: date
) -> LegalCeiling | None:
    candidates = [c for c in ceilings if c.category is category and c.currency == currency and c.applies_on(on)]
    return max(candidates, key=lambda c: c.valid_from, default=None)


def newest_in_force_threshold(
    thresholds: list[UsuryThreshold], category: ProductCategory, currency: str, amount: Decimal, on: date
) -> UsuryThreshold | None:
    candidates = [
        t for t in thresholds if t.category is category and t.currency == currency and t.applies_to(amount, on)
    ]
    return max(candidates, key=lambda t: t.valid_from, default=None)
