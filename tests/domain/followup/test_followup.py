"""Follow-up plans, the agenda and the survival report, as worked examples."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Conflict, RuleViolation
from domain.followup.model import (
    BusinessStatus,
    Contact,
    FollowUpAction,
    Outcome,
    RevenueBand,
    StartSource,
    add_months,
    check_template,
    plan_follow_up,
)
from domain.followup.policies import AgendaStatus, BusinessFacts, classify, jobs_created, report, survival

OFFICER = uuid.UUID(int=7)


def plan(project_start: date | None = None, offsets: tuple[int, ...] | None = None):  # type: ignore[no-untyped-def]
    return plan_follow_up(
        plan_id=uuid.uuid4(),
        loan_id=uuid.uuid4(),
        disbursed_on=date(2026, 1, 31),
        project_start=project_start,
        offsets_months=offsets,
        officer_id=OFFICER,
        new_id=uuid.uuid4,
    )


def outcome(on: date, status: BusinessStatus = BusinessStatus.ACTIVE, jobs: int = 0) -> Outcome:
    return Outcome(contacted_on=on, business_status=status, revenue_band=RevenueBand.UNDER_10K, jobs_created=jobs)


def test_default_plan_has_contacts_at_1_3_6_12_24_months_from_the_disbursement_held_by_the_officer() -> None:
    made = plan()
    assert made.start_source is StartSource.DISBURSEMENT and made.start_on == date(2026, 1, 31)
    assert [c.due_on for c in made.contacts] == [
        date(2026, 2, 28),  # 31 January + 1 month falls back to the end of February
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2027, 1, 31),
        date(2028, 1, 31),
    ]
    assert [c.number for c in made.contacts] == [1, 2, 3, 4, 5]
    assert all(c.officer_id == OFFICER and c.outcome is None for c in made.contacts)


def test_plan_counts_from_the_project_start_date_when_known_with_the_product_template() -> None:
    made = plan(project_start=date(2026, 3, 1), offsets=(2, 12))
    assert made.start_source is StartSource.PROJECT
    assert [c.due_on for c in made.contacts] == [date(2026, 5, 1), date(2027, 3, 1)]


@pytest.mark.parametrize("offsets", [(), (0, 3), (3, 1), (1, 1), (121,), tuple(range(1, 26))])
def test_a_template_must_be_distinct_increasing_months_within_ten_years(offsets: tuple[int, ...]) -> None:
    with pytest.raises(RuleViolation) as error:
        check_template(offsets)
    assert error.value.field == "follow_up_months"


def test_an_outcome_is_recorded_once_and_not_in_the_future() -> None:
    contact = plan().contacts[0]
    done = contact.record(outcome(date(2026, 3, 2)), earliest=date(2026, 1, 31), today=date(2026, 3, 5))
    assert done.outcome is not None and done.version == 2
    with pytest.raises(Conflict):
        done.record(outcome(date(2026, 3, 3)), earliest=date(2026, 1, 31), today=date(2026, 3, 5))
    with pytest.raises(RuleViolation) as error:
        contact.record(outcome(date(2026, 3, 6)), earliest=date(2026, 1, 31), today=date(2026, 3, 5))
    assert error.value.field == "contacted_on"


def test_negative_jobs_are_refused() -> None:
    with pytest.raises(RuleViolation):
        outcome(date(2026, 1, 1), jobs=-1)


def test_a_contact_is_held_by_an_officer_or_a_mentor_not_both() -> None:
    with pytest.raises(RuleViolation):
        Contact(
            id=uuid.uuid4(), plan_id=uuid.uuid4(), loan_id=uuid.uuid4(), number=1, due_on=None, officer_id=OFFICER,
            mentor_name="Jeanne",
        )  # fmt: skip


def test_agenda_classifies_overdue_due_done_and_off_agenda_contacts() -> None:
    first, second, third, *_ = plan().contacts  # due 28 Feb, 30 Apr, 31 Jul 2026
    assert classify(first, date(2026, 3, 1)) is AgendaStatus.OVERDUE
    assert classify(second, date(2026, 4, 30)) is AgendaStatus.DUE
    assert classify(second, date(2026, 4, 1)) is AgendaStatus.DUE  # 29 days ahead
    assert classify(third, date(2026, 4, 1)) is None  # months away
    done = first.record(outcome(date(2026, 3, 1)), earliest=date(2026, 1, 31), today=date(2026, 3, 1))
    assert classify(done, date(2026, 3, 10)) is AgendaStatus.DONE
    assert classify(done, date(2026, 6, 1)) is None  # done long ago


def test_survival_counts_businesses_seen_alive_after_the_anniversary_and_not_closed_before() -> None:
    start = date(2023, 1, 1)
    alive = BusinessFacts(start, (outcome(date(2024, 2, 1), BusinessStatus.IN_DIFFICULTY, jobs=1),))
    closed = BusinessFacts(start, (outcome(date(2023, 6, 1), BusinessStatus.CLOSED),))
    unseen = BusinessFacts(start, (outcome(date(2023, 2, 1)),))
    too_young = BusinessFacts(date(2025, 6, 1), (outcome(date(2025, 7, 1), jobs=2),))
    one_year = survival([alive, closed, unseen, too_young], 1, on=date(2026, 1, 1))
    assert (one_year.eligible, one_year.surviving, one_year.closed, one_year.unknown) == (3, 1, 1, 1)
    assert str(one_year.rate) == "0.3333"
    two_years = survival([alive, closed, unseen, too_young], 2, on=date(2026, 1, 1))
    assert (two_years.eligible, two_years.surviving, two_years.closed, two_years.unknown) == (3, 0, 1, 2)
    assert survival([too_young], 3, on=date(2026, 1, 1)).rate is None


def test_jobs_created_is_the_latest_contacts_figure_summed_over_businesses() -> None:
    growing = BusinessFacts(date(2025, 1, 1), (outcome(date(2025, 6, 1), jobs=1), outcome(date(2026, 1, 1), jobs=2)))
    assert jobs_created(growing) == 2
    [group] = report([("p", growing), ("p", BusinessFacts(date(2025, 1, 1), ()))], on=date(2026, 2, 1))
    assert group.businesses == 2 and group.jobs_created == 2 and [s.years for s in group.survival] == [1, 2, 3]


@given(
    st.lists(
        st.tuples(
            st.dates(date(2020, 1, 1), date(2025, 1, 1)),
            st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(BusinessStatus)), max_size=5),
        ),
        max_size=8,
    ),
    st.sampled_from([1, 2, 3]),
)
def test_survival_partitions_the_eligible_businesses(
    raw: list[tuple[date, list[tuple[int, BusinessStatus]]]], years: int
) -> None:
    businesses = [
        BusinessFacts(start, tuple(outcome(start + timedelta(days=d), status) for d, status in seen))
        for start, seen in raw
    ]
    result = survival(businesses, years, on=date(2026, 1, 1))
    assert result.surviving + result.closed + result.unknown == result.eligible <= len(businesses)
    assert result.rate is None or 0 <= result.rate <= 1


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(1, 120))
def test_add_months_lands_in_the_right_month_never_after_the_same_day(start: date, months: int) -> None:
    later = add_months(start, months)
    assert (later.year * 12 + later.month) - (start.year * 12 + start.month) == months
    assert later.day <= start.day


def test_actions_are_a_set() -> None:
    o = Outcome(
        contacted_on=date(2026, 1, 1),
        business_status=BusinessStatus.ACTIVE,
        revenue_band=RevenueBand.NONE,
        jobs_created=0,
        actions=frozenset({FollowUpAction.COACHING, FollowUpAction.REFERRAL_TO_OTHER_SERVICE}),
    )
    assert FollowUpAction.COACHING in o.actions
