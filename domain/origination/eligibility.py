"""Eligibility checks, each reported by name with its result, on submission and again before the offer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import RuleViolation
from domain.products.model import LegalCeiling, ProductCategory, ProductTerms, UsuryThreshold
from domain.products.policies import check_legal_duration, check_term_limits, check_usury, term_in_months


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True, kw_only=True)
class EligibilityFacts:
    """What the checks look at, gathered by the use case."""

    amount: Decimal
    number_of_installments: int
    product: ProductTerms
    training_completed: bool
    other_outstanding: Decimal
    guaranteed_amount: Decimal
    ceiling: LegalCeiling | None
    usury_threshold: UsuryThreshold | None
    apr: Decimal | None
    on: date


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
        CheckResult(
            "product_amount",
            p.min_amount <= amount <= p.max_amount,
            f"{amount} {currency}; the product lends {p.min_amount} to {p.max_amount}",
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
        total = amount + facts.other_outstanding
        results.append(
            CheckResult(
                "legal_ceiling",
                total <= facts.ceiling.max_total_outstanding,
                f"{total} {currency} outstanding with this loan (other: {facts.other_outstanding}); ceiling "
                f"{facts.ceiling.max_total_outstanding}",
            )
        )
        months = term_in_months(p, facts.number_of_installments)
        results.append(
            CheckResult(
                "maximum_duration",
                _passes(lambda: check_legal_duration(p, facts.number_of_installments, facts.ceiling)),
                f"{months.quantize(Decimal('0.1'))} months; at most {facts.ceiling.max_duration_months}",
            )
        )
    required = (amount * p.guarantor_coverage_percent / 100).quantize(Decimal("0.01"))
    results.append(
        CheckResult(
            "guarantor_coverage",
            facts.guaranteed_amount >= required,
            f"{facts.guaranteed_amount} guaranteed; {required} required ({p.guarantor_coverage_percent} %)",
        )
    )
    if p.category is ProductCategory.PERSONAL_MICROCREDIT:
        results.append(_usury(facts))
    return results


def _usury(facts: EligibilityFacts) -> CheckResult:
    """Personal loans must not exceed the usury rate in force (L314-6 C. conso); business loans are exempt."""
    if facts.apr is None:
        return CheckResult("usury_threshold", True, "checked when the offer's TAEG is known")
    if facts.usury_threshold is None:
        return CheckResult("usury_threshold", False, "no usury threshold in force for this amount")
    limit = facts.usury_threshold.max_rate
    apr, threshold = facts.apr, facts.usury_threshold
    return CheckResult(
        "usury_threshold",
        _passes(lambda: check_usury(facts.product, apr, threshold)),
        f"TAEG {apr} %; threshold {limit} %",
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
