"""A failed send is retried later and later, then given up; a final refusal is not retried."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.notifications import Delivery, DeliveryStatus, QuietWindow, RetryPolicy

NOW = datetime(2026, 2, 15, 10, 0, tzinfo=UTC)
POLICY = RetryPolicy(first_delay=timedelta(minutes=1), factor=4, max_delay=timedelta(hours=1), max_attempts=5)


def test_the_delay_grows_exponentially_up_to_the_cap() -> None:
    delays = [POLICY.delay_after(n) for n in range(1, 6)]
    assert delays == [timedelta(minutes=m) for m in (1, 4, 16, 60, 60)]
    assert POLICY.next_attempt_at(2, NOW) == NOW + timedelta(minutes=4)


def test_the_policy_is_exhausted_after_max_attempts() -> None:
    assert not POLICY.is_exhausted(4)
    assert POLICY.is_exhausted(5)


@given(attempts=st.integers(min_value=1, max_value=10_000))
def test_delays_never_shrink_nor_pass_the_cap(attempts: int) -> None:
    assert POLICY.first_delay <= POLICY.delay_after(attempts) <= POLICY.max_delay
    assert POLICY.delay_after(attempts) <= POLICY.delay_after(attempts + 1)


def test_invalid_policies_and_attempt_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(first_delay=timedelta(hours=2), max_delay=timedelta(hours=1))
    with pytest.raises(ValueError):
        POLICY.delay_after(0)


def test_a_passing_failure_is_retried_then_the_notice_fails() -> None:
    delivery = Delivery(notice_id=uuid.uuid4())
    for attempt in range(1, 5):
        delivery = delivery.failed_attempt(NOW, reason="smtp.timeout", retryable=True, policy=POLICY)
        assert delivery.status is DeliveryStatus.PENDING
        assert delivery.next_attempt_at == NOW + POLICY.delay_after(attempt)
    delivery = delivery.failed_attempt(NOW, reason="smtp.timeout", retryable=True, policy=POLICY)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.FAILED, 5, "smtp.timeout")
    assert delivery.next_attempt_at is None


def test_a_final_refusal_fails_at_once() -> None:
    delivery = Delivery(notice_id=uuid.uuid4()).failed_attempt(
        NOW, reason="sms.rejected.400", retryable=False, policy=POLICY
    )
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)


def test_a_retry_falling_in_the_quiet_window_waits_for_its_end() -> None:
    night = QuietWindow.parse("21:00", "08:00", "Europe/Paris")
    evening = datetime(2026, 2, 15, 19, 59, 30, tzinfo=UTC)  # 20:59:30 in Paris
    delivery = Delivery(notice_id=uuid.uuid4()).failed_attempt(
        evening, reason="sms.timeout", retryable=True, policy=POLICY, quiet=night
    )
    assert delivery.next_attempt_at == datetime(2026, 2, 16, 7, 0, tzinfo=UTC)


def test_a_sent_or_skipped_delivery_does_not_change_again() -> None:
    sent = Delivery(notice_id=uuid.uuid4()).sent(NOW)
    assert (sent.status, sent.attempts, sent.sent_at) == (DeliveryStatus.SENT, 1, NOW)
    with pytest.raises(ValueError):
        sent.failed_attempt(NOW, reason="x", retryable=True, policy=POLICY)
    skipped = Delivery(notice_id=uuid.uuid4()).skipped("recipient.opted_out")
    with pytest.raises(ValueError):
        skipped.sent(NOW)
