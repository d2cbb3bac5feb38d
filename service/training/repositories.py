"""Repository for training programmes, sessions, enrolments and attendance."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence, Set

from sqlalchemy import ColumnElement, String, Uuid, column, func, select, table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.ids import new_id
from domain.training.model import (
    SEAT_HOLDING,
    Attendance,
    Enrolment,
    EnrolmentStatus,
    TrainingProgramme,
    TrainingSession,
)
from service.kernel.db.mapping import plain, row_values, to_domain
from service.training.ports import EnrolmentLine
from service.training.tables import AttendanceRow, EnrolmentRow, TrainingProgrammeRow, TrainingSessionRow

# Other contexts' tables, read here by name for a few columns and never written: Core references,
# so that this context imports none of their code (README, "Where things live").
_applicants = table(
    "applicants",
    column("id", Uuid),
    column("full_name", String),
    column("phone", String),
    column("search_name", String),
)


_SEAT_HOLDING = sorted(s.value for s in SEAT_HOLDING)


def _programme(row: TrainingProgrammeRow) -> TrainingProgramme:
    return to_domain(TrainingProgramme, row, min_attendance_percent=plain(row.min_attendance_percent))


def _enrolment(row: EnrolmentRow) -> Enrolment:
    return to_domain(Enrolment, row, status=EnrolmentStatus(row.status))


def _seats_taken(session_id: InstrumentedAttribute[uuid.UUID] | uuid.UUID) -> ColumnElement[int]:
    return (
        select(func.count(EnrolmentRow.id))
        .where(EnrolmentRow.session_id == session_id, EnrolmentRow.status.in_(_SEAT_HOLDING))
        .scalar_subquery()
    )


class SqlTrainings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- programmes -----------------------------------------------------------------------------
    async def add_programme(self, programme: TrainingProgramme) -> None:
        self.session.add(TrainingProgrammeRow(**row_values(programme)))

    async def get_programme(self, programme_id: uuid.UUID) -> TrainingProgramme | None:
        row = await self.session.get(TrainingProgrammeRow, programme_id)
        return _programme(row) if row else None

    async def programmes(self, *, after: uuid.UUID | None, limit: int) -> Sequence[TrainingProgramme]:
        query = select(TrainingProgrammeRow).order_by(TrainingProgrammeRow.id).limit(limit)
        if after is not None:
            query = query.where(TrainingProgrammeRow.id > after)
        return [_programme(r) for r in await self.session.scalars(query)]

    # --- sessions -------------------------------------------------------------------------------
    async def add_session(self, training_session: TrainingSession) -> None:
        self.session.add(TrainingSessionRow(**row_values(training_session, exclude=("version",))))

    async def get_session(self, session_id: uuid.UUID, *, for_update: bool = False) -> TrainingSession | None:
        """The session; with ``for_update`` its row stays locked (SELECT ... FOR UPDATE) until the
        transaction ends, which serialises enrolments into it so that seats are counted exactly."""
        row = await self.session.get(TrainingSessionRow, session_id, with_for_update=for_update)
        return to_domain(TrainingSession, row) if row else None

    async def seats_taken(self, session_id: uuid.UUID) -> int:
        """Enrolments holding a seat (enrolled or completed; moved and dropped ones have left)."""
        return int(await self.session.scalar(select(_seats_taken(session_id))) or 0)

    async def sessions(
        self, *, programme_id: uuid.UUID | None, starts_from: dt.date | None, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[TrainingSession, int]]:
        query = (
            select(TrainingSessionRow, _seats_taken(TrainingSessionRow.id)).order_by(TrainingSessionRow.id).limit(limit)
        )
        if after is not None:
            query = query.where(TrainingSessionRow.id > after)
        if programme_id is not None:
            query = query.where(TrainingSessionRow.programme_id == programme_id)
        if starts_from is not None:
            query = query.where(TrainingSessionRow.starts_on >= starts_from)
        rows = await self.session.execute(query)
        return [(to_domain(TrainingSession, row), int(taken)) for row, taken in rows]

    # --- enrolments -----------------------------------------------------------------------------
    async def add_enrolment(self, enrolment: Enrolment) -> None:
        # Flushed now: a move then points the old enrolment at this one, and the foreign key needs it.
        self.session.add(EnrolmentRow(**row_values(enrolment, status=enrolment.status.value)))
        await self.session.flush()

    async def get_enrolment(self, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment | None:
        row = await self.session.get(EnrolmentRow, enrolment_id, with_for_update=for_update)
        return _enrolment(row) if row else None

    async def save_enrolment(self, enrolment: Enrolment) -> None:
        row = await self.session.get(EnrolmentRow, enrolment.id)
        assert row is not None
        row.status = enrolment.status.value
        row.completed_on = enrolment.completed_on
        row.moved_to_enrolment_id = enrolment.moved_to_enrolment_id
        await self.session.flush()

    async def current_enrolment(self, session_id: uuid.UUID, applicant_id: uuid.UUID) -> Enrolment | None:
        """The person's enrolment in the session that is not a move away from it, if any."""
        row = await self.session.scalar(
            select(EnrolmentRow).where(
                EnrolmentRow.session_id == session_id,
                EnrolmentRow.applicant_id == applicant_id,
                EnrolmentRow.status != EnrolmentStatus.MOVED.value,
            )
        )
        return _enrolment(row) if row else None

    async def enrolments_in_session(self, session_id: uuid.UUID) -> Sequence[EnrolmentLine]:
        return await self._lines(EnrolmentRow.session_id == session_id)

    async def enrolments_of_applicant(self, applicant_id: uuid.UUID) -> Sequence[EnrolmentLine]:
        return await self._lines(EnrolmentRow.applicant_id == applicant_id)

    async def _lines(self, condition: ColumnElement[bool]) -> Sequence[EnrolmentLine]:
        query = (
            select(
                EnrolmentRow,
                _applicants.c.full_name,
                _applicants.c.phone,
                TrainingProgrammeRow.id,
                TrainingProgrammeRow.name,
                TrainingSessionRow.starts_on,
                TrainingSessionRow.ends_on,
            )
            .join(_applicants, _applicants.c.id == EnrolmentRow.applicant_id)
            .join(TrainingSessionRow, TrainingSessionRow.id == EnrolmentRow.session_id)
            .join(TrainingProgrammeRow, TrainingProgrammeRow.id == TrainingSessionRow.programme_id)
            .where(condition)
            .order_by(EnrolmentRow.id)
        )
        return [
            EnrolmentLine(_enrolment(row), name, phone, programme_id, programme_name, starts_on, ends_on)
            for row, name, phone, programme_id, programme_name, starts_on, ends_on in await self.session.execute(query)
        ]

    async def has_completed_training(self, applicant_id: uuid.UUID, programme_ids: Set[uuid.UUID] | None) -> bool:
        """Whether the person completed a training: of any programme (``None``) or of one of these."""
        if programme_ids is not None and not programme_ids:
            return False
        query = select(EnrolmentRow.id).where(
            EnrolmentRow.applicant_id == applicant_id, EnrolmentRow.status == EnrolmentStatus.COMPLETED.value
        )
        if programme_ids is not None:
            query = query.join(TrainingSessionRow, TrainingSessionRow.id == EnrolmentRow.session_id).where(
                TrainingSessionRow.programme_id.in_(programme_ids)
            )
        return bool(await self.session.scalar(select(query.exists())))

    # --- attendance -----------------------------------------------------------------------------
    async def record_attendance(self, attendance: Attendance) -> None:
        """Insert or correct the day's record (the unique key on enrolment and day makes retries safe)."""
        values = row_values(attendance)
        statement = (
            insert(AttendanceRow)
            .values(id=new_id(), **values)
            .on_conflict_do_update(
                constraint="uq_attendance_enrolment_id_day",
                set_={
                    "present": attendance.present,
                    "recorded_by": attendance.recorded_by,
                    "recorded_at": attendance.recorded_at,
                },
            )
        )
        await self.session.execute(statement)

    async def attendance(self, enrolment_id: uuid.UUID) -> Sequence[Attendance]:
        query = select(AttendanceRow).where(AttendanceRow.enrolment_id == enrolment_id).order_by(AttendanceRow.day)
        return [to_domain(Attendance, r) for r in await self.session.scalars(query)]

    async def session_attendance(self, session_id: uuid.UUID) -> Sequence[Attendance]:
        """Every day recorded for the session's enrolments (its attendance sheets), by day."""
        query = (
            select(AttendanceRow)
            .join(EnrolmentRow, EnrolmentRow.id == AttendanceRow.enrolment_id)
            .where(EnrolmentRow.session_id == session_id)
            .order_by(AttendanceRow.day, AttendanceRow.enrolment_id)
        )
        return [to_domain(Attendance, r) for r in await self.session.scalars(query)]
