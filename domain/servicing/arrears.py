"""Arrears: days past due and delinquency buckets, shared by the replay and the close of business.

The nightly close of business finds, per loan, the due date of the oldest instalment that is
still unpaid (set-based SQL) and asks ``arrears_as_of`` for its age and bucket, so the figures
agree with ``state_as_of`` without loading loans one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["CURRENT", "WRITTEN_OFF", "Arrears", "arrears_as_of", "arrears_bucket", "bucket_labels", "days_past_due"]

CURRENT = "current"
WRITTEN_OFF = "written_off"


def days_past_due(oldest_unpaid_due_date: date | None, as_of: date, grace_days: int = 0) -> int:
    """Days past due of a loan: the age in days of its oldest unpaid instalment, counted from the
    due date, once that instalment is late (more than ``grace_days`` past due); 0 when nothing is
    late. Ageing within the grace days is not arrears (the product lets the borrower pay then)."""
    if oldest_unpaid_due_date is None:
        return 0
    age = (as_of - oldest_unpaid_due_date).days
    return age if age > grace_days else 0


def bucket_labels(bounds: tuple[int, ...] = (30, 60, 90)) -> tuple[str, ...]:
    """Labels of the delinquency buckets, "current" first: (30, 60, 90) gives current, 1-30,
    31-60, 61-90 and over 90 (the usual CGAP ageing)."""
    lows = (1, *(b + 1 for b in bounds[:-1]))
    return (CURRENT, *(f"{low}-{high}" for low, high in zip(lows, bounds)), f"over {bounds[-1]}")


def arrears_bucket(days: int, bounds: tuple[int, ...] = (30, 60, 90)) -> str:
    """The delinquency bucket of ``days`` past due: "current" for 0, then the first bucket whose
    upper bound is at least ``days``, else "over <last bound>"."""
    labels = bucket_labels(bounds)
    if days <= 0:
        return labels[0]
    for label, high in zip(labels[1:], bounds):
        if days <= high:
            return label
    return labels[-1]


@dataclass(frozen=True)
class Arrears:
    """Days past due and delinquency bucket of a loan on a business date."""

    days_past_due: int
    bucket: str


def arrears_as_of(
    oldest_unpaid_due_date: date | None,
    as_of: date,
    *,
    grace_days: int = 0,
    bounds: tuple[int, ...] = (30, 60, 90),
    written_off: bool = False,
) -> Arrears:
    """Arrears of a loan from the due date of its oldest unpaid instalment (None if none): the
    rule of ``days_past_due`` and ``arrears_bucket``. A written-off loan is out of the ageing:
    0 days, bucket "written_off"."""
    if written_off:
        return Arrears(0, WRITTEN_OFF)
    days = days_past_due(oldest_unpaid_due_date, as_of, grace_days)
    return Arrears(days, arrears_bucket(days, bounds))
