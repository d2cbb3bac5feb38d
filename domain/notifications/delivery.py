"""Sending a notice: retried with exponential backoff after a passing failure, then given up.

A notice that cannot be delivered is marked failed, with a reason officers can read, rather than
retried for ever or dropped without a trace (issue 6).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from domain.notifications.quiet_window import QuietWindow


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Wait ``first_delay``, then ``factor`` times longer after each failure, at most ``max_delay``;
    after ``max_attempts`` attempts in all, the notice has failed."""

    first_delay: timedelta = timedelta(minutes=1)
    factor: int = 4
    max_delay: timedelta = timedelta(hours=6)
    max_attempts: int = 6

    def __post_init__(self) -> None:
        if self.first_delay <= timedelta(0) or self.max_delay < self.first_delay:
            raise ValueError("delays must be positive and max_delay at least first_delay")
        if self.factor < 1 or self.max_attempts < 1:
            raise ValueError("factor and max_attempts must be at least 1")

    def delay_after(self, attempts: int) -> timedelta:
        """How long to wait after ``attempts`` failed attempts (1 for the first failure)."""
        if attempts < 1:
            raise ValueError("attempts counts the failed attempts so far, from 1")
        # Compare before multiplying: factor ** attempts overflows timedelta long before max_delay.
        delay = self.first_delay
        for _ in range(attempts - 1):
            if delay >= self.max_delay:
                break
            delay *= self.factor
        return min(delay, self.max_delay)

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime:
        """When to try again after ``attempts`` failed attempts, the last one at ``now``."""
        return now + self.delay_after(attempts)

    def is_exhausted(self, attempts: int) -> bool:
        """Whether ``attempts`` attempts used up the policy: the notice is then failed."""
        return attempts >= self.max_attempts


class DeliveryStatus(StrEnum):
    """Where a notice's delivery stands; only a pending delivery changes again."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """The delivery state of one notice: attempts so far and when the next one may happen.

    ``skipped`` is final too: the recipient opted out or has no address for the channel any more.
    """

    notice_id: uuid.UUID
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None

    def _pending(self) -> None:
        if self.status is not DeliveryStatus.PENDING:
            raise ValueError(f"delivery already {self.status.value}")

    def sent(self, now: datetime) -> Delivery:
        self._pending()
        return replace(self, status=DeliveryStatus.SENT, attempts=self.attempts + 1, sent_at=now, next_attempt_at=None)

    def skipped(self, reason: str) -> Delivery:
        self._pending()
        return replace(self, status=DeliveryStatus.SKIPPED, last_error=reason, next_attempt_at=None)

    def failed_attempt(
        self, now: datetime, *, reason: str, retryable: bool, policy: RetryPolicy, quiet: QuietWindow | None = None
    ) -> Delivery:
        """After a failed attempt at ``now``: pending again after the backoff (moved out of the quiet
        window), or failed for good when the failure is final or the attempts are used up."""
        self._pending()
        attempts = self.attempts + 1
        if not retryable or policy.is_exhausted(attempts):
            return replace(
                self, status=DeliveryStatus.FAILED, attempts=attempts, last_error=reason, next_attempt_at=None
            )
        at = policy.next_attempt_at(attempts, now)
        if quiet is not None:
            at = quiet.next_allowed_send_time(at)
        return replace(self, attempts=attempts, last_error=reason, next_attempt_at=at)
