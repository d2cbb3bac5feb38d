"""The pipeline: people by stage (from referral to financing) and applications by status, each with
its exact count, each stage or status opening its list a page at a time; "only mine" keeps those
the signed-in officer handles."""

from __future__ import annotations

import uuid
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

LISTED = 50  # people or files listed per page under the counts


@get("/ui/pipeline", guards=[allow(*ALL_STAFF)])
async def pipeline(
    request: Request[Principal, Any, Any],
    services: NamedDependency[Services],
    stage: str | None = None,
    status: str | None = None,
    mine: bool = False,
    after: uuid.UUID | None = None,
) -> Template:
    officer = request.user.subject_id if mine else None
    counts = await files.count_pipeline(officer, uow=services.uow())
    chosen_stage = Stage(stage) if stage in {s.value for s in Stage} else None
    chosen_status = Status(status) if status in {s.value for s in Status} and not chosen_stage else None
    listed: list[Any] = []
    if chosen_stage:
        criteria = ApplicantSearch(stage=chosen_stage, officer_id=officer)
        listed = list(await people.search_applicants(criteria, uow=services.uow(), after=after, limit=LISTED + 1))
    elif chosen_status:
        wanted = ApplicationFilter(status=chosen_status, officer_id=officer)
        listed = list(await files.list_applications(wanted, uow=services.uow(), after=after, limit=LISTED + 1))
    more = len(listed) > LISTED  # one more than a page was asked for: there is a next page
    listed = listed[:LISTED]
    return page(
        request,
        "pipeline.html",
        counts=counts,
        stage=chosen_stage.value if chosen_stage else None,
        chosen_status=chosen_status.value if chosen_status else None,
        listed=listed,
        next_after=listed[-1].id if more else None,
        mine=mine,
        names=await applicant_names((a.applicant_id for a in listed), services) if chosen_status else {},
    )


ROUTES = [pipeline]
