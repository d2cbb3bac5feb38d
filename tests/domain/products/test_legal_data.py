"""Legal ceilings and usury thresholds check themselves when built: no door can store a bad one."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import RuleViolation
from domain.products.model import LegalCeiling, ProductCategory, UsuryThreshold


def ceiling(**changes: Any) -> LegalCeiling:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "category": ProductCategory.PROFESSIONAL_MICROCREDIT,
        "currency": "eur",
        "max_total_outstanding": Decimal("12000.00"),
        "max_duration_months": 60,
        "valid_from": date(2016, 1, 1),
    }
    return LegalCeiling(**(values | changes))


def threshold(**changes: Any) -> UsuryThreshold:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "category": ProductCategory.PERSONAL_MICROCREDIT,
        "currency": "EUR",
        "amount_above": Decimal("3000.00"),
        "amount_up_to": Decimal("6000.00"),
        "max_rate": Decimal("11.6"),
        "valid_from": date(2026, 10, 1),
        "valid_to": date(2026, 12, 31),
    }
    return UsuryThreshold(**(values | changes))


def test_a_ceiling_is_in_a_known_currency_written_as_its_code() -> None:
    assert ceiling().currency == "EUR"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_total_outstanding": Decimal("0")}, "max_total_outstanding"),
        ({"max_total_outstanding": Decimal("12000.001")}, "max_total_outstanding"),
        ({"max_duration_months": 0}, "max_duration_months"),
        ({"valid_to": date(2015, 12, 31)}, "valid_to"),
        ({"currency": "ZZZ"}, "currency"),
    ],
)
def test_a_bad_ceiling_cannot_be_built(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        ceiling(**changes)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_up_to": Decimal("3000.00")}, "amount_up_to"),
        ({"amount_above": Decimal("-1.00")}, "amount_above"),
        ({"max_rate": Decimal("0")}, "max_rate"),
        ({"max_rate": Decimal("100.01")}, "max_rate"),
        ({"valid_from": date(1800, 1, 1)}, "valid_from"),
    ],
)
def test_a_bad_usury_threshold_cannot_be_built(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        threshold(**changes)
    assert refused.value.field == field


def test_a_threshold_from_zero_with_no_upper_bound_is_fine() -> None:
    assert threshold(amount_above=Decimal("0"), amount_up_to=None).applies_to(Decimal("1.00"), date(2026, 11, 1))
