"""What the composition root hands to controllers: use-case ports and settings, nothing concrete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from litestar.datastructures import State

from service.servicing.ports import ScheduleRenderer
from service.settings import Settings
from service.usecases.notification_ports import NoticeOutbox
from service.usecases.ports import (
    ContractRenderer,
    LoginCodeSender,
    PasswordHasher,
    PortfolioReports,
    RateLimiter,
    ReadinessProbe,
    SignInBackoff,
    StaffTokenVersions,
    TokenCodec,
    UnitOfWorkFactory,
)


@dataclass(frozen=True)
class Services:
    settings: Settings
    uow: UnitOfWorkFactory
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

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """The business date: today in the lender's time zone (not UTC's)."""
        return self.settings.business_date(self.now())


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services
