"""Repositories for identity: rows in, domain objects out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
from domain.identity.model import ApiKey, Borrower, LoginCode, Partner, Role, StaffUser
from service.identity.tables import ApiKeyRow, BorrowerRow, LoginCodeRow, PartnerRow, StaffUserRow
from service.kernel.db.mapping import row_values, to_domain


def _staff(row: StaffUserRow) -> StaffUser:
    return to_domain(StaffUser, row, roles=frozenset(Role(r) for r in row.roles))


class SqlStaffUsers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> StaffUser | None:
        row = await self.session.get(StaffUserRow, user_id)
        return _staff(row) if row else None

    async def by_username(self, username: str) -> StaffUser | None:
        row = await self.session.scalar(select(StaffUserRow).where(StaffUserRow.username == username))
        return _staff(row) if row else None

    async def add(self, user: StaffUser) -> None:
        roles = sorted(r.value for r in user.roles)
        # ON CONFLICT: a unique violation would write the username (often a person's name) into
        # PostgreSQL's log.
        inserted = await self.session.scalar(
            insert(StaffUserRow)
            .values(**row_values(user, exclude=("version",), roles=roles))
            .on_conflict_do_nothing()
            .returning(StaffUserRow.id)
        )
        if inserted is None:
            raise Conflict("this username is taken", code="identity.username_taken")

    async def save(self, user: StaffUser) -> None:
        row = await self.session.get(StaffUserRow, user.id)
        assert row is not None
        row.full_name, row.password_hash, row.active = user.full_name, user.password_hash, user.active
        row.token_version = user.token_version
        row.roles = sorted(r.value for r in user.roles)
        await self.session.flush()
        user.version = row.version

    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[StaffUser]:
        query = select(StaffUserRow).order_by(StaffUserRow.id).limit(limit)
        if after is not None:
            query = query.where(StaffUserRow.id > after)
        return [_staff(r) for r in await self.session.scalars(query)]


class SqlPartners:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, partner_id: uuid.UUID) -> Partner | None:
        row = await self.session.get(PartnerRow, partner_id)
        return to_domain(Partner, row) if row else None

    async def add(self, partner: Partner) -> None:
        self.session.add(PartnerRow(**row_values(partner)))

    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[Partner]:
        query = select(PartnerRow).order_by(PartnerRow.id).limit(limit)
        if after is not None:
            query = query.where(PartnerRow.id > after)
        return [to_domain(Partner, r) for r in await self.session.scalars(query)]


class SqlApiKeys:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        row = await self.session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
        return to_domain(ApiKey, row) if row else None

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        row = await self.session.get(ApiKeyRow, key_id)
        return to_domain(ApiKey, row) if row else None

    async def add(self, key: ApiKey) -> None:
        self.session.add(ApiKeyRow(**row_values(key)))

    async def save(self, key: ApiKey) -> None:
        row = await self.session.get(ApiKeyRow, key.id)
        assert row is not None
        row.revoked_at, row.label = key.revoked_at, key.label

    async def for_partner(self, partner_id: uuid.UUID) -> Sequence[ApiKey]:
        query = select(ApiKeyRow).where(ApiKeyRow.partner_id == partner_id).order_by(ApiKeyRow.id)
        return [to_domain(ApiKey, r) for r in await self.session.scalars(query)]


class SqlBorrowers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, borrower_id: uuid.UUID) -> Borrower | None:
        row = await self.session.get(BorrowerRow, borrower_id)
        return to_domain(Borrower, row) if row else None

    async def by_email(self, email: str) -> Borrower | None:
        row = await self.session.scalar(select(BorrowerRow).where(BorrowerRow.email == email))
        return to_domain(Borrower, row) if row else None

    async def add(self, borrower: Borrower) -> None:
        # ON CONFLICT rather than a unique violation: PostgreSQL writes a violation's key, the
        # e-mail address, into its server log. Two people racing to create one borrower meet here.
        inserted = await self.session.scalar(
            insert(BorrowerRow).values(**row_values(borrower)).on_conflict_do_nothing().returning(BorrowerRow.id)
        )
        if inserted is None:
            raise Conflict("a borrower with this e-mail address exists", code="borrower.duplicate_email")

    async def correct_contact(self, borrower_id: uuid.UUID, *, full_name: str, email: str, phone: str | None) -> None:
        # Another account's address is checked in the statement rather than left to the unique index,
        # whose violation would write the address into the server log (as in ``add``).
        taken = select(BorrowerRow.id).where(BorrowerRow.email == email, BorrowerRow.id != borrower_id).exists()
        corrected = await self.session.scalar(
            update(BorrowerRow)
            .where(BorrowerRow.id == borrower_id, ~taken)
            .values(full_name=full_name, email=email, phone=phone)
            .returning(BorrowerRow.id)
        )
        if corrected is None:
            raise Conflict("a borrower with this e-mail address exists", code="borrower.duplicate_email", field="email")


class SqlLoginCodes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, code: LoginCode) -> None:
        self.session.add(LoginCodeRow(**row_values(code)))

    async def latest_for(self, borrower_id: uuid.UUID) -> LoginCode | None:
        query: Any = (
            select(LoginCodeRow)
            .where(LoginCodeRow.borrower_id == borrower_id)
            .order_by(LoginCodeRow.id.desc())
            .limit(1)
            .with_for_update()
        )
        row = await self.session.scalar(query)
        return to_domain(LoginCode, row) if row else None

    async def save(self, code: LoginCode) -> None:
        row = await self.session.get(LoginCodeRow, code.id)
        assert row is not None
        row.attempts, row.used_at = code.attempts, code.used_at

    async def issued_since(self, borrower_id: uuid.UUID, since: datetime, requested_from: str) -> tuple[int, int]:
        """How many codes the borrower was sent since ``since``: in all, and asked from that address."""
        from_address = func.count().filter(LoginCodeRow.requested_from == requested_from)
        row = (
            await self.session.execute(
                select(func.count(), from_address).where(
                    LoginCodeRow.borrower_id == borrower_id, LoginCodeRow.expires_at > since
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def delete_expired(self, before: datetime) -> int:
        result: Any = await self.session.execute(delete(LoginCodeRow).where(LoginCodeRow.expires_at < before))
        return int(result.rowcount or 0)
