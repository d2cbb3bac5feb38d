"""An application's page: project and financing plan, eligibility checks, committee votes,
conditions, offer, history (admins, as in the API), and only the actions its state allows and the
caller's role permits. Each action posts to its own route, which calls the API's use case."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from domain.errors import DomainError, NotFound, RuleViolation
from domain.identity.model import Principal, Role
from domain.origination.applications import TRANSITIONS, Action, Application, CommitteeDecision
from domain.partners.model import DeclineCategory
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, OFFICERS, allow
from service.kernel.pdf import render_off_the_loop
from service.origination.handlers import applicants as people
from service.origination.handlers import applications as files
from service.services import Services
from service.servicing.handlers.loans import loans_of_applications
from service.ui.forms import Form, form_idempotency, new_idempotency_key
from service.ui.rendering import page, page_language, see_other

COMMITTEE = (Role.ADMIN, Role.COMMITTEE_MEMBER)
# The moves of the state machine a page offers as a plain button (a version and an optional reason).
MOVES = {
    "submit": Action.SUBMIT,
    "start_review": Action.START_REVIEW,
    "send_to_committee": Action.SEND_TO_COMMITTEE,
    "withdraw": Action.WITHDRAW,
}
Authed = Request[Principal, Any, Any]


def actions_allowed(application: Application, principal: Principal) -> set[str]:
    """What the page offers: actions the state machine allows now, among those the role may take
    (the same guards as the API's routes)."""
    possible = {action.value for (status, action) in TRANSITIONS if status is application.status}
    officer = bool(principal.roles & set(OFFICERS))
    committee = bool(principal.roles & set(COMMITTEE))
    offered = set()
    if officer:
        offered |= possible & {
            "submit",
            "start_review",
            "send_to_committee",
            "withdraw",
            "issue_offer",
            "sign_contract",
        }
        if possible & {"disburse", "disburse_tranche"}:
            offered.add("disburse")
        if "meet_condition" in possible and any(not c.met for c in application.conditions):
            offered.add("meet_condition")
    if committee and "approve" in possible:
        offered |= {"vote", "decide"}
    return offered


async def _page(
    request: Authed,
    services: Services,
    application_id: uuid.UUID,
    *,
    form: Form | None = None,
    acting: str | None = None,
    status: int = 200,
) -> Template:
    application = await files.get_application(application_id, uow=services.uow())
    applicant = await people.get_applicant(application.applicant_id, uow=services.uow())
    try:
        project = await people.get_project(application.applicant_id, uow=services.uow())
    except NotFound:
        project = None
    votes = await files.application_votes(application_id, uow=services.uow())
    # The whole history is the admins' (as in the API); every staff member reads the committee's decisions.
    history = (
        await files.application_history(application_id, uow=services.uow())
        if Role.ADMIN in request.user.roles
        else None
    )
    decisions = (
        [h for h in history if h.entry.action in files.COMMITTEE_DECISIONS]
        if history is not None
        else await files.committee_decisions(application_id, uow=services.uow())
    )
    loans = await loans_of_applications([application_id], uow=services.uow())
    return page(
        request,
        "application.html",
        status=status,
        application=application,
        applicant=applicant,
        project=project,
        votes=votes,
        decisions=decisions,
        history=history,
        loan_id=loans.get(application_id),
        allowed=actions_allowed(application, request.user),
        decline_categories=[c.value for c in DeclineCategory],
        form=form or Form(),
        acting=acting,
        idempotency=new_idempotency_key(),
        today=services.today(),
    )


@get("/ui/applications/{application_id:uuid}", guards=[allow(*ALL_STAFF)], opt=audited("application", route="ui"))
async def application_page(request: Authed, application_id: uuid.UUID, services: NamedDependency[Services]) -> Template:
    return await _page(request, services, application_id)


async def _act(
    request: Authed,
    services: Services,
    application_id: uuid.UUID,
    acting: str,
    use_case: Callable[[Form], Awaitable[object]],
) -> Redirect | Template:
    """Run ``use_case`` with the posted form; on success back to the page (a GET: a reload never
    posts again), on a refusal the page again with the error next to its field and what was typed."""
    form = await Form.of(request)
    try:
        await use_case(form)
    except DomainError as error:
        if isinstance(error, files.EligibilityError):
            form.errors["eligibility"] = "; ".join(f"{r.name}: {r.detail}" for r in error.failed)
        form.refuse(error, page_language(request))
        return await _page(request, services, application_id, form=form, acting=acting, status=422)
    return see_other(f"/ui/applications/{application_id}")


def _optional_date(form: Form, name: str) -> date | None:
    return _date(form, name) if form.get(name) else None


def _date(form: Form, name: str) -> date:
    text = form.get(name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleViolation(
            "required" if not text else "not a date",
            field=name,
            code="form.required" if not text else "form.not_a_date",
        ) from None


def _text(form: Form, name: str) -> str:
    if not form.get(name):
        raise RuleViolation("required", field=name, code="form.required")
    return form.get(name)


def _lines(form: Form, name: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in form.get(name).splitlines() if line.strip())


@post("/ui/applications/{application_id:uuid}/moves/{move:str}", guards=[allow(*OFFICERS)], status_code=303)
async def move(
    request: Authed, application_id: uuid.UUID, move: str, services: NamedDependency[Services]
) -> Redirect | Template:
    if move not in MOVES:
        raise NotFound("no such action", code="not_found")

    async def run(form: Form) -> object:
        return await files.transition(
            application_id,
            MOVES[move],
            expected_version=form.integer("version"),
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
            reason=form.get("reason") or None,
        )

    return await _act(request, services, application_id, move, run)


@post("/ui/applications/{application_id:uuid}/vote", guards=[allow(*COMMITTEE)], status_code=303)
async def vote(request: Authed, application_id: uuid.UUID, services: NamedDependency[Services]) -> Redirect | Template:
    async def run(form: Form) -> object:
        if form.get("vote") not in ("approve", "reject", "request_changes"):
            raise RuleViolation("required", field="vote", code="form.required")
        return await files.vote(
            application_id,
            form.get("vote"),
            _text(form, "comment"),
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
        )

    return await _act(request, services, application_id, "vote", run)


def _decline_category(form: Form) -> DeclineCategory:
    """What a referring partner is told of a rejection (a category, never the reasons)."""
    try:
        return DeclineCategory(form.get("decline_category") or DeclineCategory.OTHER)
    except ValueError:
        raise RuleViolation("not a known choice", field="decline_category", code="form.not_a_choice") from None


@post("/ui/applications/{application_id:uuid}/decision", guards=[allow(*COMMITTEE)], status_code=303)
async def decide(
    request: Authed, application_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect | Template:
    async def run(form: Form) -> object:
        if form.get("decision") not in ("approve", "reject", "request_changes"):
            raise RuleViolation("required", field="decision", code="form.required")
        decision = CommitteeDecision(
            decision=Action(form.get("decision")),
            comment=_text(form, "comment"),
            conditions=_lines(form, "conditions"),
            reasons=_lines(form, "reasons"),
            against_votes_reason=form.get("against_votes_reason") or None,
            decline_category=_decline_category(form),
        )
        return await files.decide(
            application_id,
            decision,
            expected_version=form.integer("version"),
            actor=request.user,
            rules=services.settings.committee_rules,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )

    return await _act(request, services, application_id, "decide", run)


@post("/ui/applications/{application_id:uuid}/offer", guards=[allow(*OFFICERS)], status_code=303)
async def offer(request: Authed, application_id: uuid.UUID, services: NamedDependency[Services]) -> Redirect | Template:
    async def run(form: Form) -> object:
        disbursement = _date(form, "disbursement_date")
        return await files.issue_offer(
            application_id,
            expected_version=form.integer("version"),
            disbursement_date=disbursement,
            first_due_date=_optional_date(form, "first_due_date"),
            validity_days=30,
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )

    return await _act(request, services, application_id, "issue_offer", run)


@post("/ui/applications/{application_id:uuid}/signature", guards=[allow(*OFFICERS)], status_code=303)
async def sign(request: Authed, application_id: uuid.UUID, services: NamedDependency[Services]) -> Redirect | Template:
    async def run(form: Form) -> object:
        signed_on = _date(form, "signed_on")
        return await files.sign_contract(
            application_id,
            expected_version=form.integer("version"),
            signed_on=signed_on,
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )

    return await _act(request, services, application_id, "sign_contract", run)


@post("/ui/applications/{application_id:uuid}/disbursement", guards=[allow(*OFFICERS)], status_code=303)
async def disburse(
    request: Authed, application_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect | Template:
    async def run(form: Form) -> object:
        application = await files.get_application(application_id, uow=services.uow())
        value_date = _date(form, "value_date")
        return await files.disburse(
            application_id,
            amount=form.decimal("amount"),
            currency=application.currency,
            value_date=value_date,
            actor=request.user,
            idempotency=await form_idempotency(
                request, request.user, form, operation=f"disburseApplication:{application_id}"
            ),
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )

    return await _act(request, services, application_id, "disburse", run)


@post("/ui/applications/{application_id:uuid}/conditions/{number:int}", guards=[allow(*OFFICERS)], status_code=303)
async def meet_condition(
    request: Authed, application_id: uuid.UUID, number: int, services: NamedDependency[Services]
) -> Redirect | Template:
    async def run(form: Form) -> object:
        return await files.meet_condition(
            application_id,
            number,
            evidence=_text(form, "evidence"),
            expected_version=form.integer("version"),
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
        )

    return await _act(request, services, application_id, f"condition-{number}", run)


@get(
    "/ui/applications/{application_id:uuid}/contract.pdf",
    guards=[allow(*ALL_STAFF)],
    opt=audited("application_contract", route="ui"),
)
async def contract(application_id: uuid.UUID, services: NamedDependency[Services]) -> Response[bytes]:
    document = await files.contract_document(
        application_id, lender=services.settings.lender, uow=services.uow(), today=services.today()
    )
    return Response(
        await render_off_the_loop(services.contract_renderer.render, document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="contrat-{document.contract_number}.pdf"'},
    )


ROUTES = [application_page, move, vote, decide, offer, sign, disburse, meet_condition, contract]
