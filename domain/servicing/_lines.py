"""Instalment lines and unapplied money of a loan being replayed (internal to the servicing package).

Amounts are integers of minor units, so every sum is exact and every rounding explicit.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from domain.errors import RuleViolation
from domain.schedules import Installment
from domain.servicing.model import REPAYABLE, Component, ServicingTerms
from domain.servicing.policies import divide

PRINCIPAL, INTEREST, FEES, PENALTIES = Component.PRINCIPAL, Component.INTEREST, Component.FEES, Component.PENALTIES


def to_units(amount: Decimal, decimals: int, field: str) -> int:
    """``amount`` as a whole number of minor units; finer digits are refused, not rounded."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise RuleViolation(f"{field} must be a finite Decimal", code="servicing.invalid_amount", field=field)
    numerator, denominator = amount.as_integer_ratio()
    units, rest = divmod(numerator * int(10**decimals), denominator)
    if rest:
        raise RuleViolation(f"{field} has more decimals than the currency allows", code="money.too_many_decimals")
    return units


_AMOUNTS = ("principal", "interest", "fees")


class LineState(Enum):
    OPEN = "open"
    SETTLED = "settled"  # paid off before its due date by a full early repayment
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    WRITTEN_OFF = "written_off"


def _zeros() -> dict[Component, int]:
    return dict.fromkeys(REPAYABLE, 0)


@dataclass(slots=True, eq=False)
class Line:
    """One instalment being serviced. ``interest``/``fees`` are the scheduled ones (prorated,
    rescaled or waived by the rules); ``carried_*`` came from a reschedule and are owed in full."""

    number: int
    due_date: date
    accrual_start: date
    contract_principal: int
    contract_interest: int
    contract_balance: int
    principal: int
    interest: int
    fees: int
    carried_interest: int = 0
    carried_fees: int = 0
    carried_penalties: int = 0
    late_fee: int = 0
    late_amount_days: int = 0  # sum over late days of the overdue principal + interest
    charged_through: date | None = None  # the last day late already charged
    penalty_interest: int = 0
    interest_fixed: bool = False  # set when paid off, written off or rescheduled before its due date
    state: LineState = LineState.OPEN
    paid: dict[Component, int] = field(default_factory=_zeros)
    removed: dict[Component, int] = field(default_factory=_zeros)
    cleared: int = 0  # everything paid or removed, kept so that ``remaining`` is cheap
    version: int = 0  # the schedule it belongs to: 0 the contract's, else its reschedule's sequence

    def record_payment(self, component: Component, amount: int) -> None:
        self.paid[component] += amount
        self.cleared += amount

    def remove_rest(self, state: LineState) -> None:
        """Move what is still owed out of the instalment (written off, or to a new schedule)."""
        self.removed = {c: self.removed[c] + self.owed(c) for c in REPAYABLE}
        self.cleared = sum(self.paid.values()) + sum(self.removed.values())
        self.state = state

    def due(self, component: Component) -> int:
        if component is PRINCIPAL:
            return self.principal
        if component is INTEREST:
            return self.interest + self.carried_interest
        if component is FEES:
            return self.fees + self.carried_fees
        return self.carried_penalties + self.late_fee + self.penalty_interest

    def owed(self, component: Component) -> int:
        return self.due(component) - self.paid[component] - self.removed[component]

    def remaining(self) -> int:
        due = self.principal + self.interest + self.carried_interest + self.fees + self.carried_fees
        return due + self.carried_penalties + self.late_fee + self.penalty_interest - self.cleared

    def overdue_principal_and_interest(self) -> int:
        paid, removed = self.paid, self.removed
        principal = self.principal - paid[PRINCIPAL] - removed[PRINCIPAL]
        return principal + self.interest + self.carried_interest - paid[INTEREST] - removed[INTEREST]

    def accrued_interest(self, on: date, terms: ServicingTerms) -> int:
        """Scheduled interest accrued by ``on``: all of it once due, else the share of the days
        elapsed since its accrual start over the days of its period (see ``payoff``)."""
        if on >= self.due_date or self.interest_fixed:
            return self.interest
        elapsed = (on - self.accrual_start).days
        if elapsed <= 0:
            return 0
        return divide(self.interest * elapsed, (self.due_date - self.accrual_start).days, terms.rounding)


def make_lines(
    installments: Sequence[Installment],
    start: date,
    first_number: int,
    decimals: int,
    *,
    principal: int | None = None,
    version: int = 0,
) -> list[Line]:
    """Lines of a schedule (or of a new one from a reschedule) starting to accrue on ``start``.

    An instalment's interest accrues from the due date of the latest earlier instalment that
    charged interest, or from ``start``: so deferred interest (différé d'intérêts) accrues over
    the whole deferral, not only over the period of the instalment that collects it. When
    ``principal`` is given and differs from the instalments' principal (a payment made before a
    reschedule was reversed, or one was back-dated before it, after the new schedule was drawn
    up), the first instalment takes the extra principal, or the last ones give up the excess."""
    if not installments:
        raise RuleViolation("a schedule needs at least one instalment", code="servicing.invalid_schedule")
    amounts = [
        [to_units(getattr(i, name), decimals, f"installments.{name}") for name in _AMOUNTS] for i in installments
    ]
    previous = start
    for installment, figures in zip(installments, amounts):
        if installment.due_date <= previous or min(figures) < 0:
            raise RuleViolation(
                "due dates must follow the start and each other; amounts must not be negative",
                code="servicing.invalid_schedule",
            )
        previous = installment.due_date
    difference = 0 if principal is None else principal - sum(p for p, _, _ in amounts)
    if difference > 0:
        amounts[0][0] += difference
    excess = max(-difference, 0)
    for figures in reversed(amounts):
        taken = min(figures[0], excess)
        figures[0] -= taken
        excess -= taken
    balance = sum(p for p, _, _ in amounts)
    lines: list[Line] = []
    accrual_start = start
    for index, (installment, (principal_part, interest, fees)) in enumerate(zip(installments, amounts)):
        lines.append(
            Line(
                first_number + index,
                installment.due_date,
                accrual_start,
                principal_part,
                interest,
                balance,
                principal_part,
                interest,
                fees,
                version=version,
            )
        )
        balance -= principal_part
        if interest > 0:
            accrual_start = installment.due_date
    return lines


class Purse:
    """Money received and not applied yet (the credit balance), first in, first out, so every
    allocation names the payment its money came from."""

    __slots__ = ("chunks", "total")

    def __init__(self) -> None:
        self.chunks: deque[tuple[uuid.UUID, int]] = deque()
        self.total = 0

    def add(self, payment_id: uuid.UUID, units: int) -> None:
        if units:
            self.chunks.append((payment_id, units))
            self.total += units

    def take(self, units: int) -> list[tuple[uuid.UUID, int]]:
        pieces: list[tuple[uuid.UUID, int]] = []
        while units:
            payment_id, available = self.chunks[0]
            part = min(available, units)
            pieces.append((payment_id, part))
            units -= part
            self.total -= part
            if part == available:
                self.chunks.popleft()
            else:
                self.chunks[0] = (payment_id, available - part)
        return pieces
