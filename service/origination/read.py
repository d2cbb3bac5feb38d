"""Origination's read side: what a file's readers see beside the file itself.

Staff names are identity's table, read here by name in one statement (a context reads another's
rows only in its read side, never through its repositories)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_NAMES = text("SELECT id, full_name FROM staff_users WHERE id = ANY(:ids)")


class SqlStaffNames:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, staff_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The full names of those of ``staff_ids`` who are staff (a primary-key lookup each)."""
        if not staff_ids:
            return {}
        rows = await self.session.execute(_NAMES, {"ids": list(set(staff_ids))})
        return {row.id: row.full_name for row in rows}
