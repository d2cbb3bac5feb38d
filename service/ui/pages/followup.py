"""Follow-up from a loan's page: record a contact's outcome, hand a contact to a volunteer mentor
(a mentor is a name on the contact, as in the API). Both go back to the loan's page (the loan's
id is in the path only to show its page again with a refusal)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from domain.errors import DomainError
from domain.followup.model import BusinessStatus, Outcome, RevenueBand
from domain.identity.model import Principal
from service.followup import handlers as followup
from service.kernel.http.guards import OFFICERS, allow
from service.services import Services
from service.ui.forms import Form
from service.ui.pages.fields import choice, required_date, required_text
from service.ui.pages.loans import loan_page_with
from service.ui.rendering import page_language, see_other

Authed = Request[Principal, Any, Any]


async def _refused(
    request: Authed, services: Services, loan_id: uuid.UUID, form: Form, error: DomainError, acting: str
) -> Template:
    form.refuse(error, page_language(request))
    return await loan_page_with(request, services, loan_id, form=form, acting=acting, status=422)


@post(
    "/ui/loans/{loan_id:uuid}/follow-up-contacts/{contact_id:uuid}/outcome", guards=[allow(*OFFICERS)], status_code=303
)
async def record_outcome(
    request: Authed, loan_id: uuid.UUID, contact_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect | Template:
    form = await Form.of(request)
    try:
        outcome = Outcome(
            contacted_on=required_date(form, "contacted_on"),
            business_status=BusinessStatus(choice(form, "business_status", tuple(s.value for s in BusinessStatus))),
            revenue_band=RevenueBand(choice(form, "revenue_band", tuple(b.value for b in RevenueBand))),
            jobs_created=form.integer("jobs_created"),
            difficulties=form.get("difficulties"),
        )
        contact = await followup.record_outcome(
            contact_id, outcome, actor=request.user, uow=services.uow(), now=services.now(), today=services.today()
        )
    except DomainError as error:
        return await _refused(request, services, loan_id, form, error, "outcome")
    return see_other(f"/ui/loans/{contact.loan_id}#follow-up-title")


@post(
    "/ui/loans/{loan_id:uuid}/follow-up-contacts/{contact_id:uuid}/mentor", guards=[allow(*OFFICERS)], status_code=303
)
async def hand_to_mentor(
    request: Authed, loan_id: uuid.UUID, contact_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect | Template:
    form = await Form.of(request)
    try:
        contact = await followup.assign_contact(
            contact_id, officer_id=None, mentor_name=required_text(form, "mentor_name"), uow=services.uow()
        )
    except DomainError as error:
        return await _refused(request, services, loan_id, form, error, "mentor")
    return see_other(f"/ui/loans/{contact.loan_id}#follow-up-title")


ROUTES = [record_outcome, hand_to_mentor]
