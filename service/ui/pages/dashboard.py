"""The dashboard: my follow-up agenda, the applications waiting for me, my loans in arrears."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from domain.followup.policies import AgendaStatus
from domain.identity.model import Principal, Role
from domain.origination.applications import Application, Status
from domain.servicing.arrears import CURRENT
from service.followup import handlers as followup
from service.kernel.http.guards import ALL_STAFF, allow
from service.origination.handlers import applicants as people
from service.origination.handlers import applications as files
from service.origination.ports import ApplicationFilter
from service.services import Services
from service.servicing.handlers import loans
from service.servicing.ports import LoanListItem, LoanSearch
from service.ui.pages.charts import manager_charts
from service.ui.rendering import page, page_language

# What an officer acts on next, by state; what the committee acts on.
OFFICER_TURN = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.APPROVED,
    Status.OFFER_ISSUED,
    Status.CONTRACT_SIGNED,
    Status.PARTLY_DISBURSED,
)
LIST_LIMIT = 50


async def waiting_for(principal: Principal, services: Services) -> list[Application]:
    """The files the caller acts on next: their own in an officer's hands, and those before the
    committee for committee members."""
    found: list[Application] = []
    if principal.roles & {Role.ADMIN, Role.LOAN_OFFICER}:
        mine = await files.list_applications(
            ApplicationFilter(officer_id=principal.subject_id), uow=services.uow(), after=None, limit=200
        )
        found += [a for a in mine if a.status in OFFICER_TURN]
    if principal.roles & {Role.ADMIN, Role.COMMITTEE_MEMBER}:
        found += await files.list_applications(
            ApplicationFilter(status=Status.AT_COMMITTEE), uow=services.uow(), after=None, limit=LIST_LIMIT
        )
    unique = {a.id: a for a in found}
    return sorted(unique.values(), key=lambda a: a.created_at)[:LIST_LIMIT]


async def applicant_names(ids: Iterable[uuid.UUID], services: Services) -> dict[uuid.UUID, str]:
    names = {}
    for applicant_id in set(ids):
        names[applicant_id] = (await people.get_applicant(applicant_id, uow=services.uow())).full_name
    return names


async def arrears_by_bucket(principal: Principal, services: Services) -> dict[str, list[LoanListItem]]:
    mine = await loans.list_loans(
        LoanSearch(officer_id=principal.subject_id), uow=services.uow(), after=None, limit=200
    )
    buckets: dict[str, list[LoanListItem]] = defaultdict(list)
    for loan in sorted(mine, key=lambda item: -item.days_past_due):
        if loan.arrears_bucket != CURRENT and loan.status == "active":
            buckets[loan.arrears_bucket].append(loan)
    return dict(buckets)


# The agenda shows the most urgent contacts first and says how many more wait: an officer back from
# leave may have a hundred overdue, and the page must stay readable and fast.
AGENDA_ROWS = 15


@get("/ui/", guards=[allow(*ALL_STAFF)])
async def dashboard(request: Request[Principal, Any, Any], services: NamedDependency[Services]) -> Template:
    principal = request.user
    agenda = await followup.officer_agenda(principal.subject_id, services.today(), uow=services.uow())
    waiting = await waiting_for(principal, services)
    overdue = agenda.contacts.get(AgendaStatus.OVERDUE, [])
    due = agenda.contacts.get(AgendaStatus.DUE, [])
    return page(
        request,
        "dashboard.html",
        overdue=overdue[:AGENDA_ROWS],
        due=due[: max(AGENDA_ROWS - len(overdue), 0)],
        more_contacts=max(len(overdue) + len(due) - AGENDA_ROWS, 0),
        borrowers=agenda.borrowers,
        waiting=waiting,
        names=await applicant_names((a.applicant_id for a in waiting), services),
        arrears=await arrears_by_bucket(principal, services),
        charts=await manager_charts(services, page_language(request)) if Role.ADMIN in principal.roles else [],
    )


ROUTES = [dashboard]
