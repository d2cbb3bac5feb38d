"""The SQLAlchemy unit of work: one session, one transaction, commit only when asked."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import asyncpg
from asyncpg.exceptions import IntegrityConstraintViolationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from domain.errors import Conflict, Unavailable
from service.persistence.application_repositories import SqlApplications
from service.persistence.followup_repositories import SqlFollowUps
from service.persistence.idempotency import SqlIdempotency
from service.persistence.identity_repositories import (
    SqlApiKeys,
    SqlBorrowers,
    SqlLoginCodes,
    SqlPartners,
    SqlStaffUsers,
)
from service.persistence.loan_repositories import SqlLedger, SqlLoans, SqlOutbox
from service.persistence.origination_repositories import SqlApplicants, SqlProjects, SqlReferrals
from service.persistence.product_repositories import SqlLegalData, SqlProducts
from service.persistence.servicing_repositories import SqlLoanServicing
from service.persistence.training_repositories import SqlTrainings


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


def _connection_lost(error: BaseException) -> bool:
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


class SqlUnitOfWork:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        assert self._session is not None, "use the unit of work inside 'async with'"
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessionmaker()
        session = self._session
        self.staff_users = SqlStaffUsers(session)
        self.partners = SqlPartners(session)
        self.api_keys = SqlApiKeys(session)
        self.borrowers = SqlBorrowers(session)
        self.login_codes = SqlLoginCodes(session)
        self.products = SqlProducts(session)
        self.legal_data = SqlLegalData(session)
        self.applicants = SqlApplicants(session)
        self.referrals = SqlReferrals(session)
        self.projects = SqlProjects(session)
        self.idempotency = SqlIdempotency(session)
        self.trainings = SqlTrainings(session)
        self.applications = SqlApplications(session)
        self.loans = SqlLoans(session)
        self.servicing = SqlLoanServicing(session)
        self.ledger = SqlLedger(session)
        self.outbox = SqlOutbox(session)
        self.follow_ups = SqlFollowUps(session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        lost = exc is not None and _connection_lost(exc)
        try:
            if lost:  # a dead connection must not go back to the pool for the next request
                await self.session.invalidate()
            else:
                await self.session.rollback()
                await self.session.close()
        except Exception as error:  # the connection is gone: nothing more to undo on our side
            if not _connection_lost(error):
                raise
            await self.session.invalidate()
        finally:
            self._session = None
        if lost:
            raise Unavailable("the database is unavailable for a moment; retry", code="service.unavailable") from None
        # A unique or check constraint hit while flushing (not only at commit) is a conflict, not a 500.
        if isinstance(exc, IntegrityError | IntegrityConstraintViolationError):
            raise _conflict(exc) from None
        if isinstance(exc, StaleDataError):
            raise Conflict("the record was changed by someone else; reload and retry", code="conflict.stale") from None

    async def commit(self) -> None:
        """Commit, turning lost updates and unique-key races into a 409 instead of a 500."""
        try:
            await self.session.commit()
        except StaleDataError:
            raise Conflict("the record was changed by someone else; reload and retry", code="conflict.stale") from None
        except IntegrityError as error:
            raise _conflict(error) from None


class SqlUnitOfWorkFactory:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessionmaker)
