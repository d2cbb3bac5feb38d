"""Repayment schedules (échéanciers) and the TAEG of a loan offer.

``build_schedule(terms)`` turns validated ``ScheduleTerms`` into a ``Schedule`` whose figures
are exact decimals in the currency's minor unit, with the TAEG of Directive 2008/48/EC;
``compute_apr`` gives the TAEG of any drawdowns and payments.
"""

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
