"""Applications and business projects keep their offer, conditions, eligibility and plan lines in
JSONB through the database codec: the same JSON as the hand-written functions it replaced (the
oracle in ``tests.kernel.jsonb_legacy``), and the rows those wrote read back the same."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.origination.applicants import (
    DocumentInfo,
    DocumentKind,
    Guarantor,
    PlanLine,
    ResourceKind,
    ResourceLine,
)
from domain.origination.applications import Condition, Offer
from domain.origination.eligibility import CheckResult
from domain.schedules import Installment
from service.kernel.db.codec import from_jsonb, to_jsonb
from service.origination.repositories.applications import _offer_from_jsonb, _offer_to_jsonb
from tests.kernel import jsonb_legacy as legacy
from tests.kernel.test_jsonb_codec import stored


def offer(currency: str, amount: str, rows: list[tuple[str, ...]]) -> Offer:
    return Offer(
        product_version=3,
        amount=Decimal(amount),
        currency=currency,
        number_of_installments=len(rows),
        annual_interest_rate=Decimal("7.45"),
        apr=Decimal("8.1234"),
        net_disbursed=Decimal(amount),
        total_repayable=Decimal(amount),
        total_interest=Decimal(0),
        total_fees=Decimal("0E-2"),
        disbursement_date=date(2025, 1, 15),
        first_due_date=date(2025, 2, 15),
        issued_on=date(2025, 1, 10),
        expires_on=date(2025, 2, 9),
        installments=tuple(
            Installment(n, date(2025, 1 + n, 15), *(Decimal(v) for v in r)) for n, r in enumerate(rows, start=1)
        ),
    )


OFFERS = [
    offer(
        "EUR",
        "3000.00",
        [("1000.00", "18.63", "0.00", "1018.63", "2000.00"), ("2000.00", "12.42", "0", "2012.42", "0.00")],
    ),
    offer("XOF", "500000", [("250000", "3104", "0", "253104", "250000"), ("250000", "1552", "0", "251552", "0")]),
]


@pytest.mark.parametrize("value", OFFERS, ids=["EUR", "XOF"])
def test_an_offer_is_stored_as_before_and_read_back(value: Offer) -> None:
    data = _offer_to_jsonb(value)
    assert stored(data) == stored(legacy.offer_to_json(value))
    assert _offer_from_jsonb(data) == value
    assert str(_offer_from_jsonb(data).total_fees) == "0.00"


# An offer row as the old code wrote it (instalments as positional rows).
OFFER_ROW: dict[str, Any] = {
    "amount": "3000.00",
    "annual_interest_rate": "7.45",
    "apr": "8.1234",
    "net_disbursed": "2850.00",
    "total_repayable": "3031.05",
    "total_interest": "31.05",
    "total_fees": "150.00",
    "disbursement_date": "2025-01-15",
    "first_due_date": "2025-02-15",
    "issued_on": "2025-01-10",
    "expires_on": "2025-02-09",
    "product_version": 3,
    "currency": "EUR",
    "number_of_installments": 2,
    "installments": [
        [1, "2025-02-15", "1000.00", "18.63", "0.00", "1018.63", "2000.00"],
        [2, "2025-03-15", "2000.00", "12.42", "0.00", "2012.42", "0.00"],
    ],
}


def test_an_offer_row_written_before_reads_as_it_did() -> None:
    value = _offer_from_jsonb(OFFER_ROW)
    assert value == legacy.offer_from_json(OFFER_ROW)
    assert str(value.installments[1].principal_remaining) == "0.00"
    assert stored(_offer_to_jsonb(value)) == stored(OFFER_ROW)


MET_AT = datetime(2025, 1, 12, 9, 30, 5, 123456, tzinfo=UTC)
CONDITIONS = (
    Condition("attestation d'assurance"),
    Condition("caution signée", met_by=uuid.UUID("0192d3c4-0000-7000-8000-000000000001"), met_at=MET_AT),
    Condition("devis", met_by=uuid.UUID(int=7), met_at=MET_AT.replace(microsecond=0), evidence="devis n° 12"),
)


def test_conditions_are_stored_as_before_and_read_back() -> None:
    data = to_jsonb(CONDITIONS)
    assert stored(data) == stored([legacy.condition_to_json(c) for c in CONDITIONS])
    assert from_jsonb(data, tuple[Condition, ...]) == CONDITIONS


CONDITION_ROWS: list[dict[str, Any]] = [
    {"text": "attestation d'assurance", "met_by": None, "met_at": None, "evidence": None},
    {
        "text": "devis",
        "met_by": "00000000-0000-0000-0000-000000000007",
        "met_at": "2025-01-12T09:30:05+00:00",
        "evidence": "devis n° 12",
    },
    {"text": "ancienne ligne sans preuve"},  # written before conditions had evidence
]


def test_condition_rows_written_before_read_as_they_did() -> None:
    conditions = from_jsonb(CONDITION_ROWS, tuple[Condition, ...])
    assert conditions == tuple(legacy.condition_from_json(r) for r in CONDITION_ROWS)
    assert conditions[1].met_at == datetime(2025, 1, 12, 9, 30, 5, tzinfo=UTC)
    assert stored(to_jsonb(conditions[:2])) == stored(CONDITION_ROWS[:2])


def test_eligibility_is_stored_as_before_and_read_back() -> None:
    rows = [{"name": "age", "passed": True, "detail": "34 ans"}, {"name": "ceiling", "passed": False, "detail": ""}]
    checks = from_jsonb(rows, tuple[CheckResult, ...])
    assert checks == tuple(CheckResult(**r) for r in rows)
    assert stored(to_jsonb(checks)) == stored(rows)


PLAN_LINES: list[tuple[type, tuple[Any, ...]]] = [
    (PlanLine, (PlanLine("camion", Decimal("12000.00")), PlanLine("stock", Decimal("1500")))),
    (
        ResourceLine,
        (
            ResourceLine("apport", Decimal("2000.00"), ResourceKind.OWN_FUNDS),
            ResourceLine("prêt d'honneur", Decimal("500000"), ResourceKind.HONOUR_LOAN),
        ),
    ),
    (Guarantor, (Guarantor("Awa Diallo", "sœur", Decimal("1500.50")),)),
    (DocumentInfo, (DocumentInfo(DocumentKind.BUSINESS_PLAN, "plan.pdf", date(2025, 1, 3)),)),
]


@pytest.mark.parametrize(("kind", "lines"), PLAN_LINES, ids=lambda v: getattr(v, "__name__", ""))
def test_plan_lines_are_stored_as_before_and_read_back(kind: type, lines: tuple[Any, ...]) -> None:
    data = to_jsonb(lines)
    assert stored(data) == stored(legacy.plan_lines_to_json(lines))
    assert from_jsonb(data, tuple[kind, ...]) == lines  # type: ignore[valid-type]


PLAN_ROWS: list[tuple[type, list[dict[str, Any]]]] = [
    (PlanLine, [{"label": "camion", "amount": "12000.00"}]),
    (ResourceLine, [{"label": "apport", "amount": "2000", "kind": "own_funds"}]),
    (Guarantor, [{"full_name": "Awa Diallo", "relation": "sœur", "amount_guaranteed": "1500.50"}]),
    (DocumentInfo, [{"kind": "business_plan", "filename": "plan.pdf", "received_on": "2025-01-03"}]),
]


@pytest.mark.parametrize(("kind", "rows"), PLAN_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_plan_line_rows_written_before_read_as_they_did(kind: type, rows: list[dict[str, Any]]) -> None:
    lines = from_jsonb(rows, tuple[kind, ...])  # type: ignore[valid-type]
    assert lines == legacy.plan_lines_from_json(rows, kind)
    assert stored(to_jsonb(lines)) == stored(rows)
