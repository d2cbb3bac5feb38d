"""Repositories for identity: rows in, domain objects out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
from domain.identity.model import ApiKey, Borrower, LoginCode, Partner, Role, StaffUser
from service.identity.tables import ApiKeyRow, BorrowerRow, LoginCodeRow, PartnerRow, StaffUserRow
from service.kernel.db.mapping import row_values, to_domain
from service.kernel.db.versioned import update_versioned

STAFF_USERS: Table = StaffUserRow.__table__  # type: ignore[assignment]
PARTNERS: Table = PartnerRow.__table__  # type: ignore[assignment]
API_KEYS: Table = ApiKeyRow.__table__  # type: ignore[assignment]
BORROWERS: Table = BorrowerRow.__table__  # type: ignore[assignment]
LOGIN_CODES: Table = LoginCodeRow.__table__  # type: ignore[assignment]


def _staff(row: Row[Any]) -> StaffUser:
    return to_domain(StaffUser, row, roles=frozenset(Role(r) for r in row.roles))


class SqlStaffUsers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> StaffUser | None:
        row = (await self.session.execute(select(STAFF_USERS).where(STAFF_USERS.c.id == user_id))).one_or_none()
        return _staff(row) if row else None

    async def by_username(self, username: str) -> StaffUser | None:
        query = select(STAFF_USERS).where(STAFF_USERS.c.username == username)
        row = (await self.session.execute(query)).one_or_none()
        return _staff(row) if row else None

    async def add(self, user: StaffUser) -> None:
        roles = sorted(r.value for r in user.roles)
        # ON CONFLICT: a unique violation would write the username (often a person's name) into
        # PostgreSQL's log.
        inserted = await self.session.scalar(
            insert(STAFF_USERS)
            .values(**row_values(user, exclude=("version",), roles=roles))
            .on_conflict_do_nothing()
            .returning(STAFF_USERS.c.id)
        )
        if inserted is None:
            raise Conflict("this username is taken", code="identity.username_taken")

    async def save(self, user: StaffUser) -> None:
        """Write the user as of the version it was read at; someone else's change meanwhile is a
        conflict. The version moves on only when a value changes (a no-op save keeps it)."""
        values = {
            "full_name": user.full_name,
            "password_hash": user.password_hash,
            "active": user.active,
            "token_version": user.token_version,
            "roles": sorted(r.value for r in user.roles),
        }
        user.version = await update_versioned(self.session, STAFF_USERS, user.id, user.version, values)

    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[StaffUser]:
        query = select(STAFF_USERS).order_by(STAFF_USERS.c.id).limit(limit)
        if after is not None:
            query = query.where(STAFF_USERS.c.id > after)
        return [_staff(r) for r in await self.session.execute(query)]


class SqlPartners:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, partner_id: uuid.UUID) -> Partner | None:
        row = (await self.session.execute(select(PARTNERS).where(PARTNERS.c.id == partner_id))).one_or_none()
        return to_domain(Partner, row) if row else None

    async def add(self, partner: Partner) -> None:
        await self.session.execute(insert(PARTNERS).values(**row_values(partner)))

    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[Partner]:
        query = select(PARTNERS).order_by(PARTNERS.c.id).limit(limit)
        if after is not None:
            query = query.where(PARTNERS.c.id > after)
        return [to_domain(Partner, r) for r in await self.session.execute(query)]


class SqlApiKeys:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        row = (await self.session.execute(select(API_KEYS).where(API_KEYS.c.prefix == prefix))).one_or_none()
        return to_domain(ApiKey, row) if row else None

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        row = (await self.session.execute(select(API_KEYS).where(API_KEYS.c.id == key_id))).one_or_none()
        return to_domain(ApiKey, row) if row else None

    async def add(self, key: ApiKey) -> None:
        await self.session.execute(insert(API_KEYS).values(**row_values(key)))

    async def save(self, key: ApiKey) -> None:
        await self.session.execute(
            update(API_KEYS).where(API_KEYS.c.id == key.id).values(revoked_at=key.revoked_at, label=key.label)
        )

    async def for_partner(self, partner_id: uuid.UUID) -> Sequence[ApiKey]:
        query = select(API_KEYS).where(API_KEYS.c.partner_id == partner_id).order_by(API_KEYS.c.id)
        return [to_domain(ApiKey, r) for r in await self.session.execute(query)]


class SqlBorrowers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, borrower_id: uuid.UUID) -> Borrower | None:
        row = (await self.session.execute(select(BORROWERS).where(BORROWERS.c.id == borrower_id))).one_or_none()
        return to_domain(Borrower, row) if row else None

    async def by_email(self, email: str) -> Borrower | None:
        row = (await self.session.execute(select(BORROWERS).where(BORROWERS.c.email == email))).one_or_none()
        return to_domain(Borrower, row) if row else None

    async def add(self, borrower: Borrower) -> None:
        # ON CONFLICT rather than a unique violation: PostgreSQL writes a violation's key, the
        # e-mail address, into its server log. Two people racing to create one borrower meet here.
        inserted = await self.session.scalar(
            insert(BORROWERS).values(**row_values(borrower)).on_conflict_do_nothing().returning(BORROWERS.c.id)
        )
        if inserted is None:
            raise Conflict("a borrower with this e-mail address exists", code="borrower.duplicate_email")

    async def correct_contact(self, borrower_id: uuid.UUID, *, full_name: str, email: str, phone: str | None) -> None:
        # Another account's address is checked in the statement rather than left to the unique index,
        # whose violation would write the address into the server log (as in ``add``).
        columns = BORROWERS.c
        taken = select(columns.id).where(columns.email == email, columns.id != borrower_id).exists()
        corrected = await self.session.scalar(
            update(BORROWERS)
            .where(columns.id == borrower_id, ~taken)
            .values(full_name=full_name, email=email, phone=phone)
            .returning(columns.id)
        )
        if corrected is None:
            raise Conflict("a borrower with this e-mail address exists", code="borrower.duplicate_email", field="email")


class SqlLoginCodes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, code: LoginCode) -> None:
        await self.session.execute(insert(LOGIN_CODES).values(**row_values(code)))

    async def latest_for(self, borrower_id: uuid.UUID) -> LoginCode | None:
        query = (
            select(LOGIN_CODES)
            .where(LOGIN_CODES.c.borrower_id == borrower_id)
            .order_by(LOGIN_CODES.c.id.desc())
            .limit(1)
            .with_for_update()
        )
        row = (await self.session.execute(query)).one_or_none()
        return to_domain(LoginCode, row) if row else None

    async def save(self, code: LoginCode) -> None:
        await self.session.execute(
            update(LOGIN_CODES).where(LOGIN_CODES.c.id == code.id).values(attempts=code.attempts, used_at=code.used_at)
        )

    async def issued_since(self, borrower_id: uuid.UUID, since: datetime, requested_from: str) -> tuple[int, int]:
        """How many codes the borrower was sent since ``since``: in all, and asked from that address."""
        from_address = func.count().filter(LOGIN_CODES.c.requested_from == requested_from)
        row = (
            await self.session.execute(
                select(func.count(), from_address).where(
                    LOGIN_CODES.c.borrower_id == borrower_id, LOGIN_CODES.c.expires_at > since
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def delete_expired(self, before: datetime) -> int:
        result: Any = await self.session.execute(delete(LOGIN_CODES).where(LOGIN_CODES.c.expires_at < before))
        return int(result.rowcount or 0)
