"""Retention periods and erasure refusals, as worked examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.errors import Conflict
from domain.privacy.retention import (
    Action,
    PersonFacts,
    RetentionPolicy,
    add_months,
    due_actions,
    erasure_refusal,
)

POLICY = RetentionPolicy()
REFUSED = PersonFacts(
    stage="declined",
    stage_changed_on=date(2026, 1, 31),
    loans=0,
    active_loans=0,
    last_loan_closed_on=None,
    dispute_open=False,
    longer_retention_until=None,
    erased=False,
    follow_up_scrubbed=False,
)
REPAID = replace(REFUSED, stage="financed", loans=1, last_loan_closed_on=date(2026, 3, 15))


def test_six_months_after_the_31st_of_january_is_the_31st_of_july_and_february_ends_on_the_28th() -> None:
    assert add_months(date(2026, 1, 31), 6) == date(2026, 7, 31)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 15), 120) == date(2036, 3, 15)


def test_a_refused_file_is_erased_six_months_after_the_decision() -> None:
    assert due_actions(REFUSED, POLICY, date(2026, 7, 30)) == frozenset()
    assert due_actions(REFUSED, POLICY, date(2026, 7, 31)) == {Action.ERASE_IDENTITY}
    assert due_actions(replace(REFUSED, stage="withdrawn"), POLICY, date(2026, 7, 31)) == {Action.ERASE_IDENTITY}


def test_a_file_still_in_progress_or_already_erased_or_disputed_is_kept() -> None:
    late = date(2030, 1, 1)
    assert due_actions(replace(REFUSED, stage="in_training"), POLICY, late) == frozenset()
    assert due_actions(replace(REFUSED, erased=True), POLICY, late) == frozenset()
    assert due_actions(replace(REFUSED, dispute_open=True), POLICY, late) == frozenset()


def test_the_person_may_agree_to_a_longer_retention() -> None:
    agreed = replace(REFUSED, longer_retention_until=date(2027, 1, 31))
    assert due_actions(agreed, POLICY, date(2026, 12, 1)) == frozenset()
    assert due_actions(agreed, POLICY, date(2027, 1, 31)) == {Action.ERASE_IDENTITY}


def test_a_borrowers_identity_and_follow_up_notes_go_five_years_after_the_last_loan_closed() -> None:
    assert due_actions(REPAID, POLICY, date(2031, 3, 14)) == frozenset()
    assert due_actions(REPAID, POLICY, date(2031, 3, 15)) == {Action.ERASE_IDENTITY, Action.SCRUB_FOLLOW_UP}
    assert (
        due_actions(replace(REPAID, active_loans=1, last_loan_closed_on=None), POLICY, date(2040, 1, 1)) == frozenset()
    )


def test_an_open_dispute_keeps_the_identity_but_not_the_follow_up_notes() -> None:
    disputed = replace(REPAID, dispute_open=True)
    assert due_actions(disputed, POLICY, date(2031, 3, 15)) == {Action.SCRUB_FOLLOW_UP}


def test_the_periods_come_from_the_settings() -> None:
    shorter = RetentionPolicy(refused_file_months=1, loan_identity_years=1, follow_up_years=2)
    assert due_actions(REFUSED, shorter, date(2026, 2, 28)) == {Action.ERASE_IDENTITY}
    assert due_actions(REPAID, shorter, date(2027, 3, 15)) == {Action.ERASE_IDENTITY}


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (replace(REPAID, active_loans=1), "privacy.loan_active"),
        (replace(REFUSED, dispute_open=True), "privacy.dispute_open"),
    ],
)
def test_erasure_on_request_is_refused_while_a_legal_period_runs(facts: PersonFacts, code: str) -> None:
    with pytest.raises(Conflict) as refused:
        erasure_refusal(facts)
    assert refused.value.code == code
    erasure_refusal(REPAID)  # a repaid loan, no dispute: erasure allowed
