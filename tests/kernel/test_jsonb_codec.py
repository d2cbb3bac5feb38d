"""The database codec writes what the hand-written functions wrote (the oracle in ``jsonb_legacy``)
and reads the rows they wrote: servicing terms and fees here, the other stored types beside their
repositories' tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from domain.money import RoundingMode, money
from domain.schedules import Fee, FeeCollection
from domain.servicing import Component, Overpayment, ServicingTerms
from service.kernel.db.codec import from_jsonb, to_jsonb
from tests.kernel import jsonb_legacy as legacy


def stored(value: Any) -> str:
    """What a JSONB column keeps: the JSON value, key order aside."""
    return json.dumps(value, sort_keys=True)


def test_the_codec_writes_datetimes_as_isoformat_and_money_as_amount_and_currency() -> None:
    utc = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    paris = datetime(2025, 3, 4, 5, 6, 7, 89, tzinfo=timezone(timedelta(hours=1)))
    assert to_jsonb([utc, paris]) == ["2025-03-04T05:06:07+00:00", "2025-03-04T05:06:07.000089+01:00"]
    assert from_jsonb(["2025-03-04T05:06:07+00:00"], list[datetime]) == [utc]
    assert to_jsonb({"m": money("1500", "XOF")}) == {"m": {"amount": "1500", "currency": "XOF"}}
    assert to_jsonb((Decimal("0E-2"), Decimal("1E+2"), date(2025, 1, 31))) == ["0.00", "1E+2", "2025-01-31"]


def test_bad_stored_data_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        from_jsonb({"name": "x", "collection": "never"}, Fee)
    with pytest.raises(msgspec.ValidationError):
        from_jsonb({"currency": "EUR", "late_fee": "a lot"}, ServicingTerms)


SERVICING_TERMS = [
    ServicingTerms(currency="EUR"),
    ServicingTerms(
        currency="XOF",
        allocation_order=(Component.PRINCIPAL, Component.INTEREST, Component.FEES, Component.PENALTIES),
        overpayment=Overpayment.REDUCE_INSTALLMENT,
        grace_days_before_late=5,
        late_fee=Decimal("1500"),
        penalty_annual_rate=Decimal("10.50"),
        arrears_buckets=(15, 45),
        rounding=RoundingMode.HALF_EVEN,
    ),
    ServicingTerms(currency="EUR", late_fee=Decimal("7.50"), penalty_annual_rate=Decimal("0.0")),
]


@pytest.mark.parametrize("terms", SERVICING_TERMS)
def test_servicing_terms_are_stored_as_before_and_read_back(terms: ServicingTerms) -> None:
    data = to_jsonb(terms, omit=("currency",))
    assert stored(data) == stored(legacy.servicing_to_json(terms))
    assert from_jsonb(data, ServicingTerms, currency=terms.currency) == terms


# Rows as the old code wrote them (a product version's or a loan's ``servicing`` column), and one
# written before the later settings existed: the missing keys take the defaults, as they did.
SERVICING_ROWS = [
    {
        "allocation_order": ["penalties", "fees", "interest", "principal"],
        "overpayment": "keep_as_credit",
        "grace_days_before_late": 0,
        "late_fee": "0",
        "penalty_annual_rate": "0",
        "arrears_buckets": [30, 60, 90],
        "rounding": "half_up",
    },
    {
        "allocation_order": ["principal", "interest", "fees", "penalties"],
        "overpayment": "reduce_term",
        "grace_days_before_late": 3,
        "late_fee": "1500",
        "penalty_annual_rate": "12.5",
        "arrears_buckets": [15, 45],
        "rounding": "down",
    },
    {"grace_days_before_late": 2, "late_fee": "5.00"},
    {},
]


@pytest.mark.parametrize("row", SERVICING_ROWS)
@pytest.mark.parametrize("currency", ["EUR", "XOF"])
def test_servicing_rows_written_before_read_as_they_did(row: dict[str, Any], currency: str) -> None:
    terms = from_jsonb(row, ServicingTerms, currency=currency)
    assert terms == legacy.servicing_from_json(currency, row)
    assert terms.late_fee.as_tuple() == legacy.servicing_from_json(currency, row).late_fee.as_tuple()


FEES = [
    Fee("contribution solidaire", FeeCollection.WITHHELD_AT_DISBURSEMENT, percent_of_principal=Decimal("5")),
    Fee("dossier", FeeCollection.ADDED_TO_INSTALLMENTS, percent_of_principal=Decimal("2.50")),
    Fee("frais fixes", FeeCollection.WITHHELD_AT_DISBURSEMENT, amount=Decimal("1500")),
    Fee("assurance", FeeCollection.ADDED_TO_INSTALLMENTS, amount=Decimal("12.50")),
    Fee("zéro", FeeCollection.ADDED_TO_INSTALLMENTS, amount=Decimal("0.00")),
]


def test_fees_are_stored_as_before_and_read_back() -> None:
    data = to_jsonb(tuple(FEES))
    assert stored(data) == stored([legacy.fee_to_json(f) for f in FEES])
    back = from_jsonb(data, tuple[Fee, ...])
    assert back == tuple(FEES)
    assert [str(f.amount) for f in back] == [str(f.amount) for f in FEES]  # the scale too


FEE_ROWS = [
    {"name": "contribution", "collection": "withheld_at_disbursement", "percent_of_principal": "5", "amount": None},
    {"name": "dossier", "collection": "added_to_installments", "percent_of_principal": "2.50", "amount": None},
    {"name": "frais", "collection": "withheld_at_disbursement", "percent_of_principal": None, "amount": "1500"},
    {"name": "assurance", "collection": "added_to_installments", "percent_of_principal": None, "amount": "12.50"},
]


def test_fee_rows_written_before_read_as_they_did() -> None:
    fees = from_jsonb(FEE_ROWS, tuple[Fee, ...])
    assert fees == tuple(legacy.fee_from_json(r) for r in FEE_ROWS)
    assert [(str(f.percent_of_principal), str(f.amount)) for f in fees] == [
        ("5", "None"),
        ("2.50", "None"),
        ("None", "1500"),
        ("None", "12.50"),
    ]
    assert stored(to_jsonb(fees)) == stored(FEE_ROWS)
