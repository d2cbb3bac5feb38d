"""Servicing: repayments, allocation, payoff, arrears, write-off and rescheduling of a loan.

Pure and synchronous. ``state_as_of`` replays a loan's events over its schedule;
``payoff_amount`` quotes exactly what that replay settles; ``arrears`` ages a loan for the
nightly close of business.
"""

from domain.servicing.arrears import Arrears, arrears_as_of, arrears_bucket, bucket_labels, days_past_due
from domain.servicing.model import (
    REPAYABLE,
    Allocation,
    Component,
    Event,
    InstallmentState,
    InstallmentStatus,
    LoanState,
    Overpayment,
    Payment,
    PaymentChannel,
    Reschedule,
    Reversal,
    ServicingTerms,
    WriteOff,
)
from domain.servicing.payoff import PayoffQuote, payoff_amount, payoff_quote, state_and_payoff
from domain.servicing.replay import effective_events, state_as_of

__all__ = [
    "REPAYABLE",
    "Allocation",
    "Arrears",
    "Component",
    "Event",
    "InstallmentState",
    "InstallmentStatus",
    "LoanState",
    "Overpayment",
    "Payment",
    "PaymentChannel",
    "PayoffQuote",
    "Reschedule",
    "Reversal",
    "ServicingTerms",
    "WriteOff",
    "arrears_as_of",
    "arrears_bucket",
    "bucket_labels",
    "days_past_due",
    "effective_events",
    "payoff_amount",
    "payoff_quote",
    "state_and_payoff",
    "state_as_of",
]
