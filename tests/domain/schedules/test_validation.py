"""Schedule terms that break a rule are refused with the API field at fault."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import RuleViolation
from domain.schedules import Fee, FeeCollection, RepaymentUnit, ScheduleTerms

D = Decimal
WITHHELD = FeeCollection.WITHHELD_AT_DISBURSEMENT
ADDED = FeeCollection.ADDED_TO_INSTALLMENTS


def terms(**overrides: object) -> ScheduleTerms:
    values: dict[str, object] = {
        "principal": D("10000.00"),
        "currency": "EUR",
        "annual_interest_rate": D("7.45"),
        "number_of_installments": 36,
        "disbursement_date": date(2026, 1, 15),
        "first_due_date": date(2026, 2, 15),
    }
    values.update(overrides)
    return ScheduleTerms(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"principal": D("0")}, "principal"),
        ({"principal": D("-100.00")}, "principal"),
        ({"principal": D("100.001")}, "principal"),
        ({"principal": D("1E+16")}, "principal"),
        ({"principal": D("Infinity")}, "principal"),
        ({"currency": "ZZZ"}, "currency"),
        ({"currency": "JPY", "principal": D("1000.5")}, "principal"),
        ({"annual_interest_rate": D("-0.01")}, "annual_interest_rate"),
        ({"annual_interest_rate": D("100.01")}, "annual_interest_rate"),
        ({"number_of_installments": 0}, "number_of_installments"),
        ({"number_of_installments": 601}, "number_of_installments"),
        ({"repayment_every": 0}, "repayment_every"),
        ({"repayment_every": 367}, "repayment_every"),
        ({"principal_grace_installments": -1}, "principal_grace_installments"),
        ({"principal_grace_installments": 36}, "principal_grace_installments"),
        ({"interest_grace_installments": 36}, "interest_grace_installments"),
        ({"first_due_date": date(2026, 1, 15)}, "first_due_date"),
        ({"first_due_date": date(2026, 1, 14)}, "first_due_date"),
        ({"installment_multiple": D("0")}, "installment_multiple"),
        ({"installment_multiple": D("0.001")}, "installment_multiple"),
        ({"currency": "JPY", "principal": D("1000")}, "installment_multiple"),  # 0.01 is finer than a yen
        ({"repayment_unit": "fortnight"}, "repayment_unit"),
        ({"day_count": "30/365"}, "day_count"),
        ({"rounding": "bankers"}, "rounding"),
        ({"fees": (Fee("f", WITHHELD, percent_of_principal=D("100.5")),)}, "fees[0].percent_of_principal"),
        ({"fees": (Fee("f", WITHHELD, percent_of_principal=D("-1")),)}, "fees[0].percent_of_principal"),
        ({"fees": (Fee("a", ADDED, amount=D("1")), Fee("f", ADDED, amount=D("-1")))}, "fees[1].amount"),
        ({"fees": (Fee("f", ADDED, amount=D("1.005")),)}, "fees[0].amount"),
        ({"fees": (Fee("f", ADDED),)}, "fees[0]"),
        ({"fees": (Fee("f", ADDED, percent_of_principal=D("1"), amount=D("1")),)}, "fees[0]"),
        ({"fees": (Fee("f", "later"),)}, "fees[0].collection"),  # type: ignore[arg-type]
        (
            {
                "fees": (
                    Fee("f", WITHHELD, percent_of_principal=D("60")),
                    Fee("g", WITHHELD, amount=D("4000.00")),
                )
            },
            "fees",
        ),
        (
            {"number_of_installments": 600, "repayment_every": 366, "first_due_date": date(2026, 2, 15)},
            "number_of_installments",
        ),
    ],
)
def test_terms_breaking_a_rule_name_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        terms(**overrides)
    assert caught.value.field == field
    assert caught.value.code in {"schedule.invalid_terms", "money.unknown_currency"}


def test_an_unknown_currency_keeps_the_money_code() -> None:
    with pytest.raises(RuleViolation) as caught:
        terms(currency="ZZZ")
    assert caught.value.code == "money.unknown_currency"


def test_invalid_terms_have_the_schedule_code() -> None:
    with pytest.raises(RuleViolation) as caught:
        terms(number_of_installments=0)
    assert caught.value.code == "schedule.invalid_terms"


def test_a_float_amount_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        terms(principal=10000.0)
    with pytest.raises(TypeError):
        terms(number_of_installments=D("36"))


def test_whole_numbers_and_lists_are_normalised() -> None:
    fee = Fee("f", "withheld_at_disbursement", amount=5)  # type: ignore[arg-type]
    accepted = terms(principal=10000, annual_interest_rate=7, fees=[fee])
    assert accepted.principal == D("10000") and isinstance(accepted.principal, Decimal)
    assert isinstance(accepted.annual_interest_rate, Decimal)
    assert accepted.fees == (Fee("f", WITHHELD, amount=D(5)),)


def test_enum_values_given_as_text_are_accepted() -> None:
    accepted = terms(repayment_unit="week", rounding="half_even", first_due_date=date(2026, 1, 22))
    assert accepted.repayment_unit is RepaymentUnit.WEEK


def test_limits_themselves_are_allowed() -> None:
    terms(annual_interest_rate=D("0"), number_of_installments=1)
    terms(annual_interest_rate=D("100"), number_of_installments=600, principal_grace_installments=599)
    terms(fees=(Fee("f", WITHHELD, percent_of_principal=D("99.99")),))
    terms(fees=(Fee("f", ADDED, percent_of_principal=D("100")),))
    terms(principal=D("10000.000"))  # trailing zeros are still whole cents
