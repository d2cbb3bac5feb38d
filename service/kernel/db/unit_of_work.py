"""The unit-of-work base every context shares: one session, one transaction, commit only when asked.

Repositories are built on first use (``_repo``), so a request builds only the ones it touches."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import asyncpg
from asyncpg.exceptions import IntegrityConstraintViolationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import Conflict, Unavailable

R = TypeVar("R")


def _conflict(error: IntegrityError | IntegrityConstraintViolationError) -> Conflict:
    # Through SQLAlchemy the driver's error is the cause of the wrapped one; raw statements raise it as is.
    driver_error = (
        error if isinstance(error, IntegrityConstraintViolationError) else getattr(error.orig, "__cause__", None)
    )
    constraint = getattr(driver_error, "constraint_name", None)
    return Conflict(
        "the change conflicts with existing data", code=f"conflict.{constraint}" if constraint else "conflict.integrity"
    )


# SQLSTATEs of a server that is going away or not back yet: connection exceptions (08xxx),
# admin or crash shutdown and "the database system is starting up" (57P01-57P03).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")


def connection_lost(error: BaseException) -> bool:
    """The database went away (restart, network): a retry may succeed, so a 503, not a 500."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DBAPIError) and (
            seen.connection_invalidated or isinstance(seen, OperationalError | InterfaceError)
        ):
            return True
        if isinstance(seen, OSError) or str(getattr(seen, "sqlstate", "") or "").startswith(_UNAVAILABLE_STATES):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and "connection is closed" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class SqlUnitOfWorkBase:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self._repositories: dict[Callable[[AsyncSession], Any], Any] = {}

    @property
    def session(self) -> AsyncSession:
        assert self._session is not None, "use the unit of work inside 'async with'"
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessionmaker()
        self._repositories = {}
        return self

    def _repo(self, make: Callable[[AsyncSession], R]) -> R:
        """The repository ``make`` builds on this unit's session, built the first time it is used."""
        repository = self._repositories.get(make)
        if repository is None:
            repository = self._repositories[make] = make(self.session)
        return repository  # type: ignore[no-any-return]

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        lost = exc is not None and connection_lost(exc)
        try:
            if lost:  # a dead connection must not go back to the pool for the next request
                await self.session.invalidate()
            else:
                await self.session.rollback()
                await self.session.close()
        except Exception as error:  # the connection is gone: nothing more to undo on our side
            if not connection_lost(error):
                raise
            await self.session.invalidate()
        finally:
            self._session = None
            self._repositories = {}
        if lost:
            raise Unavailable("the database is unavailable for a moment; retry", code="service.unavailable") from None
        # A unique or check constraint hit by a statement (not only at commit) is a conflict, not a 500.
        if isinstance(exc, IntegrityError | IntegrityConstraintViolationError):
            raise _conflict(exc) from None

    async def commit(self) -> None:
        """Commit, turning unique-key races into a 409 instead of a 500 (lost updates are found by the
        repositories' versioned updates: ``service.kernel.db.versioned``)."""
        try:
            await self.session.commit()
        except IntegrityError as error:
            raise _conflict(error) from None
