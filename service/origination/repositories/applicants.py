"""Repositories for applicants, referrals and business projects."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
from domain.ids import new_id
from domain.origination.applicants import (
    Applicant,
    BusinessProject,
    DocumentInfo,
    Guarantor,
    PlanLine,
    Referral,
    ResourceLine,
    Situation,
    Stage,
    stage_for_partner,
)
from service.kernel.db.codec import from_jsonb, to_jsonb
from service.kernel.db.mapping import row_values, search_form, to_domain
from service.kernel.db.versioned import update_versioned
from service.origination.ports import ApplicantSearch, PartnerReferralLine
from service.origination.tables.applicants import ApplicantRow, BusinessProjectRow, ReferralRow

APPLICANTS: Table = ApplicantRow.__table__  # type: ignore[assignment]
REFERRALS: Table = ReferralRow.__table__  # type: ignore[assignment]
PROJECTS: Table = BusinessProjectRow.__table__  # type: ignore[assignment]


def _applicant(row: Mapping[Any, Any]) -> Applicant:
    return to_domain(Applicant, row, situation=Situation(row["situation"]), stage=Stage(row["stage"]))


def _referral(row: Mapping[Any, Any]) -> Referral:
    return to_domain(Referral, row, situation=Situation(row["situation"]))


def _stage_changed_at(stage: Stage) -> Any:
    """When the person reached their stage: now if this write moves them, else unchanged."""
    return case((APPLICANTS.c.stage != stage.value, func.now()), else_=APPLICANTS.c.stage_changed_at)


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
            insert(APPLICANTS).values(**values).on_conflict_do_nothing().returning(APPLICANTS.c.id)
        )
        if inserted is None:
            raise Conflict("this person is already known as an applicant", code="applicant.duplicate")

    async def get(self, applicant_id: uuid.UUID, *, for_update: bool = False) -> Applicant | None:
        query = select(APPLICANTS).where(APPLICANTS.c.id == applicant_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).mappings().first()
        return _applicant(row) if row else None

    async def find_by_contact(self, email: str | None, phone: str | None, *, test: bool = False) -> Applicant | None:
        """The existing person with this e-mail address or phone number (both normalised), among the
        sandbox's people when ``test``, else among real ones."""
        conditions = []
        if email:
            conditions.append(APPLICANTS.c.email == email)
        if phone:
            conditions.append(APPLICANTS.c.phone == phone)
        if not conditions:
            return None
        rows = await self.session.execute(
            select(APPLICANTS)
            .where(or_(*conditions), APPLICANTS.c.test.is_(test))
            .order_by(APPLICANTS.c.id)
            .limit(1)
            .with_for_update()
        )
        row = rows.mappings().first()
        return _applicant(row) if row else None

    async def save(self, applicant: Applicant) -> None:
        """Write the person's details; a stale version is a conflict (lost update)."""
        values = row_values(
            applicant,
            exclude=("id", "created_at", "version", "stage_changed_at"),
            situation=applicant.situation.value,
            stage=applicant.stage.value,
            search_name=search_form(applicant.full_name),
        )
        applicant.version = await update_versioned(
            self.session,
            APPLICANTS,
            applicant.id,
            applicant.version,
            values,
            also={"stage_changed_at": _stage_changed_at(applicant.stage)},
        )

    async def search(self, criteria: ApplicantSearch, *, after: uuid.UUID | None, limit: int) -> Sequence[Applicant]:
        query = select(APPLICANTS).order_by(APPLICANTS.c.id).limit(limit)
        if after is not None:
            query = query.where(APPLICANTS.c.id > after)
        if not criteria.include_test:
            query = query.where(APPLICANTS.c.test.is_(False))
        if criteria.name:
            # Each word, in any order ("Durand Hélène" finds "Hélène Durand"); autoescape: a % or _
            # in the name is a letter to find, not a wildcard matching everyone.
            for word in search_form(criteria.name).split()[:8]:
                query = query.where(APPLICANTS.c.search_name.contains(word, autoescape=True))
        if criteria.email:
            query = query.where(APPLICANTS.c.email == criteria.email)
        if criteria.phone:
            query = query.where(APPLICANTS.c.phone == criteria.phone)
        if criteria.stage:
            query = query.where(APPLICANTS.c.stage == criteria.stage.value)
        if criteria.officer_id:
            query = query.where(APPLICANTS.c.officer_id == criteria.officer_id)
        if criteria.partner_id:
            referred = select(REFERRALS.c.id).where(
                REFERRALS.c.applicant_id == APPLICANTS.c.id, REFERRALS.c.partner_id == criteria.partner_id
            )
            query = query.where(or_(APPLICANTS.c.partner_id == criteria.partner_id, referred.exists()))
        if criteria.siret:
            query = query.where(
                select(PROJECTS.c.id)
                .where(PROJECTS.c.applicant_id == APPLICANTS.c.id, PROJECTS.c.siret == criteria.siret)
                .exists()
            )
        return [_applicant(r) for r in (await self.session.execute(query)).mappings()]

    async def set_stage(self, applicant_id: uuid.UUID, stage: Stage) -> None:
        """Move the person along the path (training and applications call this); a move is a new version."""
        await self.session.execute(
            update(APPLICANTS)
            .where(APPLICANTS.c.id == applicant_id, APPLICANTS.c.stage != stage.value)
            .values(stage=stage.value, stage_changed_at=func.now(), version=APPLICANTS.c.version + 1)
        )

    async def claim(self, applicant_id: uuid.UUID, officer_id: uuid.UUID) -> None:
        await self.session.execute(
            update(APPLICANTS)
            .where(APPLICANTS.c.id == applicant_id, APPLICANTS.c.officer_id.is_(None))
            .values(officer_id=officer_id, version=APPLICANTS.c.version + 1)
        )

    async def link_borrower(self, applicant_id: uuid.UUID, borrower_id: uuid.UUID) -> None:
        await self.session.execute(
            update(APPLICANTS)
            .where(APPLICANTS.c.id == applicant_id, APPLICANTS.c.borrower_id.is_distinct_from(borrower_id))
            .values(borrower_id=borrower_id, version=APPLICANTS.c.version + 1)
        )

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
        await self.session.execute(insert(REFERRALS).values(**row_values(referral, situation=referral.situation.value)))

    async def get(self, referral_id: uuid.UUID) -> Referral | None:
        rows = await self.session.execute(select(REFERRALS).where(REFERRALS.c.id == referral_id))
        row = rows.mappings().first()
        return _referral(row) if row else None

    async def of_applicant(self, applicant_id: uuid.UUID) -> Sequence[Referral]:
        rows = await self.session.execute(
            select(REFERRALS).where(REFERRALS.c.applicant_id == applicant_id).order_by(REFERRALS.c.id)
        )
        return [_referral(r) for r in rows.mappings()]

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
        updated_at = func.greatest(REFERRALS.c.created_at, APPLICANTS.c.stage_changed_at)
        query = (
            select(
                REFERRALS,
                APPLICANTS.c.stage.label("applicant_stage"),
                APPLICANTS.c.stage_changed_at,
                updated_at.label("updated_at"),
            )
            .join(APPLICANTS, APPLICANTS.c.id == REFERRALS.c.applicant_id)
            .where(REFERRALS.c.partner_id == partner_id, APPLICANTS.c.test.is_(test))
            .order_by(REFERRALS.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(REFERRALS.c.id > after)
        if updated_since is not None:
            query = query.where(updated_at >= updated_since)
        rows = await self.session.execute(query)
        return [
            PartnerReferralLine(
                _referral(r),
                stage_for_partner(Stage(r["applicant_stage"]), r["stage_changed_at"], r["created_at"]),
                r["updated_at"],
            )
            for r in rows.mappings()
        ]


class SqlProjects:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, applicant_id: uuid.UUID) -> BusinessProject | None:
        rows = await self.session.execute(select(PROJECTS).where(PROJECTS.c.applicant_id == applicant_id))
        row = rows.mappings().first()
        if row is None:
            return None
        return BusinessProject(
            applicant_id=row["applicant_id"],
            activity=row["activity"],
            legal_status=row["legal_status"],
            currency=row["currency"],
            siret=row["siret"],
            start_date=row["start_date"],
            needs=from_jsonb(row["needs"], tuple[PlanLine, ...]),
            resources=from_jsonb(row["resources"], tuple[ResourceLine, ...]),
            guarantors=from_jsonb(row["guarantors"], tuple[Guarantor, ...]),
            documents=from_jsonb(row["documents"], tuple[DocumentInfo, ...]),
            version=row["version"],
        )

    async def save(self, project: BusinessProject) -> None:
        """Create or replace the applicant's project (optimistic: a stale version is a conflict)."""
        values = {
            "activity": project.activity,
            "legal_status": project.legal_status,
            "currency": project.currency,
            "siret": project.siret,
            "start_date": project.start_date,
            "needs": to_jsonb(project.needs),
            "resources": to_jsonb(project.resources),
            "guarantors": to_jsonb(project.guarantors),
            "documents": to_jsonb(project.documents),
        }
        row_id = await self.session.scalar(
            select(PROJECTS.c.id).where(PROJECTS.c.applicant_id == project.applicant_id).with_for_update()
        )
        if row_id is None:
            await self.session.execute(
                insert(PROJECTS).values(id=new_id(), applicant_id=project.applicant_id, version=1, **values)
            )
            project.version = 1
            return
        project.version = await update_versioned(self.session, PROJECTS, row_id, project.version, values)
