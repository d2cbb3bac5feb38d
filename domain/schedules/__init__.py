"""Repayment schedules (échéanciers) and the TAEG of a loan offer.

``build_schedule(terms)`` turns validated ``ScheduleTerms`` into a ``Schedule`` whose figures
are exact decimals in the currency's minor unit, with the TAEG of Directive 2008/48/EC;
``compute_apr`` gives the TAEG of any drawdowns and payments.
"""

import os as _os
import sys as _sys
from pathlib import Path as _Path


def _use_the_compiled_build() -> None:
    """Put the mypyc build (``build/mypyc``, made by ``tools/compile_engine.py``) ahead of the sources,
    when there is one; ``MICROCREDIT_PURE_ENGINE=1`` keeps the pure-Python engine."""
    build = _Path(__file__).resolve().parents[2] / "build" / "mypyc"
    compiled = build / "domain" / "schedules"
    if _os.environ.get("MICROCREDIT_PURE_ENGINE") == "1" or not compiled.is_dir():
        return
    __path__.insert(0, str(compiled))
    if str(build) not in _sys.path:
        _sys.path.append(str(build))  # mypyc's runtime library, which the compiled modules import


_use_the_compiled_build()

from domain.schedules.apr import compute_apr, verify_apr
from domain.schedules.calendar import add_period
from domain.schedules.engine import build_schedule
from domain.schedules.model import (
    Amortization,
    CashFlow,
    DayCount,
    Fee,
    FeeCollection,
    Installment,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
    Schedule,
    ScheduleTerms,
)

__all__ = [
    "Amortization",
    "CashFlow",
    "DayCount",
    "Fee",
    "FeeCollection",
    "Installment",
    "InterestMethod",
    "InterestPeriod",
    "RepaymentUnit",
    "Schedule",
    "ScheduleTerms",
    "add_period",
    "build_schedule",
    "compute_apr",
    "verify_apr",
]
