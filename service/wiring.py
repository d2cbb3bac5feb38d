"""The composed unit of work the app, the worker, the CLI and the tests hand to the handlers.

One session and one transaction for everything a command touches (a disbursement writes the
origination, servicing and follow-up rows at once). Each repository is built the first time a
handler uses it, never up front; each context's ``ports`` declares the repositories its handlers use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.followup.repositories import SqlFollowUps
from service.identity.repositories import (
    SqlApiKeys,
    SqlBorrowers,
    SqlLoginCodes,
    SqlPartners,
    SqlStaffUsers,
)
from service.kernel.db.engine import create_sessionmaker
from service.kernel.db.idempotency import SqlIdempotency
from service.kernel.db.unit_of_work import SqlUnitOfWorkBase
from service.notifications.read import SqlNoticeOutbox, SqlNoticePlanning
from service.origination.read import SqlPipelineCounts, SqlStaffNames
from service.origination.repositories.applicants import SqlApplicants, SqlProjects, SqlReferrals
from service.origination.repositories.applications import SqlApplications
from service.partners.read import SqlWebhookOutbox
from service.partners.repositories import SqlPartnerEvents, SqlPartnerFeed, SqlWebhooks
from service.privacy.repositories import SqlPersonRecords, SqlRectificationLog
from service.products.repositories import SqlLegalData, SqlProducts
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from service.servicing.repositories.events import SqlLoanServicing
from service.servicing.repositories.loans import SqlLedger, SqlLoans, SqlOutbox
from service.training.repositories import SqlTrainings


class SqlUnitOfWork(SqlUnitOfWorkBase):
    @property
    def idempotency(self) -> SqlIdempotency:
        return self._repo(SqlIdempotency)

    # identity
    @property
    def staff_users(self) -> SqlStaffUsers:
        return self._repo(SqlStaffUsers)

    @property
    def partners(self) -> SqlPartners:
        return self._repo(SqlPartners)

    @property
    def api_keys(self) -> SqlApiKeys:
        return self._repo(SqlApiKeys)

    @property
    def borrowers(self) -> SqlBorrowers:
        return self._repo(SqlBorrowers)

    @property
    def login_codes(self) -> SqlLoginCodes:
        return self._repo(SqlLoginCodes)

    # products
    @property
    def products(self) -> SqlProducts:
        return self._repo(SqlProducts)

    @property
    def legal_data(self) -> SqlLegalData:
        return self._repo(SqlLegalData)

    # origination
    @property
    def applicants(self) -> SqlApplicants:
        return self._repo(SqlApplicants)

    @property
    def referrals(self) -> SqlReferrals:
        return self._repo(SqlReferrals)

    @property
    def projects(self) -> SqlProjects:
        return self._repo(SqlProjects)

    @property
    def applications(self) -> SqlApplications:
        return self._repo(SqlApplications)

    @property
    def staff_names(self) -> SqlStaffNames:
        return self._repo(SqlStaffNames)

    @property
    def pipeline_counts(self) -> SqlPipelineCounts:
        return self._repo(SqlPipelineCounts)

    # training
    @property
    def trainings(self) -> SqlTrainings:
        return self._repo(SqlTrainings)

    # servicing
    @property
    def loans(self) -> SqlLoans:
        return self._repo(SqlLoans)

    @property
    def servicing(self) -> SqlLoanServicing:
        return self._repo(SqlLoanServicing)

    @property
    def ledger(self) -> SqlLedger:
        return self._repo(SqlLedger)

    @property
    def outbox(self) -> SqlOutbox:
        return self._repo(SqlOutbox)

    # follow-up
    @property
    def follow_ups(self) -> SqlFollowUps:
        return self._repo(SqlFollowUps)

    # partners: the event writer every context calls (kernel port), the feed and webhooks
    @property
    def partner_events(self) -> SqlPartnerEvents:
        return self._repo(SqlPartnerEvents)

    @property
    def rectifications(self) -> SqlRectificationLog:
        return self._repo(SqlRectificationLog)

    @property
    def partner_feed(self) -> SqlPartnerFeed:
        return self._repo(SqlPartnerFeed)

    @property
    def webhooks(self) -> SqlWebhooks:
        return self._repo(SqlWebhooks)


class SqlUnitOfWorkFactory:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessionmaker)


def job_resources(engine: AsyncEngine) -> dict[str, Any]:
    """What the contexts' jobs read from arq's ``ctx``: the unit of work and the set-based adapters."""
    return {
        "uow": SqlUnitOfWorkFactory(create_sessionmaker(engine)),
        "close_of_business_book": SqlCloseOfBusiness(engine),
        "notice_planning": SqlNoticePlanning(engine),
        "notice_outbox": SqlNoticeOutbox(engine),
        "privacy_records": SqlPersonRecords(engine),
        "webhook_outbox": SqlWebhookOutbox(engine),
    }
