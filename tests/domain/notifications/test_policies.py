"""Reminders before a due date, and the 1, 7 and 30 day steps after a missed one."""

from __future__ import annotations

from datetime import date, timedelta

from domain.notifications import due_date_reminder_is_due, escalates_to_officer, missed_payment_step

DUE = date(2026, 2, 15)


def test_the_reminder_is_due_from_three_days_before_to_the_due_date() -> None:
    assert not due_date_reminder_is_due(DUE - timedelta(days=4), DUE)
    assert due_date_reminder_is_due(DUE - timedelta(days=3), DUE)
    assert due_date_reminder_is_due(DUE, DUE)
    assert not due_date_reminder_is_due(DUE + timedelta(days=1), DUE)
    assert due_date_reminder_is_due(DUE - timedelta(days=5), DUE, days_before=5)


def test_missed_payment_steps() -> None:
    steps = {days: missed_payment_step(DUE + timedelta(days=days), DUE) for days in (0, 1, 6, 7, 8, 29, 30, 90)}
    assert steps == {0: None, 1: 1, 6: 1, 7: 7, 8: 7, 29: 7, 30: 30, 90: 30}


def test_only_the_thirty_day_step_goes_to_the_officer() -> None:
    assert [escalates_to_officer(step) for step in (1, 7, 30)] == [False, False, True]
