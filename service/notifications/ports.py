"""The ports of the notice planner and delivery job (see ``service.notifications.handlers``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.notifications import Delivery, Notice, Recipient
from domain.notifications.model import Message


class RecipientKind(StrEnum):
    """Whose id a notice's recipient id is: a borrower's or a staff member's."""

    BORROWER = "borrower"
    STAFF = "staff"
    APPLICANT = "applicant"  # someone in training, who may not have a borrower account yet


@dataclass(frozen=True, kw_only=True)
class InstallmentToNotify:
    """An instalment of an active loan still owing something, with who may hear about it.

    ``borrower`` is None when the applicant has no borrower account; ``officer`` when the loan
    officer has no e-mail address (then nobody is told of an escalation, and the report says so).
    """

    loan_id: uuid.UUID
    installment_number: int  # as stored: runs on across a loan's schedules (keys notices)
    # As the borrower's contract or amendment numbers it (from 1 in each schedule): what notices say.
    number_in_schedule: int
    due_date: date
    outstanding: Decimal
    currency: str
    borrower: Recipient | None
    officer: Recipient | None


@dataclass(frozen=True, kw_only=True)
class ContactToNotify:
    """A planned follow-up contact with no outcome yet, assigned to an officer who has an address."""

    contact_id: uuid.UUID
    loan_id: uuid.UUID
    due_on: date
    months_after_start: int | None
    officer: Recipient


@dataclass(frozen=True, kw_only=True)
class TraineeToNotify:
    """An applicant enrolled in a training session that starts soon."""

    session_id: uuid.UUID
    programme_name: str
    starts_on: date
    location: str | None
    applicant: Recipient


@dataclass(frozen=True, kw_only=True)
class PlannedNotice:
    recipient_kind: RecipientKind
    notice: Notice


class NoticePlanning(Protocol):
    async def installments(
        self, *, due_from: date, due_to: date, after: tuple[uuid.UUID, int] | None, limit: int
    ) -> Sequence[InstallmentToNotify]:
        """Unpaid instalments of active loans due in [due_from, due_to], by (loan id, number), after ``after``."""
        ...

    async def add(self, notices: Sequence[PlannedNotice]) -> int:
        """Insert the notices not there yet, in one transaction; return how many were new."""
        ...

    async def follow_up_contacts(self, *, due_from: date, due_to: date) -> Sequence[ContactToNotify]:
        """Planned contacts due in [due_from, due_to] without an outcome, of officers with an address."""
        ...

    async def trainees(self, *, starts_from: date, starts_to: date) -> Sequence[TraineeToNotify]:
        """Applicants enrolled (not moved or dropped) in sessions starting in [starts_from, starts_to]."""
        ...


@dataclass(frozen=True, kw_only=True)
class DueNotice:
    """A pending notice whose time has come, with its recipient as they are now (None: gone)."""

    notice: Notice
    delivery: Delivery
    recipient: Recipient | None


class ClaimedNotice(Protocol):
    """A due notice locked for this worker until ``record`` commits its new delivery state."""

    @property
    def due(self) -> DueNotice: ...

    async def record(self, delivery: Delivery) -> None: ...


@dataclass(frozen=True, kw_only=True)
class FailedNotice:
    """A notice given up on, for the officers' follow-up."""

    id: uuid.UUID
    recipient_kind: RecipientKind
    recipient_id: uuid.UUID
    channel: str
    kind: str
    event_key: str
    attempts: int
    last_error: str | None
    created_at: datetime


class NoticeOutbox(Protocol):
    def claim_next(self, now: datetime) -> AbstractAsyncContextManager[ClaimedNotice | None]:
        """Lock the oldest due pending notice that no one else holds (None when there is none).

        The lock lasts until ``record`` commits or the context exits (then nothing changed)."""
        ...

    async def defer_due(self, until: datetime) -> int:
        """Move every pending notice due before ``until`` to ``until``; return how many moved."""
        ...

    async def failed(self, *, after: uuid.UUID | None, limit: int) -> Sequence[FailedNotice]:
        """Failed notices, by id, after ``after``."""
        ...


class NotificationChannel(Protocol):
    """Delivers a rendered notice by e-mail, SMS or, in development, the log.

    Returns once the provider accepted the message; raises ``domain.notifications.DeliveryFailed``
    otherwise, with ``retryable`` telling whether a later attempt may succeed.
    """

    async def send(self, message: Message) -> None: ...
