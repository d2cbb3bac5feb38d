"""Payoff quotes: what paying a loan off on a date costs, exactly what the allocation settles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.money import minor_unit
from domain.schedules import Installment
from domain.servicing._book import Book
from domain.servicing._lines import LineState
from domain.servicing.model import REPAYABLE, Component, Event, LoanState, Payment, ServicingTerms
from domain.servicing.replay import replay, snapshot

__all__ = ["PayoffQuote", "payoff_amount", "payoff_quote", "state_and_payoff"]


@dataclass(frozen=True, kw_only=True)
class PayoffQuote:
    """The payoff amount of ``on`` and its parts: ``amount`` = ``principal`` + ``interest`` +
    ``fees`` + ``penalties`` + ``unrecovered`` - ``credit_balance`` (never below zero).
    ``unrecovered`` is what is still written off and not recovered; ``credit_balance`` is money
    already received and not yet applied."""

    on: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal
    unrecovered: Decimal
    credit_balance: Decimal
    amount: Decimal


def payoff_quote(
    schedule: tuple[Installment, ...],
    terms: ServicingTerms,
    events: Sequence[Event],
    on: date,
    *,
    disbursed_on: date,
) -> PayoffQuote:
    """What the borrower must pay on ``on`` to owe nothing more (remboursement anticipé total).

    Interest to date (a business choice, simple and exact): the interest of every instalment
    already due, plus, for each instalment not yet due, its scheduled interest x days elapsed
    since its interest started accruing / days from that start to its due date (actual days,
    rounded with ``terms.rounding``, half up by default; 0 before the period starts). The period
    of an instalment starts at the previous due date (the disbursement for the first one), or
    earlier when earlier instalments deferred their interest to it. Later interest and the fees
    of instalments not yet due are waived. So the payoff is: everything unpaid on instalments
    due on or before ``on`` (penalties counted up to and including ``on``), plus all principal
    not yet due, plus that accrued interest (plus what a reschedule carried), minus the credit.

    It equals what the allocation settles: a payment of this amount value-dated ``on`` and
    recorded after every other event of that date pays the loan off with nothing left over
    (``replay.state_as_of``). After a write-off it is what is still to be recovered; for a
    closed loan it is zero.
    """
    return _quote(replay(schedule, terms, events, on, disbursed_on), on)


def _quote(book: Book, on: date) -> PayoffQuote:
    """The payoff of a book replayed up to ``on``, its lateness charges brought up to ``on``."""
    book.charge_all(on)
    unit = minor_unit(book.terms.currency)
    parts = dict.fromkeys(REPAYABLE, 0)
    for line in book.lines:
        if line.state is not LineState.OPEN:
            continue
        for component in REPAYABLE:
            parts[component] += line.owed(component)
        if line.due_date > on:
            # Not due yet: only the interest accrued so far, and no fees of its own.
            parts[Component.INTEREST] -= line.interest - line.accrued_interest(on, book.terms)
            parts[Component.FEES] -= line.fees
    unrecovered = book.written_off - book.recovered
    owed = sum(parts.values()) + unrecovered
    return PayoffQuote(
        on=on,
        principal=parts[Component.PRINCIPAL] * unit,
        interest=parts[Component.INTEREST] * unit,
        fees=parts[Component.FEES] * unit,
        penalties=parts[Component.PENALTIES] * unit,
        unrecovered=unrecovered * unit,
        credit_balance=book.purse.total * unit,
        amount=max(owed - book.purse.total, 0) * unit,
    )


def state_and_payoff(
    schedule: tuple[Installment, ...],
    terms: ServicingTerms,
    events: Sequence[Event],
    as_of: date,
    *,
    disbursed_on: date,
    payment_id: uuid.UUID,
) -> tuple[LoanState, PayoffQuote]:
    """``state_as_of`` and, from the same replay, the payoff that payment ``payment_id`` met on its
    value date: the loan just before the payment was received, as ``payoff_quote`` of that date
    quotes it (payments whose reversal is dated by ``as_of`` are left out of it, as out of the
    state). So a payment can be refused for exceeding the payoff without replaying the loan twice.

    Bringing the lateness charges up to the payment's date there changes nothing: each instalment
    is charged up to a day before anything changes what it owes, and its penalty interest is
    rounded once, from its late amount-days."""
    quotes: list[PayoffQuote] = []

    def quote(book: Book, payment: Payment) -> None:
        if payment.id == payment_id:
            quotes.append(_quote(book, payment.value_date))

    book = replay(schedule, terms, events, as_of, disbursed_on, before_payment=quote)
    if not quotes:
        raise ValueError(f"payment {payment_id} is not replayed as of {as_of.isoformat()}")
    return snapshot(book, as_of), quotes[0]


def payoff_amount(
    schedule: tuple[Installment, ...],
    terms: ServicingTerms,
    events: Sequence[Event],
    on: date,
    *,
    disbursed_on: date,
) -> Decimal:
    """The payoff amount of ``on`` (see ``payoff_quote`` for the rule and its guarantee)."""
    return payoff_quote(schedule, terms, events, on, disbursed_on=disbursed_on).amount
