"""The pipeline: people by stage (from referral to financing) and applications by status, each
stage or status opening its list; "only mine" keeps those the signed-in officer handles."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from domain.identity.model import Principal
from domain.origination.applicants import Stage
from domain.origination.applications import Status
from service.kernel.http.guards import ALL_STAFF, allow
from service.origination.handlers import applicants as people
from service.origination.handlers import applications as files
from service.origination.ports import ApplicantSearch, ApplicationFilter
from service.services import Services
from service.ui.pages.dashboard import applicant_names
from service.ui.rendering import page

COUNTED = 200  # a count shows "200+" beyond this: the pipeline is a picture, not a report


@get("/ui/pipeline", guards=[allow(*ALL_STAFF)])
async def pipeline(
    request: Request[Principal, Any, Any],
    services: NamedDependency[Services],
    stage: str | None = None,
    status: str | None = None,
    mine: bool = False,
) -> Template:
    officer = request.user.subject_id if mine else None
    stages = {}
    for each in Stage:
        found = await people.search_applicants(
            ApplicantSearch(stage=each, officer_id=officer), uow=services.uow(), after=None, limit=COUNTED
        )
        stages[each.value] = found
    statuses = {}
    for each_status in Status:
        listed = await files.list_applications(
            ApplicationFilter(status=each_status, officer_id=officer), uow=services.uow(), after=None, limit=COUNTED
        )
        statuses[each_status.value] = listed
    chosen_applications = statuses.get(status or "", [])
    return page(
        request,
        "pipeline.html",
        stages=stages,
        statuses=statuses,
        stage=stage if stage in stages else None,
        chosen_status=status if status in statuses else None,
        mine=mine,
        limit=COUNTED,
        names=await applicant_names((a.applicant_id for a in chosen_applications), services),
    )


ROUTES = [pipeline]
