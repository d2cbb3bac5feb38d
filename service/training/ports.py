"""What training's handlers need: programmes, sessions, enrolments and attendance."""

from __future__ import annotations

import uuid
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from domain.origination.applicants import Applicant, Stage
from domain.training.model import Attendance, Enrolment, TrainingProgramme, TrainingSession
from service.kernel.ports import PartnerEvents, UnitOfWork

if TYPE_CHECKING:  # cross-context types only: importing them at run time would make cycles
    from service.identity.ports import Partners


@dataclass(frozen=True)
class EnrolmentLine:
    """An enrolment in a list, with who is enrolled and in which programme and dates."""

    enrolment: Enrolment
    applicant_name: str
    applicant_phone: str | None
    programme_id: uuid.UUID
    programme_name: str
    starts_on: date
    ends_on: date


class Trainings(Protocol):
    async def add_programme(self, programme: TrainingProgramme) -> None: ...
    async def get_programme(self, programme_id: uuid.UUID) -> TrainingProgramme | None: ...
    async def programmes(self, *, after: uuid.UUID | None, limit: int) -> Sequence[TrainingProgramme]: ...
    async def add_session(self, training_session: TrainingSession) -> None: ...
    async def get_session(self, session_id: uuid.UUID, *, for_update: bool = False) -> TrainingSession | None:
        """With ``for_update`` the session stays locked until the transaction ends (seats are counted under it)."""
        ...

    async def seats_taken(self, session_id: uuid.UUID) -> int: ...
    async def sessions(
        self, *, programme_id: uuid.UUID | None, starts_from: date | None, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[TrainingSession, int]]: ...
    async def add_enrolment(self, enrolment: Enrolment) -> None: ...
    async def get_enrolment(self, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment | None: ...
    async def save_enrolment(self, enrolment: Enrolment) -> None: ...
    async def current_enrolment(self, session_id: uuid.UUID, applicant_id: uuid.UUID) -> Enrolment | None: ...
    async def enrolments_in_session(self, session_id: uuid.UUID) -> Sequence[EnrolmentLine]: ...
    async def enrolments_of_applicant(self, applicant_id: uuid.UUID) -> Sequence[EnrolmentLine]: ...
    async def has_completed_training(self, applicant_id: uuid.UUID, programme_ids: Set[uuid.UUID] | None) -> bool:
        """Whether the person completed a training of any programme (``None``) or of one of ``programme_ids``."""
        ...

    async def record_attendance(self, attendance: Attendance) -> None: ...
    async def attendance(self, enrolment_id: uuid.UUID) -> Sequence[Attendance]: ...
    async def session_attendance(self, session_id: uuid.UUID) -> Sequence[Attendance]: ...


class ApplicantStages(Protocol):
    """The applicant whose stage an enrolment moves: the part of origination's ``Applicants`` training
    uses, declared here so training imports nothing of origination (origination depends on training)."""

    async def get(self, applicant_id: uuid.UUID, *, for_update: bool = False) -> Applicant | None: ...
    async def set_stage(self, applicant_id: uuid.UUID, stage: Stage) -> None: ...


class TrainingUnitOfWork(UnitOfWork, Protocol):
    """The repositories training's handlers use: its own, the provider (identity) and the
    applicant whose stage an enrolment moves (origination)."""

    @property
    def trainings(self) -> Trainings: ...
    @property
    def partners(self) -> Partners: ...
    @property
    def applicants(self) -> ApplicantStages: ...
    @property
    def partner_events(self) -> PartnerEvents: ...
