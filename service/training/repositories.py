"""Repository for training programmes, sessions, enrolments and attendance."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence, Set
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    String,
    Table,
    Uuid,
    column,
    func,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

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


TRAINING_PROGRAMMES: Table = TrainingProgrammeRow.__table__  # type: ignore[assignment]
TRAINING_SESSIONS: Table = TrainingSessionRow.__table__  # type: ignore[assignment]
ENROLMENTS: Table = EnrolmentRow.__table__  # type: ignore[assignment]
ATTENDANCE: Table = AttendanceRow.__table__  # type: ignore[assignment]

_SEAT_HOLDING = sorted(s.value for s in SEAT_HOLDING)


def _programme(row: Row[Any]) -> TrainingProgramme:
    return to_domain(TrainingProgramme, row, min_attendance_percent=plain(row.min_attendance_percent))


def _enrolment(row: Row[Any]) -> Enrolment:
    return to_domain(Enrolment, row, status=EnrolmentStatus(row.status))


def _seats_taken(session_id: ColumnElement[uuid.UUID] | uuid.UUID) -> ScalarSelect[int]:
    return (
        select(func.count(ENROLMENTS.c.id))
        .where(ENROLMENTS.c.session_id == session_id, ENROLMENTS.c.status.in_(_SEAT_HOLDING))
        .scalar_subquery()
    )


def _by_id(table: Table, row_id: uuid.UUID, *, for_update: bool = False) -> Select[Any]:
    query = select(table).where(table.c.id == row_id)
    return query.with_for_update() if for_update else query


class SqlTrainings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- programmes -----------------------------------------------------------------------------
    async def add_programme(self, programme: TrainingProgramme) -> None:
        await self.session.execute(insert(TRAINING_PROGRAMMES).values(**row_values(programme)))

    async def get_programme(self, programme_id: uuid.UUID) -> TrainingProgramme | None:
        row = (await self.session.execute(_by_id(TRAINING_PROGRAMMES, programme_id))).one_or_none()
        return _programme(row) if row else None

    async def programmes(self, *, after: uuid.UUID | None, limit: int) -> Sequence[TrainingProgramme]:
        query = select(TRAINING_PROGRAMMES).order_by(TRAINING_PROGRAMMES.c.id).limit(limit)
        if after is not None:
            query = query.where(TRAINING_PROGRAMMES.c.id > after)
        return [_programme(r) for r in await self.session.execute(query)]

    # --- sessions -------------------------------------------------------------------------------
    async def add_session(self, training_session: TrainingSession) -> None:
        values = row_values(training_session, exclude=("version",))
        await self.session.execute(insert(TRAINING_SESSIONS).values(**values))

    async def get_session(self, session_id: uuid.UUID, *, for_update: bool = False) -> TrainingSession | None:
        """The session; with ``for_update`` its row stays locked (SELECT ... FOR UPDATE) until the
        transaction ends, which serialises enrolments into it so that seats are counted exactly."""
        query = _by_id(TRAINING_SESSIONS, session_id, for_update=for_update)
        row = (await self.session.execute(query)).one_or_none()
        return to_domain(TrainingSession, row) if row else None

    async def seats_taken(self, session_id: uuid.UUID) -> int:
        """Enrolments holding a seat (enrolled or completed; moved and dropped ones have left)."""
        return int(await self.session.scalar(select(_seats_taken(session_id))) or 0)

    async def sessions(
        self, *, programme_id: uuid.UUID | None, starts_from: dt.date | None, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[TrainingSession, int]]:
        sessions = TRAINING_SESSIONS.c
        query = (
            select(TRAINING_SESSIONS, _seats_taken(sessions.id).label("seats_taken")).order_by(sessions.id).limit(limit)
        )
        if after is not None:
            query = query.where(sessions.id > after)
        if programme_id is not None:
            query = query.where(sessions.programme_id == programme_id)
        if starts_from is not None:
            query = query.where(sessions.starts_on >= starts_from)
        rows = await self.session.execute(query)
        return [(to_domain(TrainingSession, row), int(row.seats_taken)) for row in rows]

    # --- enrolments -----------------------------------------------------------------------------
    async def add_enrolment(self, enrolment: Enrolment) -> None:
        # Written now: a move then points the old enrolment at this one, and the foreign key needs it.
        values = row_values(enrolment, status=enrolment.status.value)
        await self.session.execute(insert(ENROLMENTS).values(**values))

    async def get_enrolment(self, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment | None:
        query = _by_id(ENROLMENTS, enrolment_id, for_update=for_update)
        row = (await self.session.execute(query)).one_or_none()
        return _enrolment(row) if row else None

    async def save_enrolment(self, enrolment: Enrolment) -> None:
        await self.session.execute(
            update(ENROLMENTS)
            .where(ENROLMENTS.c.id == enrolment.id)
            .values(
                status=enrolment.status.value,
                completed_on=enrolment.completed_on,
                moved_to_enrolment_id=enrolment.moved_to_enrolment_id,
            )
        )

    async def current_enrolment(self, session_id: uuid.UUID, applicant_id: uuid.UUID) -> Enrolment | None:
        """The person's enrolment in the session that is not a move away from it, if any."""
        query = select(ENROLMENTS).where(
            ENROLMENTS.c.session_id == session_id,
            ENROLMENTS.c.applicant_id == applicant_id,
            ENROLMENTS.c.status != EnrolmentStatus.MOVED.value,
        )
        row = (await self.session.execute(query)).one_or_none()
        return _enrolment(row) if row else None

    async def enrolments_in_session(self, session_id: uuid.UUID) -> Sequence[EnrolmentLine]:
        return await self._lines(ENROLMENTS.c.session_id == session_id)

    async def enrolments_of_applicant(self, applicant_id: uuid.UUID) -> Sequence[EnrolmentLine]:
        return await self._lines(ENROLMENTS.c.applicant_id == applicant_id)

    async def _lines(self, condition: ColumnElement[bool]) -> Sequence[EnrolmentLine]:
        sessions, programmes = TRAINING_SESSIONS.c, TRAINING_PROGRAMMES.c
        query = (
            select(
                ENROLMENTS,
                _applicants.c.full_name.label("applicant_name"),
                _applicants.c.phone.label("applicant_phone"),
                programmes.id.label("programme_id"),
                programmes.name.label("programme_name"),
                sessions.starts_on.label("session_starts_on"),
                sessions.ends_on.label("session_ends_on"),
            )
            .join(_applicants, _applicants.c.id == ENROLMENTS.c.applicant_id)
            .join(TRAINING_SESSIONS, sessions.id == ENROLMENTS.c.session_id)
            .join(TRAINING_PROGRAMMES, programmes.id == sessions.programme_id)
            .where(condition)
            .order_by(ENROLMENTS.c.id)
        )
        return [
            EnrolmentLine(
                _enrolment(row),
                row.applicant_name,
                row.applicant_phone,
                row.programme_id,
                row.programme_name,
                row.session_starts_on,
                row.session_ends_on,
            )
            for row in await self.session.execute(query)
        ]

    async def has_completed_training(self, applicant_id: uuid.UUID, programme_ids: Set[uuid.UUID] | None) -> bool:
        """Whether the person completed a training: of any programme (``None``) or of one of these."""
        if programme_ids is not None and not programme_ids:
            return False
        query = select(ENROLMENTS.c.id).where(
            ENROLMENTS.c.applicant_id == applicant_id, ENROLMENTS.c.status == EnrolmentStatus.COMPLETED.value
        )
        if programme_ids is not None:
            query = query.join(TRAINING_SESSIONS, TRAINING_SESSIONS.c.id == ENROLMENTS.c.session_id).where(
                TRAINING_SESSIONS.c.programme_id.in_(programme_ids)
            )
        return bool(await self.session.scalar(select(query.exists())))

    # --- attendance -----------------------------------------------------------------------------
    async def record_attendance(self, attendance: Attendance) -> None:
        """Insert or correct the day's record (the unique key on enrolment and day makes retries safe)."""
        values = row_values(attendance)
        statement = (
            pg_insert(ATTENDANCE)
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
        query = select(ATTENDANCE).where(ATTENDANCE.c.enrolment_id == enrolment_id).order_by(ATTENDANCE.c.day)
        return [to_domain(Attendance, r) for r in await self.session.execute(query)]

    async def session_attendance(self, session_id: uuid.UUID) -> Sequence[Attendance]:
        """Every day recorded for the session's enrolments (its attendance sheets), by day."""
        query = (
            select(ATTENDANCE)
            .join(ENROLMENTS, ENROLMENTS.c.id == ATTENDANCE.c.enrolment_id)
            .where(ENROLMENTS.c.session_id == session_id)
            .order_by(ATTENDANCE.c.day, ATTENDANCE.c.enrolment_id)
        )
        return [to_domain(Attendance, r) for r in await self.session.execute(query)]
