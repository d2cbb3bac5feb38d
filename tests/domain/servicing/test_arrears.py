"""Days past due and delinquency buckets, as the replay and the nightly close of business use them."""

from __future__ import annotations

from datetime import date

import pytest

from domain.servicing import arrears_as_of, arrears_bucket, bucket_labels, days_past_due
from tests.domain.servicing.builders import pay, state, terms

DUE = date(2026, 2, 15)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "over 90"),
    ],
)
def test_default_buckets_are_the_cgap_ageing(days: int, bucket: str) -> None:
    assert arrears_bucket(days) == bucket


def test_buckets_are_configurable() -> None:
    assert bucket_labels((7, 30)) == ("current", "1-7", "8-30", "over 30")
    assert arrears_bucket(8, (7, 30)) == "8-30"
    assert arrears_bucket(400, (7, 30)) == "over 30"


def test_days_past_due_count_from_the_due_date_once_beyond_the_grace_days() -> None:
    assert days_past_due(None, date(2026, 3, 1)) == 0
    assert days_past_due(DUE, DUE) == 0
    assert days_past_due(DUE, date(2026, 2, 16)) == 1
    assert days_past_due(DUE, date(2026, 2, 20), grace_days=5) == 0
    assert days_past_due(DUE, date(2026, 2, 21), grace_days=5) == 6


def test_close_of_business_helper_agrees_with_the_replay() -> None:
    as_of = date(2026, 5, 20)  # March paid late in part: the oldest unpaid is 15 March
    servicing = terms(grace_days_before_late=2, arrears_buckets=(30, 60))
    loan = state([pay(1, date(2026, 3, 20), "150.00")], as_of, servicing)

    oldest = min(i.due_date for i in loan.installments if i.outstanding and i.due_date <= as_of)
    arrears = arrears_as_of(oldest, as_of, grace_days=2, bounds=(30, 60))

    assert (arrears.days_past_due, arrears.bucket) == (loan.days_past_due, loan.arrears_bucket) == (66, "over 60")
    assert arrears_as_of(oldest, as_of, written_off=True).bucket == "written_off"
