"""Training rules as worked examples: seats, enrolment, moves, attendance, completion, stages."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import Conflict, RuleViolation
from domain.origination.applicants import Stage
from domain.training.model import Attendance, Enrolment, EnrolmentStatus, TrainingProgramme, TrainingSession
from domain.training.policies import (
    attendance_percent,
    check_attendance_day,
    complete,
    enrol,
    move,
    stage_after_completion,
    stage_after_enrolment,
)

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
PROGRAMME_ID = uuid.uuid4()
STAFF_ID = uuid.uuid4()


def programme(min_attendance: str = "80") -> TrainingProgramme:
    return TrainingProgramme(
        id=PROGRAMME_ID,
        name="Créer son entreprise",
        provider_name="BGE",
        duration_days=10,
        created_at=NOW,
        min_attendance_percent=Decimal(min_attendance),
    )


def session(
    starts_on: date = date(2026, 3, 2), ends_on: date = date(2026, 3, 11), capacity: int = 15, **other: object
) -> TrainingSession:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "programme_id": PROGRAMME_ID,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "capacity": capacity,
        "trainer": "Claire Martin",
        "location": "Lyon",
        "created_at": NOW,
        **other,
    }
    return TrainingSession(**values)  # type: ignore[arg-type]


def enrolment_in(s: TrainingSession) -> Enrolment:
    return enrol(s, uuid.uuid4(), enrolled=0, existing=None, now=NOW)


def present_on(e: Enrolment, *days: date, present: bool = True) -> list[Attendance]:
    return [Attendance(e.id, d, present, STAFF_ID, NOW) for d in days]


def first_days(s: TrainingSession, n: int) -> list[date]:
    return [s.starts_on + timedelta(days=i) for i in range(n)]


# --- sessions -------------------------------------------------------------------------------------


def test_a_session_ending_before_it_starts_is_refused_naming_ends_on() -> None:
    with pytest.raises(RuleViolation) as error:
        session(starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 9))
    assert error.value.field == "ends_on"


@pytest.mark.parametrize("capacity", [0, 201])
def test_capacity_is_from_1_to_200_seats(capacity: int) -> None:
    with pytest.raises(RuleViolation) as error:
        session(capacity=capacity)
    assert error.value.field == "capacity"


def test_a_one_day_session_has_one_day_and_a_ten_day_session_ten() -> None:
    assert session(starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 2)).days == (date(2026, 3, 2),)
    assert len(session().days) == 10


# --- enrolment ------------------------------------------------------------------------------------


def test_the_fifteenth_person_takes_the_last_seat_and_the_sixteenth_is_refused() -> None:
    cohort = session(capacity=15)
    taken = enrol(cohort, uuid.uuid4(), enrolled=14, existing=None, now=NOW)
    assert taken.status is EnrolmentStatus.ENROLLED and taken.session_id == cohort.id
    with pytest.raises(Conflict) as error:
        enrol(cohort, uuid.uuid4(), enrolled=15, existing=None, now=NOW)
    assert error.value.code == "training.session_full"
    assert "15 of 15" in error.value.message


def test_the_same_person_cannot_be_enrolled_twice_in_a_session() -> None:
    cohort = session()
    first = enrolment_in(cohort)
    with pytest.raises(Conflict) as error:
        enrol(cohort, first.applicant_id, enrolled=1, existing=first, now=NOW)
    assert error.value.code == "training.already_enrolled"


# --- moves ----------------------------------------------------------------------------------------


def test_a_move_keeps_the_old_enrolment_as_history_pointing_to_the_new_one() -> None:
    march, april = session(), session(starts_on=date(2026, 4, 6), ends_on=date(2026, 4, 15))
    old = enrolment_in(march)
    new = move(old, march, april, enrolled_in_target=3, existing_in_target=None, now=NOW)
    assert old.status is EnrolmentStatus.MOVED and old.moved_to_enrolment_id == new.id
    assert new.session_id == april.id and new.applicant_id == old.applicant_id
    assert new.status is EnrolmentStatus.ENROLLED


def test_a_move_into_a_full_session_is_refused_and_changes_nothing() -> None:
    march, april = session(), session(capacity=12)
    old = enrolment_in(march)
    with pytest.raises(Conflict) as error:
        move(old, march, april, enrolled_in_target=12, existing_in_target=None, now=NOW)
    assert error.value.code == "training.session_full"
    assert old.status is EnrolmentStatus.ENROLLED and old.moved_to_enrolment_id is None


def test_a_move_stays_within_the_programme_and_goes_somewhere_else() -> None:
    march = session()
    old = enrolment_in(march)
    with pytest.raises(RuleViolation) as same:
        move(old, march, march, enrolled_in_target=1, existing_in_target=old, now=NOW)
    assert same.value.code == "training.same_session" and same.value.field == "to_session_id"
    other_programme = session(programme_id=uuid.uuid4())
    with pytest.raises(RuleViolation) as other:
        move(old, march, other_programme, enrolled_in_target=0, existing_in_target=None, now=NOW)
    assert other.value.code == "training.other_programme"


def test_a_moved_enrolment_cannot_move_again() -> None:
    march, april, may = session(), session(), session()
    old = enrolment_in(march)
    move(old, march, april, enrolled_in_target=0, existing_in_target=None, now=NOW)
    with pytest.raises(RuleViolation) as error:
        move(old, march, may, enrolled_in_target=0, existing_in_target=None, now=NOW)
    assert error.value.code == "training.enrolment_not_active"


# --- attendance -----------------------------------------------------------------------------------


def test_attendance_is_taken_only_on_the_session_days_that_have_come() -> None:
    cohort = session(starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 11))
    e = enrolment_in(cohort)
    check_attendance_day(e, cohort, date(2026, 3, 2), today=TODAY)
    check_attendance_day(e, cohort, date(2026, 3, 11), today=TODAY)
    for day, code in [
        (date(2026, 3, 1), "training.day_outside_session"),
        (date(2026, 3, 12), "training.day_outside_session"),
    ]:
        with pytest.raises(RuleViolation) as error:
            check_attendance_day(e, cohort, day, today=TODAY)
        assert (error.value.code, error.value.field) == (code, "day")
    with pytest.raises(RuleViolation) as future:
        check_attendance_day(e, cohort, date(2026, 3, 5), today=date(2026, 3, 4))
    assert (future.value.code, future.value.field) == ("training.day_in_future", "day")


def test_attendance_is_refused_once_the_person_has_moved() -> None:
    march, april = session(), session()
    old = enrolment_in(march)
    move(old, march, april, enrolled_in_target=0, existing_in_target=None, now=NOW)
    with pytest.raises(RuleViolation) as error:
        check_attendance_day(old, march, march.starts_on, today=TODAY)
    assert error.value.code == "training.enrolment_not_active"


def test_seven_days_of_nine_is_77_point_7_percent_truncated_not_rounded() -> None:
    cohort = session(starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 10))
    e = enrolment_in(cohort)
    records = present_on(e, *first_days(cohort, 7)) + present_on(e, *cohort.days[7:], present=False)
    assert attendance_percent(cohort, records) == Decimal("77.7")


# --- completion -----------------------------------------------------------------------------------


def test_seven_days_of_ten_is_below_80_percent_and_completion_is_refused_saying_70() -> None:
    cohort = session()
    e = enrolment_in(cohort)
    seven_days = present_on(e, *first_days(cohort, 7))
    with pytest.raises(RuleViolation) as error:
        complete(e, cohort, programme(), seven_days, completed_on=cohort.ends_on, today=TODAY)
    assert error.value.code == "training.attendance_too_low"
    assert "7 of 10" in error.value.message and "70.0 %" in error.value.message
    assert e.status is EnrolmentStatus.ENROLLED


def test_eight_days_of_ten_is_exactly_80_percent_and_completes() -> None:
    cohort = session()
    e = enrolment_in(cohort)
    complete(e, cohort, programme(), present_on(e, *first_days(cohort, 8)), completed_on=cohort.ends_on, today=TODAY)
    assert e.status is EnrolmentStatus.COMPLETED and e.completed_on == cohort.ends_on


def test_the_threshold_is_compared_exactly_not_on_the_rounded_figure() -> None:
    # Two days of three is 66.66...%: short of a 66.67 % threshold, though it rounds to 66.67.
    cohort = session(starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4))
    e = enrolment_in(cohort)
    with pytest.raises(RuleViolation):
        complete(e, cohort, programme("66.67"), present_on(e, *first_days(cohort, 2)), completed_on=TODAY, today=TODAY)
    complete(e, cohort, programme("66.66"), present_on(e, *first_days(cohort, 2)), completed_on=TODAY, today=TODAY)
    assert e.status is EnrolmentStatus.COMPLETED


def test_absences_and_days_recorded_twice_do_not_count_as_presence() -> None:
    cohort = session()
    e = enrolment_in(cohort)
    days = first_days(cohort, 7)
    records = present_on(e, *days) + present_on(e, *days) + present_on(e, *cohort.days[7:], present=False)
    with pytest.raises(RuleViolation):
        complete(e, cohort, programme(), records, completed_on=cohort.ends_on, today=TODAY)


def test_completion_is_dated_from_the_last_session_day_and_not_in_the_future() -> None:
    cohort = session()
    e = enrolment_in(cohort)
    records = present_on(e, *cohort.days)
    for completed_on, today, code in [
        (cohort.ends_on - timedelta(days=1), TODAY, "training.session_not_over"),
        (TODAY + timedelta(days=1), TODAY, "training.completion_in_future"),
    ]:
        with pytest.raises(RuleViolation) as error:
            complete(e, cohort, programme(), records, completed_on=completed_on, today=today)
        assert (error.value.code, error.value.field) == (code, "completed_on")


def test_a_completed_enrolment_cannot_be_completed_again() -> None:
    cohort = session()
    e = enrolment_in(cohort)
    complete(e, cohort, programme(), present_on(e, *cohort.days), completed_on=cohort.ends_on, today=TODAY)
    with pytest.raises(RuleViolation) as error:
        complete(e, cohort, programme(), present_on(e, *cohort.days), completed_on=cohort.ends_on, today=TODAY)
    assert error.value.code == "training.enrolment_not_active"


# --- the applicant's stage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Stage.REFERRED, Stage.IN_TRAINING),
        (Stage.CONTACTED, Stage.IN_TRAINING),
        (Stage.IN_TRAINING, Stage.IN_TRAINING),
        (Stage.TRAINED, Stage.TRAINED),
        (Stage.APPLYING, Stage.APPLYING),
        (Stage.FINANCED, Stage.FINANCED),
    ],
)
def test_enrolment_puts_the_person_in_training_but_never_back_along_the_path(before: Stage, after: Stage) -> None:
    assert stage_after_enrolment(before) is after


@pytest.mark.parametrize(
    ("before", "after"),
    [(Stage.IN_TRAINING, Stage.TRAINED), (Stage.APPLYING, Stage.APPLYING), (Stage.FINANCED, Stage.FINANCED)],
)
def test_completion_makes_the_person_trained_unless_already_further(before: Stage, after: Stage) -> None:
    assert stage_after_completion(before) is after


def test_programme_attendance_threshold_is_a_percentage() -> None:
    with pytest.raises(RuleViolation) as error:
        programme("101")
    assert error.value.field == "min_attendance_percent"
