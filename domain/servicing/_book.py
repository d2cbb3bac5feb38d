"""The working state of one replay (internal): accrual day by day and the rules applied to each
event. Amounts are integers of minor units; ``replay`` turns them into Decimals at the edge.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from domain.money import decimals
from domain.schedules import Installment
from domain.servicing._lines import FEES, INTEREST, PENALTIES, PRINCIPAL, Line, LineState, Purse, make_lines, to_units
from domain.servicing.model import REPAYABLE, Component, Overpayment, ServicingTerms
from domain.servicing.policies import divide, reduce_installment, reduce_term

Posting = tuple[uuid.UUID, int | None, Component, int, date]


class Book:
    """A loan being replayed: call ``accrue_to`` up to each event's date, then the event."""

    def __init__(self, schedule: Sequence[Installment], terms: ServicingTerms, disbursed_on: date) -> None:
        self.terms = terms
        self.decimals = decimals(terms.currency)
        self.lines = make_lines(schedule, disbursed_on, 1, self.decimals)
        self.retired: list[Line] = []  # instalments replaced by a reschedule before falling due
        self.purse = Purse()
        self.postings: list[Posting] = []
        self.cursor = disbursed_on  # the last day whose lateness charges are counted
        self.due_upto = 0  # lines[:due_upto] have fallen due
        self.first_open = 0  # lines[:first_open] owe nothing any more
        self.closed_on: date | None = None
        self.written_off_on: date | None = None
        self.received = self.recovered = self.prepaid = self.written_off = 0
        self.rescheduled_on: list[date] = []
        self.late_fee = to_units(terms.late_fee, self.decimals, "late_fee")
        rate_numerator, rate_denominator = terms.penalty_annual_rate.as_integer_ratio()
        self.penalty_rate = (rate_numerator, rate_denominator * 100 * 365)
        self.grace = timedelta(days=terms.grace_days_before_late)
        self.advance(disbursed_on)

    @property
    def active(self) -> bool:
        return self.closed_on is None and self.written_off_on is None

    def future(self) -> list[Line]:
        return [line for line in self.lines[self.due_upto :] if line.state is LineState.OPEN]

    def advance(self, on: date) -> None:
        lines = self.lines
        while self.first_open < len(lines) and (
            lines[self.first_open].state is not LineState.OPEN or lines[self.first_open].remaining() == 0
        ):
            self.first_open += 1
        if self.first_open == len(lines) and self.active:
            self.closed_on = on

    def accrue_to(self, day: date) -> None:
        """Let the days up to ``day`` pass: instalments fall due, and a credit pays each one on
        its due date. Lateness charges are brought up to date per instalment (``charge``)."""
        if day <= self.cursor:
            return
        lines = self.lines
        while self.active and self.due_upto < len(lines) and lines[self.due_upto].due_date <= day:
            line = lines[self.due_upto]
            self.due_upto += 1
            if self.purse.total and line.state is LineState.OPEN:
                self.pay(line, line.due_date)
                self.advance(line.due_date)
        self.cursor = day

    def charge(self, line: Line, day: date) -> None:
        """Charge ``line`` for its days late, beyond the grace days, up to and including ``day``:
        the late fee once, and penalty interest on its overdue principal + interest. Called before
        anything changes what the line owes, so that amount is constant over the days charged."""
        start = line.charged_through or line.due_date + self.grace
        if day <= start or line.state is not LineState.OPEN or not self.active:
            return
        line.charged_through = day
        if not line.remaining():
            return
        if self.late_fee and not line.late_fee:
            line.late_fee = self.late_fee
        numerator, denominator = self.penalty_rate
        if numerator:
            line.late_amount_days += line.overdue_principal_and_interest() * (day - start).days
            line.penalty_interest = divide(line.late_amount_days * numerator, denominator, self.terms.rounding)

    def charge_all(self, day: date) -> None:
        """Bring the lateness charges of every instalment due by ``day`` up to date."""
        for line in self.lines[self.first_open : self.due_upto]:
            self.charge(line, day)

    def pay(self, line: Line, on: date) -> None:
        """Pay what ``line`` owes from the purse, component by component in allocation order."""
        self.charge(line, on)
        for component in self.terms.allocation_order:
            amount = min(line.owed(component), self.purse.total)
            if amount > 0:
                line.record_payment(component, amount)
                for payment_id, part in self.purse.take(amount):
                    self.postings.append((payment_id, line.number, component, part, on))

    def truncate_future(self, on: date) -> None:
        """Instalments not yet due keep their principal, the interest accrued by ``on`` and what
        a reschedule carried; their later interest and their fees are waived."""
        for line in self.future():
            line.interest = line.accrued_interest(on, self.terms)
            line.fees = 0
            line.interest_fixed = True

    def settlement_remainder(self, on: date) -> int:
        """What paying off on ``on`` asks beyond the instalments already due."""
        return sum(
            line.remaining() - (line.interest - line.accrued_interest(on, self.terms)) - line.fees
            for line in self.future()
        )

    def receive(self, payment_id: uuid.UUID, units: int, on: date) -> None:
        """A payment: recovery of a written-off loan, credit on a closed one; otherwise it pays
        the due instalments oldest first, then pays the loan off if it can, else is handled by
        the overpayment policy."""
        self.received += units
        if self.written_off_on is not None:
            recovery = min(units, self.written_off - self.recovered)
            if recovery:
                self.recovered += recovery
                self.postings.append((payment_id, None, Component.RECOVERY, recovery, on))
            self.purse.add(payment_id, units - recovery)
            return
        self.purse.add(payment_id, units)
        if not self.active:
            return
        for line in self.lines[self.first_open : self.due_upto]:
            if not self.purse.total:
                break
            if line.state is LineState.OPEN:
                self.pay(line, on)
        self.advance(on)
        if not self.active or not self.purse.total:
            return
        if self.purse.total >= self.settlement_remainder(on):
            self.truncate_future(on)
            for line in self.future():
                self.pay(line, on)
                line.state = LineState.SETTLED
            self.advance(on)
        elif self.terms.overpayment is not Overpayment.KEEP_AS_CREDIT:
            self._prepay(on)

    def _prepay(self, on: date) -> None:
        future = self.future()
        owed = sum(line.principal for line in future)
        amount = min(self.purse.total, owed)
        if not amount:
            return
        self.prepaid += amount
        for payment_id, part in self.purse.take(amount):
            self.postings.append((payment_id, None, PRINCIPAL, part, on))
        recompute = reduce_term if self.terms.overpayment is Overpayment.REDUCE_TERM else reduce_installment
        started = [line.accrual_start < on for line in future]
        for line, (principal, interest) in zip(future, recompute(future, owed - amount, started, self.terms.rounding)):
            line.principal, line.interest = principal, interest
            if principal == interest == line.carried_interest + line.carried_fees + line.carried_penalties == 0:
                # Nothing left to repay or to pay interest on: the term is over, its fees go too.
                line.fees = 0
                line.state = LineState.CANCELLED
        self.advance(on)

    def write_off(self, on: date) -> None:
        """Write off what is owed on ``on`` (the payoff amount once the credit is applied)."""
        if not self.active:
            return
        self.charge_all(on)
        self.truncate_future(on)
        for line in self.lines[self.first_open :]:
            if line.state is LineState.OPEN and self.purse.total:
                self.pay(line, on)
        self.advance(on)
        if not self.active:
            return
        for line in self.lines[self.first_open :]:
            if line.state is LineState.OPEN and (line.remaining() or line.due_date > on):
                line.remove_rest(LineState.WRITTEN_OFF)
                self.written_off += sum(line.removed.values())
        self.written_off_on = on

    def reschedule(self, on: date, installments: Sequence[Installment], version: int) -> None:
        """Replace the open instalments by ``installments`` (see ``model.Reschedule``), lines of
        schedule ``version`` (the reschedule's sequence); nothing to do on a loan already closed or
        written off."""
        if not self.active:
            return
        self.charge_all(on)
        self.truncate_future(on)
        open_lines = [line for line in self.lines[self.first_open :] if line.state is LineState.OPEN]
        owed = {c: sum(line.owed(c) for line in open_lines) for c in REPAYABLE}
        number = max(line.number for line in (*self.lines, *self.retired)) + 1
        new_lines = make_lines(installments, on, number, self.decimals, principal=owed[PRINCIPAL], version=version)
        for line in open_lines:
            if line.remaining() or line.due_date > on:
                line.remove_rest(LineState.RESCHEDULED)
        first = new_lines[0]
        first.carried_interest, first.carried_fees = owed[INTEREST], owed[FEES]
        first.carried_penalties = owed[PENALTIES]
        self.retired.extend(self.lines[self.due_upto :])
        self.lines = self.lines[: self.due_upto] + new_lines
        self.first_open = min(self.first_open, self.due_upto)
        self.rescheduled_on.append(on)
        self.advance(on)
