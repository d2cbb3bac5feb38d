"""Deterministic replay: the state of a loan as of a date from its schedule, terms and events.

Nothing is stored between calls: a back-dated payment or a reversal is just another event, and
the state is recomputed from disbursement, so it depends only on the events' value dates and,
for events of the same date, on their sequence numbers, never on the order they were recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from domain.errors import RuleViolation
from domain.money import minor_unit
from domain.schedules import Installment
from domain.servicing._book import Book
from domain.servicing._lines import Line, LineState, to_units
from domain.servicing.arrears import arrears_as_of
from domain.servicing.model import (
    REPAYABLE,
    Allocation,
    Component,
    Event,
    InstallmentState,
    InstallmentStatus,
    LoanState,
    Payment,
    Reschedule,
    Reversal,
    ServicingTerms,
    WriteOff,
)

__all__ = ["effective_events", "state_as_of"]

_Converter = Callable[[int], Decimal]

_STATUS = {
    LineState.SETTLED: InstallmentStatus.PAID,
    LineState.CANCELLED: InstallmentStatus.CANCELLED,
    LineState.RESCHEDULED: InstallmentStatus.RESCHEDULED,
    LineState.WRITTEN_OFF: InstallmentStatus.WRITTEN_OFF,
}


def _invalid(message: str, code: str) -> RuleViolation:
    return RuleViolation(message, code=f"servicing.{code}", field="events")


def effective_events(events: Sequence[Event], as_of: date, disbursed_on: date) -> list[Event]:
    """The events that shape the state as of ``as_of``, in replay order (value date, then
    sequence). Reversals are not replayed: a payment reversed on or before ``as_of`` is left out
    altogether, as if it had never been made. Raises ``RuleViolation`` for an inconsistent
    history: a sequence number or payment id used twice, an event before disbursement, a
    reversal of an unknown or already reversed payment."""
    sequences: set[int] = set()
    payments: set[uuid.UUID] = set()
    for event in events:
        if event.sequence in sequences:
            raise _invalid(f"sequence {event.sequence} is used twice", "duplicate_sequence")
        sequences.add(event.sequence)
        if event.value_date < disbursed_on:
            raise _invalid("an event cannot be value-dated before the disbursement", "before_disbursement")
        if isinstance(event, Payment):
            if event.id in payments:
                raise _invalid(f"payment {event.id} is recorded twice", "duplicate_payment")
            payments.add(event.id)
    reversed_ids: set[uuid.UUID] = set()
    reversed_now: set[uuid.UUID] = set()
    for event in events:
        if isinstance(event, Reversal):
            if event.payment_id not in payments:
                raise _invalid(f"payment {event.payment_id} does not exist", "unknown_payment")
            if event.payment_id in reversed_ids:
                raise _invalid(f"payment {event.payment_id} is already reversed", "already_reversed")
            reversed_ids.add(event.payment_id)
            if event.value_date <= as_of:
                reversed_now.add(event.payment_id)
    kept = [
        e
        for e in events
        if e.value_date <= as_of
        and not isinstance(e, Reversal)
        and not (isinstance(e, Payment) and e.id in reversed_now)
    ]
    return sorted(kept, key=lambda e: (e.value_date, e.sequence))


def replay(
    schedule: Sequence[Installment],
    terms: ServicingTerms,
    events: Sequence[Event],
    as_of: date,
    disbursed_on: date,
    *,
    before_payment: Callable[[Book, Payment], None] | None = None,
) -> Book:
    """The working book of the loan after every event up to ``as_of`` and the days up to it.
    ``before_payment`` sees the book on each payment's date, just before the payment is received."""
    book = Book(schedule, terms, disbursed_on)
    for event in effective_events(events, as_of, disbursed_on):
        book.accrue_to(event.value_date)
        if isinstance(event, Payment):
            if before_payment is not None:
                before_payment(book, event)
            units = to_units(event.amount, book.decimals, "amount")
            if units <= 0:
                raise RuleViolation("a payment must be more than zero", code="servicing.invalid_amount", field="amount")
            book.receive(event.id, units, event.value_date)
        elif isinstance(event, WriteOff):
            book.write_off(event.value_date)
        elif isinstance(event, Reschedule):
            book.reschedule(event.value_date, event.installments, event.sequence)
    book.accrue_to(as_of)
    book.charge_all(as_of)
    return book


def state_as_of(
    schedule: tuple[Installment, ...],
    terms: ServicingTerms,
    events: Sequence[Event],
    as_of: date,
    *,
    disbursed_on: date,
) -> LoanState:
    """The loan as of ``as_of`` (close of that day): replays ``events`` in (value date,
    sequence) order from ``disbursed_on``, the start of the first period's interest.

    Rules: a payment pays the instalments already due (due date <= its date), oldest first,
    component by component in ``terms.allocation_order``; if it then covers the payoff amount of
    its date (``payoff``) the loan is paid off and closed, any excess staying as a credit owed
    back; otherwise the rest is an overpayment handled by ``terms.overpayment``: kept as a credit
    that pays instalments as they fall due, or prepaid principal (``policies.reduce_term`` /
    ``reduce_installment``). An instalment unpaid more than the grace days after its due date is
    late: it is charged the late fee once, and penalty interest for each day late beyond the
    grace days up to and including the day of the payment that cures it (day d's penalty is
    counted before day d's payments). The penalty interest of an instalment is the exact sum over
    its late days of overdue principal + interest x rate / 365, rounded once with
    ``terms.rounding`` (rounding each day would lose it on small arrears).
    """
    book = replay(schedule, terms, events, as_of, disbursed_on)
    return snapshot(book, as_of)


def snapshot(book: Book, as_of: date) -> LoanState:
    """The loan state of a book replayed up to ``as_of``."""
    unit = minor_unit(book.terms.currency)

    def dec(units: int) -> Decimal:
        return units * unit

    lines = sorted((*book.lines, *book.retired), key=lambda line: line.number)
    active = book.active
    grace = book.terms.grace_days_before_late
    installments = tuple(_installment(line, as_of, active, grace, dec) for line in lines)
    open_lines = [line for line in lines if line.state is LineState.OPEN]
    unpaid_due = [line for line in open_lines if line.due_date <= as_of and line.remaining()]
    written = {c: sum(line.removed[c] for line in lines if line.state is LineState.WRITTEN_OFF) for c in REPAYABLE}
    arrears = arrears_as_of(
        min((line.due_date for line in unpaid_due), default=None) if active else None,
        as_of,
        grace_days=grace,
        bounds=book.terms.arrears_buckets,
        written_off=book.written_off_on is not None,
    )
    return LoanState(
        as_of=as_of,
        currency=book.terms.currency,
        installments=installments,
        allocations=tuple(
            Allocation(payment_id=pid, installment=number, component=component, amount=dec(units), applied_on=on)
            for pid, number, component, units, on in book.postings
        ),
        total_received=dec(book.received),
        credit_balance=dec(book.purse.total),
        prepaid_principal=dec(book.prepaid),
        outstanding_principal=dec(sum(line.owed(Component.PRINCIPAL) for line in open_lines)),
        total_due=dec(sum(line.remaining() for line in unpaid_due)),
        total_overdue=dec(sum(line.remaining() for line in unpaid_due if line.due_date < as_of)),
        days_past_due=arrears.days_past_due,
        arrears_bucket=arrears.bucket,
        closed=book.closed_on is not None,
        closed_on=book.closed_on,
        written_off_on=book.written_off_on,
        written_off_principal=dec(written[Component.PRINCIPAL]),
        written_off_interest=dec(written[Component.INTEREST]),
        written_off_fees=dec(written[Component.FEES]),
        written_off_penalties=dec(written[Component.PENALTIES]),
        recoveries=dec(book.recovered),
        rescheduled_on=tuple(book.rescheduled_on),
    )


def _installment(line: Line, as_of: date, active: bool, grace: int, dec: _Converter) -> InstallmentState:
    remaining = line.remaining()
    paid = sum(line.paid.values())
    late_days = (as_of - line.due_date).days if active and remaining and line.state is LineState.OPEN else 0
    if line.state in _STATUS:
        status = _STATUS[line.state]
    elif remaining == 0 and (paid or line.due_date <= as_of):
        status = InstallmentStatus.PAID
    elif line.due_date > as_of:
        status = InstallmentStatus.NOT_DUE
    elif late_days > grace:
        status = InstallmentStatus.LATE
    else:
        status = InstallmentStatus.PARTIALLY_PAID if paid else InstallmentStatus.DUE
    removed = dec(sum(line.removed.values()))
    return InstallmentState(
        number=line.number,
        due_date=line.due_date,
        principal_due=dec(line.due(Component.PRINCIPAL)),
        interest_due=dec(line.due(Component.INTEREST)),
        fees_due=dec(line.due(Component.FEES)),
        penalties_due=dec(line.due(Component.PENALTIES)),
        principal_paid=dec(line.paid[Component.PRINCIPAL]),
        interest_paid=dec(line.paid[Component.INTEREST]),
        fees_paid=dec(line.paid[Component.FEES]),
        penalties_paid=dec(line.paid[Component.PENALTIES]),
        written_off=removed if line.state is LineState.WRITTEN_OFF else dec(0),
        rescheduled=removed if line.state is LineState.RESCHEDULED else dec(0),
        outstanding=dec(remaining),
        days_past_due=max(late_days, 0),
        status=status,
        late_fee=dec(line.late_fee),
        carried_penalties=dec(line.carried_penalties),
        penalty_interest=dec(line.penalty_interest),
        late_amount_days=dec(line.late_amount_days),
        charged_through=line.charged_through,
        schedule_version=line.version,
    )
