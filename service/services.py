"""What the composition root hands to controllers: use-case ports and settings, nothing concrete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from litestar.datastructures import State

from service.followup.ports import FollowUpUnitOfWork
from service.identity.ports import (
    IdentityUnitOfWork,
    LoginCodeSender,
    PasswordHasher,
    SignInBackoff,
    StaffTokenVersions,
    TokenCodec,
)
from service.kernel.ports import RateLimiter, ReadinessProbe
from service.notifications.ports import NoticeOutbox
from service.origination.ports import ContractRenderer, OriginationUnitOfWork
from service.partners.ports import PartnersUnitOfWork
from service.privacy.ports import AuditTrail, Consents, PersonRecords, Rectifications
from service.products.ports import ProductsUnitOfWork
from service.reporting.ports import PortfolioReports
from service.servicing.ports import ScheduleRenderer, ServicingUnitOfWork
from service.settings import Settings
from service.training.ports import TrainingUnitOfWork


class AppUnitOfWork(
    IdentityUnitOfWork,
    ProductsUnitOfWork,
    OriginationUnitOfWork,
    TrainingUnitOfWork,
    ServicingUnitOfWork,
    FollowUpUnitOfWork,
    PartnersUnitOfWork,
    Protocol,
):
    """The unit of work the app hands out: every context's repositories on one session, each one
    built when a handler first touches it (``service.wiring.SqlUnitOfWork``). A handler's
    parameter type says which of them it may use."""


@dataclass(frozen=True)
class Services:
    settings: Settings
    uow: Callable[[], AppUnitOfWork]
    hasher: PasswordHasher
    tokens: TokenCodec
    staff_token_versions: StaffTokenVersions
    login_code_sender: LoginCodeSender
    readiness: ReadinessProbe
    quote_limiter: RateLimiter
    sign_in_limiter: RateLimiter
    sign_in_backoff: SignInBackoff
    contract_renderer: ContractRenderer
    portfolio: PortfolioReports
    notices: NoticeOutbox
    schedule_pdf: ScheduleRenderer
    schedule_calendar: ScheduleRenderer
    privacy_records: PersonRecords
    audit_trail: AuditTrail
    consents: Consents
    rectifications: Rectifications

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """The business date: today in the lender's time zone (not UTC's)."""
        return self.settings.business_date(self.now())


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services
