"""Settles a TAEG at a rounding boundary with the exact equation (Directive 2008/48/EC, Annex I).

The float search in ``apr`` is good to about 1e-15; when its root lies within 1e-9 of a
boundary between two stated figures, the sign of the exact equation at both ends of the rounding
interval decides. Decimal evaluates it at a precision raised until the error bound cannot flip
the sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Context, Decimal, localcontext

__all__ = ["Flow", "bucket_holds_root", "exact_sign"]

Flow = tuple[int, int, int, int]
"""(months, days, year_days, amount): a cash flow's TAEG time and its integer amount."""

_PRECISIONS = (40, 80, 160, 320)


def exact_sign(draws: Sequence[Flow], pays: Sequence[Flow], rate: Decimal) -> int:
    """Sign of  sum D (1+X)^-s - sum C (1+X)^-t  at X = ``rate``, decided with Decimal at a
    precision raised until the error bound cannot flip it (0 if it vanishes to 300+ digits)."""
    for precision in _PRECISIONS:
        with localcontext(Context(prec=precision + 10)):
            log_base = (1 + rate).ln()
        with localcontext(Context(prec=precision)):
            total = Decimal(0)
            size = Decimal(0)
            for sign, flows in ((1, pays), (-1, draws)):
                for months, days, year_days, amount in flows:
                    exponent = -log_base * (months * year_days + 12 * days) / (12 * year_days)
                    term = amount * exponent.exp()
                    total += sign * term
                    size += term
            bound = size * (len(pays) + len(draws) + 10) * Decimal(10) ** (8 - precision)
            if abs(total) > bound:
                return 1 if total > 0 else -1
    return 0


def bucket_holds_root(draws: Sequence[Flow], pays: Sequence[Flow], hundredths: int) -> bool:
    """Does a root lie in the set of rates that round half up to ``hundredths`` / 100 %?"""
    lo = (Decimal(hundredths) - Decimal("0.5")) / 10000
    hi = (Decimal(hundredths) + Decimal("0.5")) / 10000
    sign_lo = exact_sign(draws, pays, lo)
    sign_hi = exact_sign(draws, pays, hi)
    if sign_lo * sign_hi < 0:
        return True
    # On a tie, half up rounds away from zero: the boundary belongs to the bucket farther from 0.
    return (hundredths > 0 and sign_lo == 0) or (hundredths < 0 and sign_hi == 0)
