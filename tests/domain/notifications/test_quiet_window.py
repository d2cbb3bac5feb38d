"""No notice leaves during the quiet window; sending resumes when it ends, in local time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.notifications import QuietWindow

PARIS = ZoneInfo("Europe/Paris")
NIGHT = QuietWindow.parse("21:00", "08:00", "Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def test_during_the_day_a_notice_leaves_now() -> None:
    now = paris(2026, 2, 15, 14, 30)
    assert NIGHT.next_allowed_send_time(now) == now
    assert NIGHT.next_allowed_send_time(now).tzinfo is UTC


def test_in_the_evening_it_waits_for_eight_the_next_morning() -> None:
    assert NIGHT.next_allowed_send_time(paris(2026, 2, 15, 21, 0)) == paris(2026, 2, 16, 8, 0)
    assert NIGHT.next_allowed_send_time(paris(2026, 2, 15, 23, 59)) == paris(2026, 2, 16, 8, 0)


def test_after_midnight_it_waits_for_eight_the_same_morning() -> None:
    assert NIGHT.next_allowed_send_time(paris(2026, 2, 16, 0, 0)) == paris(2026, 2, 16, 8, 0)
    assert NIGHT.next_allowed_send_time(paris(2026, 2, 16, 7, 59, 59)) == paris(2026, 2, 16, 8, 0)
    assert not NIGHT.is_quiet(paris(2026, 2, 16, 8, 0))


def test_the_window_follows_summer_time() -> None:
    # 20:30 UTC is 21:30 in winter (quiet) and 22:30 in summer (quiet); 19:30 UTC is 21:30 only in summer.
    assert not NIGHT.is_quiet(datetime(2026, 1, 10, 19, 30, tzinfo=UTC))
    assert NIGHT.is_quiet(datetime(2026, 7, 10, 19, 30, tzinfo=UTC))
    assert NIGHT.next_allowed_send_time(datetime(2026, 7, 10, 19, 30, tzinfo=UTC)) == datetime(
        2026, 7, 11, 6, 0, tzinfo=UTC
    )


def test_the_night_the_clocks_go_forward_ends_at_eight_local() -> None:
    assert NIGHT.next_allowed_send_time(paris(2026, 3, 28, 22, 0)) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_a_window_within_one_day() -> None:
    lunch = QuietWindow(time(12), time(14), PARIS)
    assert lunch.next_allowed_send_time(paris(2026, 2, 15, 12, 30)) == paris(2026, 2, 15, 14, 0)
    assert lunch.next_allowed_send_time(paris(2026, 2, 15, 11, 0)) == paris(2026, 2, 15, 11, 0)


def test_an_empty_window_never_holds_anything_back() -> None:
    never = QuietWindow(time(8), time(8), PARIS)
    assert not never.is_quiet(paris(2026, 2, 15, 8, 0))


def test_an_ending_hour_that_happens_twice_is_the_first_one_unless_already_past() -> None:
    # Clocks go back at 03:00 on 25 October 2026: 02:00-03:00 happens at 00:00 and at 01:00 UTC.
    window = QuietWindow(time(1), time(2, 30), PARIS)
    assert window.next_allowed_send_time(datetime(2026, 10, 25, 0, 10, tzinfo=UTC)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    assert window.next_allowed_send_time(datetime(2026, 10, 25, 1, 10, tzinfo=UTC)) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )


def test_naive_times_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError):
        NIGHT.next_allowed_send_time(datetime(2026, 2, 15, 22, 0))
    with pytest.raises(ValueError):
        QuietWindow.parse("21:00", "08:00", "Europe/Atlantis")


times = st.times().map(lambda t: t.replace(microsecond=0))


@given(
    start=times,
    end=times.filter(lambda t: t.hour not in (1, 2, 3)),  # not inside a daylight-saving change
    zone=st.sampled_from(["Europe/Paris", "UTC", "America/Cayenne", "Indian/Reunion"]),
    now=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
)
def test_the_next_allowed_time_is_the_first_moment_outside_the_window(
    start: time, end: time, zone: str, now: datetime
) -> None:
    window = QuietWindow(start, end, ZoneInfo(zone))
    allowed = window.next_allowed_send_time(now)
    assert allowed >= now
    assert not window.is_quiet(allowed)
    assert allowed - now <= timedelta(days=1)
    if allowed > now:
        assert window.is_quiet(allowed - timedelta(seconds=1))
        assert window.is_quiet(now)
