"""Build a repayment schedule (échéancier) and its TAEG from schedule terms. Pure, no I/O.

All figures are integers of minor units internally (see ``_exact``) and become ``Decimal`` at
the end. A period's rate is the fraction p_j / q: the nominal yearly rate per period
(INSTALLMENT) or times the period's day-count fraction (DAILY), so interest is rounded exactly.
"""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal, localcontext
from typing import NamedTuple

from domain.money import allocate, currency_of
from domain.schedules import _exact
from domain.schedules.apr import Flow, Run, runs_of, solve
from domain.schedules.calendar import (
    DAY_COUNT_DENOMINATOR,
    due_dates,
    period_fractions,
    taeg_intervals,
)
from domain.schedules.model import (
    Amortization,
    FeeCollection,
    Installment,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
    Schedule,
    ScheduleTerms,
)
from domain.schedules.validation import currency_decimals

__all__ = ["build_schedule"]

_PERIODS_PER_YEAR = {RepaymentUnit.MONTH: 12, RepaymentUnit.WEEK: 52, RepaymentUnit.DAY: 365}
# Figures are exact integers; this context only turns them into Decimals, whatever the caller's.
_CONTEXT = Context(prec=60)


def _period_rates(terms: ScheduleTerms, dates: list[date]) -> tuple[list[int], int]:
    """Numerators p_j and common denominator q of each period's rate (rate_j = p_j / q)."""
    rate_num, rate_den = terms.annual_interest_rate.as_integer_ratio()
    n = terms.number_of_installments
    if terms.interest_period is InterestPeriod.INSTALLMENT:
        # Nominal yearly rate / periods per year: 12/N months, 52/N weeks, 365/N days.
        per_year = _PERIODS_PER_YEAR[terms.repayment_unit]
        return [rate_num * terms.repayment_every] * n, rate_den * 100 * per_year
    day_count = terms.day_count
    fractions = period_fractions(terms.disbursement_date, dates, day_count)
    return [rate_num * f for f in fractions], rate_den * 100 * DAY_COUNT_DENOMINATOR[day_count]


def _annuity(principal: int, rates: list[int], q: int, multiple: int, mode: int) -> int:
    """The constant instalment that repays ``principal`` over the periods of ``rates``, rounded
    to the nearest ``multiple``: A = P / sum_k prod_{j<=k} 1 / (1 + r_j), computed exactly."""
    m = len(rates)
    first = rates[0]
    if rates.count(first) == m:
        if first == 0:
            return _exact.div_nearest(principal, m * multiple, mode) * multiple
        # A = P r (1+r)^m / ((1+r)^m - 1) with r = p / q.
        grown, base = (q + first) ** m, q**m
        return _exact.div_nearest(principal * first * grown, q * (grown - base) * multiple, mode) * multiple
    # A = P prod_j (q + p_j) / sum_k q^k prod_{j>k} (q + p_j), by a Horner-like recurrence.
    product, weighted, power = 1, 0, 1
    for p in rates:
        power *= q
        weighted = weighted * (q + p) + power
        product *= q + p
    return _exact.div_nearest(principal * product, weighted * multiple, mode) * multiple


def _fee_parts(terms: ScheduleTerms, principal: int, decimals: int, mode: int) -> tuple[int, list[int] | None]:
    """Withheld fees in minor units, and the per-instalment shares of the added fees (or None)."""
    withheld = added = 0
    for fee in terms.fees:
        if fee.percent_of_principal is not None:
            units = _exact.percent_of(principal, fee.percent_of_principal, mode)
        else:
            assert fee.amount is not None
            units = _exact.to_units(fee.amount, decimals) or 0
        if fee.collection is FeeCollection.WITHHELD_AT_DISBURSEMENT:
            withheld += units
        else:
            added += units
    if not added:
        return withheld, None
    unit = Decimal(1).scaleb(-decimals)
    with localcontext(_CONTEXT):
        parts = allocate(Decimal(added) * unit, [1] * terms.number_of_installments, terms.currency)
    return withheld, [_exact.to_units(part, decimals) or 0 for part in parts]


class _Plan(NamedTuple):
    """The integer inputs of the hot loop, in minor units; rates are p_j / q per period."""

    principal: int
    rates: list[int]
    q: int
    mode: int
    multiple: int
    principal_grace: int
    interest_grace: int
    flat: bool
    annuity: bool
    instalment: int  # the rounded annuity, when amortizing with equal instalments
    share: int  # the principal part, when amortizing with equal principal or flat
    fee_shares: list[int] | None


def build_schedule(terms: ScheduleTerms) -> Schedule:
    """The repayment schedule of ``terms`` with its TAEG.

    Declining balance or flat interest (flat: on the original principal, principal in equal
    parts whatever the amortization); annuity or equal principal; principal grace (interest only,
    the annuity spread over the remaining instalments); interest grace (the interest of the
    first k instalments paid with instalment k + 1, without capitalisation). Each interest and
    principal figure is rounded to the minor unit with the terms' mode. With equal instalments
    (annuity or flat) principal + interest of each amortizing instalment but the last is the
    nearest multiple of ``installment_multiple`` (interest-only instalments, interest deferred or
    paid later and added fees are not rounded again); with equal principal the multiple does not
    apply: each principal part is the amount over the amortizing instalments in the minor unit.
    The last instalment takes every remainder so principal sums exactly to the amount lent. (A
    multiple so coarse that the principal is repaid early leaves the following instalments at
    zero rather than negative.) Withheld fees lower ``net_disbursed`` (the TAEG
    drawdown); added fees are spread over the instalments with ``domain.money.allocate``.
    Raises ``RuleViolation`` (``apr.not_converging``) only for a TAEG beyond 10^12 %.
    """
    decimals = currency_decimals(terms.currency)
    mode = _exact.mode_code(terms.rounding)
    principal = _exact.to_units(terms.principal, decimals) or 0
    multiple = _exact.to_units(terms.installment_multiple, decimals) or 1
    grace = terms.principal_grace_installments
    n = terms.number_of_installments
    dates = due_dates(terms.first_due_date, terms.repayment_every, terms.repayment_unit, n)
    rates, q = _period_rates(terms, dates)
    withheld, fee_shares = _fee_parts(terms, principal, decimals, mode)
    flat = terms.interest_method is InterestMethod.FLAT
    annuity = not flat and terms.amortization is Amortization.EQUAL_INSTALLMENTS
    plan = _Plan(
        principal=principal,
        rates=rates,
        q=q,
        mode=mode,
        # The multiple rounds equal instalments (annuity, flat); equal principal keeps its share.
        multiple=multiple if flat or annuity else 1,
        principal_grace=grace,
        interest_grace=terms.interest_grace_installments,
        flat=flat,
        annuity=annuity,
        instalment=_annuity(principal, rates[grace:], q, multiple, mode) if annuity else 0,
        share=0 if annuity else _exact.div_round(principal, n - grace, mode),
        fee_shares=fee_shares,
    )
    return _schedule(terms, plan, dates, decimals, withheld)


def _schedule(terms: ScheduleTerms, plan: _Plan, dates: list[date], decimals: int, withheld: int) -> Schedule:
    """The hot loop of every quote: integers, HALF_UP inlined, each distinct total converted once."""
    principal, rates, q, mode, multiple, principal_grace, interest_grace = plan[:7]
    flat, annuity, instalment, share, fees = plan[7:]
    div_round, div_nearest = _exact.div_round, _exact.div_nearest
    half_up, q2, last = mode == _exact.HALF_UP, 2 * q, len(dates) - 1
    new, set_dict = object.__new__, object.__setattr__
    installments: list[Installment] = []
    totals: list[int] = []
    heads: list[int] = []  # instalments whose total differs from the previous one
    balance, deferred, interest_paid, fee, previous_total, previous_fee = principal, 0, 0, 0, -1, 0
    with localcontext(_CONTEXT):
        unit = Decimal(1).scaleb(-decimals)
        remaining, total_dec, fee_dec = Decimal(principal) * unit, unit, Decimal(0) * unit
        for i, due in enumerate(dates):
            accrued = (principal if flat else balance) * rates[i]
            interest = (2 * accrued + q) // q2 if half_up else div_round(accrued, q, mode)
            if i < principal_grace:
                part = 0
            elif i == last:
                part = balance
            else:
                if annuity:
                    part = instalment - interest
                elif multiple == 1:
                    part = share
                else:
                    part = div_nearest(share + interest, multiple, mode) * multiple - interest
                part = 0 if part < 0 else balance if part > balance else part
            if i < interest_grace:
                deferred, interest = deferred + interest, 0
            elif i == interest_grace:
                interest += deferred
            balance -= part
            interest_paid += interest
            if fees is not None and fees[i] != previous_fee:
                fee = previous_fee = fees[i]
                fee_dec = Decimal(fee) * unit
            total = part + interest + fee
            totals.append(total)
            if total != previous_total:
                total_dec, previous_total = Decimal(total) * unit, total
                heads.append(i)
            part_dec = Decimal(part) * unit
            remaining -= part_dec
            # Installment is a frozen dataclass; its figures are exact by construction, so the
            # engine fills __dict__ directly: about half the cost of __init__ (tests/perf).
            row = new(Installment)
            set_dict(
                row,
                "__dict__",
                {
                    "number": i + 1,
                    "due_date": due,
                    "principal": part_dec,
                    "interest": total_dec - part_dec - fee_dec if fee else total_dec - part_dec,
                    "fees": fee_dec,
                    "total": total_dec,
                    "principal_remaining": remaining,
                },
            )
            installments.append(row)
        net = principal - withheld
        fees_added = sum(fees) if fees else 0
        return Schedule(
            currency=currency_of(terms.currency).code,
            installments=tuple(installments),
            total_principal=Decimal(principal) * unit,
            total_interest=Decimal(interest_paid) * unit,
            total_fees=Decimal(fees_added + withheld) * unit,
            total_repayable=Decimal(sum(totals)) * unit,
            net_disbursed=Decimal(net) * unit,
            apr=_apr(terms, dates, totals, heads, net),
        )


def _apr(terms: ScheduleTerms, dates: list[date], totals: list[int], heads: list[int], net: int) -> Decimal:
    """TAEG of the schedule: one drawdown of ``net`` on the disbursement date, then the totals.

    Monthly due dates on one day of month are whole months apart, so a stretch of equal totals
    (from one of ``heads`` to the next) is one geometric run of the TAEG sum.
    """
    start = terms.disbursement_date

    def exact() -> tuple[list[Flow], list[Flow]]:
        flows = taeg_intervals(start, dates)
        return [(0, 0, 365, net)], [(m, d, y, total) for (m, d, y), total in zip(flows, totals)]

    draw_runs: list[Run] = [(0.0, 0.0, 1, 1.0)]
    if terms.repayment_unit is not RepaymentUnit.MONTH or terms.first_due_date.day > 28:
        return solve(draw_runs, runs_of(exact()[1], net), exact)
    # Floats for the TAEG root search only (true division of exact integers).
    spacing = terms.repayment_every / 12
    times = taeg_intervals(start, [dates[head] for head in heads])
    pay_runs = [
        (months / 12 + days / year_days, spacing, end - head, totals[head] / net)
        for (months, days, year_days), head, end in zip(times, heads, [*heads[1:], len(totals)])
    ]
    return solve(draw_runs, pay_runs, exact)
