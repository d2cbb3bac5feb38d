"""Servicing rules as pure functions on integers of minor units: rounding, proportional splits,
and the recomputation of the instalments still to come after a principal prepayment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.money import RoundingMode

__all__ = ["ScheduledInstallment", "divide", "reduce_installment", "reduce_term", "split"]


def divide(numerator: int, denominator: int, mode: RoundingMode) -> int:
    """``numerator / denominator`` (numerator >= 0, denominator > 0) rounded to a whole number
    of minor units with ``mode``, exactly: HALF_UP and HALF_EVEN to the nearest, DOWN towards
    zero, UP away from zero."""
    quotient, rest = divmod(numerator, denominator)
    if rest == 0:
        return quotient
    twice = 2 * rest
    if mode is RoundingMode.HALF_UP:
        return quotient + 1 if twice >= denominator else quotient
    if mode is RoundingMode.HALF_EVEN:
        return quotient + 1 if twice > denominator or (twice == denominator and quotient & 1) else quotient
    return quotient if mode is RoundingMode.DOWN else quotient + 1


def split(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder method, ties to the
    earlier part): the parts always add up to ``total``; all zero if the weights are."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * len(weights)
    parts = [total * w // weight_sum for w in weights]
    losses = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in losses[: total - sum(parts)]:
        parts[i] += 1
    return parts


class ScheduledInstallment(Protocol):
    """An instalment still to come: its principal and interest now, and in its contract (with
    the contract's principal owed just before it, which gives its period's rate)."""

    @property
    def principal(self) -> int: ...
    @property
    def interest(self) -> int: ...
    @property
    def contract_principal(self) -> int: ...
    @property
    def contract_interest(self) -> int: ...
    @property
    def contract_balance(self) -> int: ...


def _interest_on(line: ScheduledInstallment, balance: int, mode: RoundingMode) -> int:
    """Interest of a later period on the principal actually owed: the contract's interest scaled
    by actual / contractual principal owed before the instalment. For declining-balance interest
    this is the period's own rate (nominal or day-based) applied to the lower balance."""
    if line.contract_balance <= 0 or balance <= 0:
        return 0
    return divide(line.contract_interest * balance, line.contract_balance, mode)


def reduce_term(
    future: Sequence[ScheduledInstallment], principal_left: int, started: Sequence[bool], mode: RoundingMode
) -> list[tuple[int, int]]:
    """New (principal, interest) of the instalments not yet due after a prepayment leaves
    ``principal_left`` owed, keeping the instalment amount and shortening the term.

    An instalment whose interest had started accruing before the prepayment (``started``: the
    current one, and one collecting deferred interest) keeps its interest and its principal
    (capped at what is owed). Each other one is charged interest on the principal actually owed
    (see ``_interest_on``) and, if it repays principal in the contract, repays the contract's
    instalment amount minus that interest; the principal runs out earlier and the instalments
    after that are (0, 0): cancelled. The last one takes any remainder.
    """
    result: list[tuple[int, int]] = []
    balance = principal_left
    for index, (line, kept) in enumerate(zip(future, started)):
        if kept:
            interest, target = line.interest, line.principal
        else:
            interest = _interest_on(line, balance, mode)
            amount = line.contract_principal + line.contract_interest
            target = amount - interest if line.contract_principal > 0 else 0
        part = balance if index == len(future) - 1 else max(0, min(target, balance))
        result.append((part, interest))
        balance -= part
    return result


def reduce_installment(
    future: Sequence[ScheduledInstallment], principal_left: int, started: Sequence[bool], mode: RoundingMode
) -> list[tuple[int, int]]:
    """New (principal, interest) of the instalments not yet due after a prepayment leaves
    ``principal_left`` owed, keeping the number of instalments and lowering each one.

    The principal left is split over the same instalments in proportion to their principal
    before the prepayment (so equal principal stays equal and interest-only instalments stay
    interest-only). An instalment whose interest had started accruing (``started``, see
    ``reduce_term``) keeps it; each other one is charged interest on the principal actually owed
    (see ``_interest_on``). For an annuity every later instalment then shrinks by the same
    factor, which is the annuity recomputed on the lower balance over the same periods.
    """
    parts = split(principal_left, [line.principal for line in future])
    result: list[tuple[int, int]] = []
    balance = principal_left
    for line, kept, part in zip(future, started, parts):
        interest = line.interest if kept else _interest_on(line, balance, mode)
        result.append((part, interest))
        balance -= part
    return result
