"""Repositories for applicants, referrals and business projects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from domain.errors import Conflict
from domain.ids import new_id
from domain.origination.applicants import (
    Applicant,
    BusinessProject,
    DocumentInfo,
    DocumentKind,
    Guarantor,
    PlanLine,
    Referral,
    ResourceKind,
    ResourceLine,
    Situation,
    Stage,
    stage_for_partner,
)
from service.kernel.db.mapping import row_values, search_form, to_domain
from service.origination.ports import ApplicantSearch, PartnerReferralLine
from service.origination.tables.applicants import ApplicantRow, BusinessProjectRow, ReferralRow


def _applicant(row: ApplicantRow) -> Applicant:
    return to_domain(Applicant, row, situation=Situation(row.situation), stage=Stage(row.stage))


class SqlApplicants:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, applicant: Applicant) -> None:
        # ON CONFLICT rather than a unique violation: PostgreSQL writes a violation's key (the
        # person's e-mail address or phone number) into its server log.
        values = row_values(
            applicant,
            exclude=("version", "stage_changed_at"),
            situation=applicant.situation.value,
            stage=applicant.stage.value,
            search_name=search_form(applicant.full_name),
        )
        inserted = await self.session.scalar(
            insert(ApplicantRow).values(**values).on_conflict_do_nothing().returning(ApplicantRow.id)
        )
        if inserted is None:
            raise Conflict("this person is already known as an applicant", code="applicant.duplicate")

    async def get(self, applicant_id: uuid.UUID, *, for_update: bool = False) -> Applicant | None:
        row = await self.session.get(ApplicantRow, applicant_id, with_for_update=for_update)
        return _applicant(row) if row else None

    async def find_by_contact(self, email: str | None, phone: str | None, *, test: bool = False) -> Applicant | None:
        """The existing person with this e-mail address or phone number (both normalised), among the
        sandbox's people when ``test``, else among real ones."""
        conditions = []
        if email:
            conditions.append(ApplicantRow.email == email)
        if phone:
            conditions.append(ApplicantRow.phone == phone)
        if not conditions:
            return None
        row = await self.session.scalar(
            select(ApplicantRow)
            .where(or_(*conditions), ApplicantRow.test.is_(test))
            .order_by(ApplicantRow.id)
            .limit(1)
            .with_for_update()
        )
        return _applicant(row) if row else None

    async def save(self, applicant: Applicant) -> None:
        row = await self.session.get(ApplicantRow, applicant.id)
        assert row is not None
        if row.version != applicant.version:
            raise StaleDataError("applicant changed")
        if row.stage != applicant.stage.value:
            row.stage_changed_at = func.now()
        for name, value in row_values(applicant, exclude=("id", "created_at", "version", "stage_changed_at")).items():
            setattr(row, name, value.value if isinstance(value, (Situation, Stage)) else value)
        row.search_name = search_form(applicant.full_name)
        await self.session.flush()
        applicant.version = row.version

    async def search(self, criteria: ApplicantSearch, *, after: uuid.UUID | None, limit: int) -> Sequence[Applicant]:
        query = select(ApplicantRow).order_by(ApplicantRow.id).limit(limit)
        if after is not None:
            query = query.where(ApplicantRow.id > after)
        if not criteria.include_test:
            query = query.where(ApplicantRow.test.is_(False))
        if criteria.name:
            # Each word, in any order ("Durand Hélène" finds "Hélène Durand"); autoescape: a % or _
            # in the name is a letter to find, not a wildcard matching everyone.
            for word in search_form(criteria.name).split()[:8]:
                query = query.where(ApplicantRow.search_name.contains(word, autoescape=True))
        if criteria.email:
            query = query.where(ApplicantRow.email == criteria.email)
        if criteria.phone:
            query = query.where(ApplicantRow.phone == criteria.phone)
        if criteria.stage:
            query = query.where(ApplicantRow.stage == criteria.stage.value)
        if criteria.officer_id:
            query = query.where(ApplicantRow.officer_id == criteria.officer_id)
        if criteria.partner_id:
            referred = select(ReferralRow.id).where(
                ReferralRow.applicant_id == ApplicantRow.id, ReferralRow.partner_id == criteria.partner_id
            )
            query = query.where(or_(ApplicantRow.partner_id == criteria.partner_id, referred.exists()))
        if criteria.siret:
            query = query.where(
                select(BusinessProjectRow.id)
                .where(BusinessProjectRow.applicant_id == ApplicantRow.id, BusinessProjectRow.siret == criteria.siret)
                .exists()
            )
        return [_applicant(r) for r in await self.session.scalars(query)]

    async def set_stage(self, applicant_id: uuid.UUID, stage: Stage) -> None:
        """Move the person along the path (training and applications call this)."""
        row = await self.session.get(ApplicantRow, applicant_id)
        assert row is not None
        if row.stage != stage.value:
            row.stage, row.stage_changed_at = stage.value, func.now()
            await self.session.flush()

    async def claim(self, applicant_id: uuid.UUID, officer_id: uuid.UUID) -> None:
        await self.session.execute(
            update(ApplicantRow)
            .where(ApplicantRow.id == applicant_id, ApplicantRow.officer_id.is_(None))
            .values(officer_id=officer_id, version=ApplicantRow.version + 1)
            .execution_options(synchronize_session="fetch")
        )

    async def link_borrower(self, applicant_id: uuid.UUID, borrower_id: uuid.UUID) -> None:
        row = await self.session.get(ApplicantRow, applicant_id)
        assert row is not None
        row.borrower_id = borrower_id
        await self.session.flush()

    async def lock_contact(self, email: str | None, phone: str | None) -> None:
        """Serialise the creation of one person: two referrals of the same e-mail or phone arriving at
        once must find each other, not race to insert twins (transaction-scoped advisory locks)."""
        for value in sorted(v for v in (email, phone) if v):
            await self.session.execute(
                select(func.pg_advisory_xact_lock(func.hashtextextended(f"applicant:{value}", 0)))
            )


class SqlReferrals:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, referral: Referral) -> None:
        self.session.add(ReferralRow(**row_values(referral, situation=referral.situation.value)))

    async def get(self, referral_id: uuid.UUID) -> Referral | None:
        row = await self.session.get(ReferralRow, referral_id)
        return to_domain(Referral, row, situation=Situation(row.situation)) if row else None

    async def of_applicant(self, applicant_id: uuid.UUID) -> Sequence[Referral]:
        rows = await self.session.scalars(
            select(ReferralRow).where(ReferralRow.applicant_id == applicant_id).order_by(ReferralRow.id)
        )
        return [to_domain(Referral, r, situation=Situation(r.situation)) for r in rows]

    async def page_for_partner(
        self,
        partner_id: uuid.UUID,
        *,
        test: bool,
        after: uuid.UUID | None,
        limit: int,
        updated_since: dt.datetime | None = None,
    ) -> Sequence[PartnerReferralLine]:
        # What the partner sees changes when it refers the person and when their stage moves on after.
        updated_at = func.greatest(ReferralRow.created_at, ApplicantRow.stage_changed_at)
        query = (
            select(ReferralRow, ApplicantRow.stage, ApplicantRow.stage_changed_at, updated_at)
            .join(ApplicantRow, ApplicantRow.id == ReferralRow.applicant_id)
            .where(ReferralRow.partner_id == partner_id, ApplicantRow.test.is_(test))
            .order_by(ReferralRow.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(ReferralRow.id > after)
        if updated_since is not None:
            query = query.where(updated_at >= updated_since)
        rows = await self.session.execute(query)
        return [
            PartnerReferralLine(
                to_domain(Referral, r, situation=Situation(r.situation)),
                stage_for_partner(Stage(stage), changed_at, r.created_at),
                updated,
            )
            for r, stage, changed_at, updated in rows
        ]


# The enum each kind of plan line files its ``kind`` under (documents and resources differ).
_KIND_ENUMS: dict[type, type[Enum]] = {ResourceLine: ResourceKind, DocumentInfo: DocumentKind}


def _lines(data: list[dict[str, Any]], kind: type) -> tuple[Any, ...]:
    """Plan lines as stored in JSONB: amounts as exact strings, dates in ISO form, kinds by value."""
    result = []
    for item in data:
        values = dict(item)
        for key in ("amount", "amount_guaranteed"):
            if key in values:
                values[key] = Decimal(values[key])
        if "kind" in values:
            values["kind"] = _KIND_ENUMS[kind](values["kind"])
        if "received_on" in values:
            values["received_on"] = dt.date.fromisoformat(values["received_on"])
        result.append(kind(**values))
    return tuple(result)


def _stored(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if isinstance(value, (str, type(None))) else str(value)


def _json(items: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{k: _stored(v) for k, v in dataclasses.asdict(item).items()} for item in items]


class SqlProjects:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, applicant_id: uuid.UUID) -> BusinessProject | None:
        row = await self.session.scalar(
            select(BusinessProjectRow).where(BusinessProjectRow.applicant_id == applicant_id)
        )
        if row is None:
            return None
        return BusinessProject(
            applicant_id=row.applicant_id,
            activity=row.activity,
            legal_status=row.legal_status,
            currency=row.currency,
            siret=row.siret,
            start_date=row.start_date,
            needs=_lines(row.needs, PlanLine),
            resources=_lines(row.resources, ResourceLine),
            guarantors=_lines(row.guarantors, Guarantor),
            documents=_lines(row.documents, DocumentInfo),
            version=row.version,
        )

    async def save(self, project: BusinessProject) -> None:
        """Create or replace the applicant's project (optimistic: a stale version is a conflict)."""
        row = await self.session.scalar(
            select(BusinessProjectRow).where(BusinessProjectRow.applicant_id == project.applicant_id).with_for_update()
        )
        values = {
            "activity": project.activity,
            "legal_status": project.legal_status,
            "currency": project.currency,
            "siret": project.siret,
            "start_date": project.start_date,
            "needs": _json(project.needs),
            "resources": _json(project.resources),
            "guarantors": _json(project.guarantors),
            "documents": _json(project.documents),
        }
        if row is None:
            self.session.add(BusinessProjectRow(id=new_id(), applicant_id=project.applicant_id, **values))
            await self.session.flush()
            project.version = 1
            return
        if row.version != project.version:
            raise StaleDataError("project changed")
        for name, value in values.items():
            setattr(row, name, value)
        await self.session.flush()
        project.version = row.version
