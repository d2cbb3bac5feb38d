"""People: one search box (a name in any word order, a phone, an e-mail or a SIRET) and a person's
page with their referral, project, training record, applications and loans."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from domain.errors import DomainError, NotFound
from domain.identity.model import Principal
from service.identity import handlers as identity
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, allow
from service.origination.handlers import applicants as people
from service.origination.handlers import applications as files
from service.origination.ports import ApplicantSearch, ApplicationFilter
from service.services import Services
from service.servicing.handlers.loans import list_loans
from service.servicing.ports import LoanSearch
from service.training.handlers import list_applicant_enrolments
from service.ui.forms import GENERAL, Form
from service.ui.rendering import page, page_language

_SIRET = re.compile(r"^[0-9 ]{14,20}$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{6,20}$")
SHOWN = 50


def criteria_of(query: str) -> ApplicantSearch:
    """What the one search box was given: an e-mail, a SIRET (14 digits, spaces allowed), a phone, or a name."""
    if "@" in query:
        return ApplicantSearch(email=query)
    if _SIRET.match(query) and len(query.replace(" ", "")) == 14:
        return ApplicantSearch(siret=query)
    if _PHONE.match(query):
        return ApplicantSearch(phone=query)
    return ApplicantSearch(name=query)


@get("/ui/people", guards=[allow(*ALL_STAFF)])
async def search(request: Request[Principal, Any, Any], services: NamedDependency[Services], q: str = "") -> Template:
    form, found = Form({"q": q.strip()[:200]}), []
    if form.get("q"):
        try:
            found = list(
                await people.search_applicants(criteria_of(form.get("q")), uow=services.uow(), after=None, limit=SHOWN)
            )
        except DomainError as error:  # an e-mail or phone that cannot be one
            form.refuse(error, page_language(request))
            form.errors["q"] = form.errors.pop(error.field or GENERAL)
    return page(request, "people.html", form=form, found=found, searched=bool(form.get("q")))


@get("/ui/people/{applicant_id:uuid}", guards=[allow(*ALL_STAFF)], opt=audited("applicant", route="ui"))
async def person(
    request: Request[Principal, Any, Any], applicant_id: uuid.UUID, services: NamedDependency[Services]
) -> Template:
    applicant = await people.get_applicant(applicant_id, uow=services.uow())
    try:
        project = await people.get_project(applicant_id, uow=services.uow())
    except NotFound:
        project = None
    referrals = await people.applicant_referrals(applicant_id, uow=services.uow())
    partners = {
        partner_id: (await identity.get_partner(partner_id, actor=request.user, uow=services.uow())).name
        for partner_id in {r.partner_id for r in referrals}
    }
    return page(
        request,
        "person.html",
        applicant=applicant,
        referrals=referrals,
        partners=partners,
        project=project,
        enrolments=await list_applicant_enrolments(applicant_id, uow=services.uow()),
        applications=await files.list_applications(
            ApplicationFilter(applicant_id=applicant_id), uow=services.uow(), after=None, limit=SHOWN
        ),
        loans=await list_loans(LoanSearch(applicant_id=applicant_id), uow=services.uow(), after=None, limit=SHOWN),
    )


ROUTES = [search, person]
