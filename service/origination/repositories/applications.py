"""Repositories for applications (with their history and votes)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ids import new_id
from domain.money import quantize
from domain.origination.applications import Action, Application, Condition, HistoryEntry, Offer, Status
from domain.origination.eligibility import CheckResult
from domain.schedules import Installment
from service.kernel.db.codec import from_jsonb, from_jsonb_rows, to_jsonb, to_jsonb_rows
from service.kernel.db.versioned import update_versioned
from service.origination.ports import ApplicationFilter, CommitteeVote
from service.origination.repositories.applicants import APPLICANTS
from service.origination.tables.applications import ApplicationEventRow, ApplicationRow, CommitteeVoteRow

APPLICATIONS: Table = ApplicationRow.__table__  # type: ignore[assignment]
APPLICATION_EVENTS: Table = ApplicationEventRow.__table__  # type: ignore[assignment]
COMMITTEE_VOTES: Table = CommitteeVoteRow.__table__  # type: ignore[assignment]


def _offer_to_jsonb(offer: Offer) -> dict[str, Any]:
    """The offer with its instalments as positional rows (as the rows already written have them)."""
    return {**to_jsonb(offer), "installments": to_jsonb_rows(offer.installments)}


def _offer_from_jsonb(data: dict[str, Any]) -> Offer:
    return from_jsonb(data, Offer, installments=from_jsonb_rows(data["installments"], Installment))


def _application(row: Mapping[Any, Any]) -> Application:
    currency = row["currency"]
    return Application(
        id=row["id"],
        applicant_id=row["applicant_id"],
        officer_id=row["officer_id"],
        product_id=row["product_id"],
        product_version=row["product_version"],
        currency=currency,
        amount=quantize(row["amount"], currency),
        number_of_installments=row["number_of_installments"],
        principal_grace_installments=row["principal_grace_installments"],
        purpose=row["purpose"],
        status=Status(row["status"]),
        created_at=row["created_at"],
        conditions=from_jsonb(row["conditions"], tuple[Condition, ...]),
        rejection_reasons=tuple(row["rejection_reasons"]),
        offer=_offer_from_jsonb(row["offer"]) if row["offer"] else None,
        eligibility=from_jsonb(row["eligibility"], tuple[CheckResult, ...]),
        signed_on=row["signed_on"],
        disbursed_amount=quantize(row["disbursed_amount"], currency),
        committee_round=row["committee_round"],
        version=row["version"],
    )


def _values(app: Application) -> dict[str, Any]:
    return {
        "status": app.status.value,
        "amount": app.amount,
        "number_of_installments": app.number_of_installments,
        "principal_grace_installments": app.principal_grace_installments,
        "purpose": app.purpose,
        "conditions": to_jsonb(app.conditions),
        "rejection_reasons": list(app.rejection_reasons),
        "offer": _offer_to_jsonb(app.offer) if app.offer else None,
        "offer_expires_on": app.offer.expires_on if app.offer else None,
        "eligibility": to_jsonb(app.eligibility),
        "signed_on": app.signed_on,
        "disbursed_amount": app.disbursed_amount,
        "committee_round": app.committee_round,
    }


class SqlApplications:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, app: Application) -> None:
        await self.session.execute(
            insert(APPLICATIONS).values(
                id=app.id,
                applicant_id=app.applicant_id,
                officer_id=app.officer_id,
                product_id=app.product_id,
                product_version=app.product_version,
                currency=app.currency,
                created_at=app.created_at,
                version=app.version,
                **_values(app),
            )
        )
        await self._write_history(app)

    async def get(self, application_id: uuid.UUID, *, for_update: bool = False) -> Application | None:
        query = select(APPLICATIONS).where(APPLICATIONS.c.id == application_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).mappings().first()
        return _application(row) if row else None

    async def save(self, app: Application) -> None:
        """Write the new state and its pending history; a stale version is a conflict (lost update)."""
        app.version = await update_versioned(self.session, APPLICATIONS, app.id, app.version, _values(app))
        await self._write_history(app)

    async def _write_history(self, app: Application) -> None:
        if app.pending:
            await self.session.execute(
                insert(APPLICATION_EVENTS),
                [
                    {
                        "id": new_id(),
                        "application_id": app.id,
                        "at": entry.at,
                        "actor_id": entry.actor_id,
                        "action": entry.action.value,
                        "from_status": entry.from_status.value,
                        "to_status": entry.to_status.value,
                        "reason": entry.reason,
                        "details": entry.details,
                    }
                    for entry in app.pending
                ],
            )
        app.pending.clear()

    async def history(self, application_id: uuid.UUID) -> Sequence[HistoryEntry]:
        rows = await self.session.execute(
            select(APPLICATION_EVENTS)
            .where(APPLICATION_EVENTS.c.application_id == application_id)
            .order_by(APPLICATION_EVENTS.c.at, APPLICATION_EVENTS.c.id)
        )
        return [
            HistoryEntry(
                at=r["at"],
                actor_id=r["actor_id"],
                action=Action(r["action"]),
                from_status=Status(r["from_status"]),
                to_status=Status(r["to_status"]),
                reason=r["reason"],
                details=r["details"],
            )
            for r in rows.mappings()
        ]

    async def page(self, criteria: ApplicationFilter, *, after: uuid.UUID | None, limit: int) -> Sequence[Application]:
        query = select(APPLICATIONS).order_by(APPLICATIONS.c.id).limit(limit)
        if after is not None:
            query = query.where(APPLICATIONS.c.id > after)
        if criteria.status is not None:
            query = query.where(APPLICATIONS.c.status == criteria.status.value)
        if criteria.applicant_id is not None:
            query = query.where(APPLICATIONS.c.applicant_id == criteria.applicant_id)
        if criteria.officer_id is not None:
            query = query.where(APPLICATIONS.c.officer_id == criteria.officer_id)
        if not criteria.include_test:
            query = query.where(
                APPLICATIONS.c.applicant_id.in_(select(APPLICANTS.c.id).where(APPLICANTS.c.test.is_(False)))
            )
        return [_application(r) for r in (await self.session.execute(query)).mappings()]

    async def offers_expired_before(self, day: date, *, limit: int) -> Sequence[uuid.UUID]:
        rows = await self.session.scalars(
            select(APPLICATIONS.c.id)
            .where(APPLICATIONS.c.status == Status.OFFER_ISSUED.value, APPLICATIONS.c.offer_expires_on < day)
            .order_by(APPLICATIONS.c.id)
            .limit(limit)
        )
        return list(rows)

    async def committed_undisbursed(self, applicant_id: uuid.UUID, currency: str, *, excluding: uuid.UUID) -> Decimal:
        """What the person's other files promise but have not paid out yet (offers, signed contracts,
        tranches still to come): it counts against the legal ceiling as much as money already lent."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(APPLICATIONS.c.amount - APPLICATIONS.c.disbursed_amount), 0)).where(
                APPLICATIONS.c.applicant_id == applicant_id,
                APPLICATIONS.c.currency == currency,
                APPLICATIONS.c.id != excluding,
                APPLICATIONS.c.status.in_(
                    (Status.OFFER_ISSUED.value, Status.CONTRACT_SIGNED.value, Status.PARTLY_DISBURSED.value)
                ),
            )
        )
        return Decimal(total or 0)

    async def statuses_of_applicant(self, applicant_id: uuid.UUID) -> Sequence[tuple[uuid.UUID, Status]]:
        """The person's applications and their states, locked: a change of their project waits for a
        move of any of them (and the other way round), so neither decides on a plan the other changed."""
        rows = await self.session.execute(
            select(APPLICATIONS.c.id, APPLICATIONS.c.status)
            .where(APPLICATIONS.c.applicant_id == applicant_id)
            .order_by(APPLICATIONS.c.id)
            .with_for_update()
        )
        return [(application_id, Status(status)) for application_id, status in rows]

    async def add_vote(self, vote: CommitteeVote) -> None:
        await self.session.execute(
            insert(COMMITTEE_VOTES).values(
                id=vote.id,
                application_id=vote.application_id,
                member_id=vote.member_id,
                vote=vote.vote,
                comment=vote.comment,
                round=vote.round,
                created_at=vote.at,
            )
        )

    async def votes(self, application_id: uuid.UUID) -> Sequence[CommitteeVote]:
        rows = await self.session.execute(
            select(COMMITTEE_VOTES)
            .where(COMMITTEE_VOTES.c.application_id == application_id)
            .order_by(COMMITTEE_VOTES.c.round, COMMITTEE_VOTES.c.created_at, COMMITTEE_VOTES.c.id)
        )
        return [
            CommitteeVote(
                id=r["id"],
                application_id=r["application_id"],
                member_id=r["member_id"],
                vote=r["vote"],
                comment=r["comment"],
                at=r["created_at"],
                round=r["round"],
            )
            for r in rows.mappings()
        ]
