"""Small builders for servicing tests: a hand-made schedule, payments and the replay calls."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from domain.schedules import Installment
from domain.servicing import (
    Event,
    LoanState,
    Payment,
    PaymentChannel,
    Reversal,
    ServicingTerms,
    payoff_amount,
    state_as_of,
)

D = Decimal
DISBURSED = date(2026, 1, 15)


def installment(number: int, due: date, principal: str, interest: str, fees: str, remaining: str) -> Installment:
    p, i, f = D(principal), D(interest), D(fees)
    return Installment(number, due, p, i, f, p + i + f, D(remaining))


# 300.00 lent on 15 Jan 2026 at 1 % a month on the declining balance, 1.00 of fees per instalment.
SCHEDULE = (
    installment(1, date(2026, 2, 15), "100.00", "3.00", "1.00", "200.00"),
    installment(2, date(2026, 3, 15), "100.00", "2.00", "1.00", "100.00"),
    installment(3, date(2026, 4, 15), "100.00", "1.00", "1.00", "0.00"),
)


def pid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


def pay(sequence: int, on: date, amount: str | Decimal, *, number: int | None = None) -> Payment:
    return Payment(
        sequence=sequence,
        value_date=on,
        id=pid(sequence if number is None else number),
        amount=D(amount),
        channel=PaymentChannel.DIRECT_DEBIT,
        external_reference=f"ref-{sequence}",
    )


def reverse(sequence: int, on: date, payment: Payment) -> Reversal:
    return Reversal(sequence=sequence, value_date=on, payment_id=payment.id, reason="AM04")


def terms(**overrides: object) -> ServicingTerms:
    return ServicingTerms(currency="EUR", **overrides)  # type: ignore[arg-type]


def state(
    events: Sequence[Event],
    as_of: date,
    servicing: ServicingTerms | None = None,
    schedule: tuple[Installment, ...] = SCHEDULE,
    disbursed_on: date = DISBURSED,
) -> LoanState:
    return state_as_of(schedule, servicing or terms(), events, as_of, disbursed_on=disbursed_on)


def payoff(
    events: Sequence[Event],
    on: date,
    servicing: ServicingTerms | None = None,
    schedule: tuple[Installment, ...] = SCHEDULE,
    disbursed_on: date = DISBURSED,
) -> Decimal:
    return payoff_amount(schedule, servicing or terms(), events, on, disbursed_on=disbursed_on)


def paid(loan: LoanState, number: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(penalties, fees, interest, principal) paid on instalment ``number``."""
    i = loan.installments[number - 1]
    return i.penalties_paid, i.fees_paid, i.interest_paid, i.principal_paid
