"""Loans: the list with its filters, and a loan's page (schedule paid/due/late, transactions, payoff
quote, follow-up contacts) with its actions: a repayment shown allocated before it is posted,
reschedule (officers) and write-off (admins), as the API's routes allow them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from domain.errors import DomainError, NotFound
from domain.identity.model import Principal, Role
from domain.servicing import PaymentChannel
from domain.servicing.arrears import bucket_labels
from service.followup import handlers as followup
from service.identity import handlers as identity
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, OFFICERS, allow
from service.products import handlers as products
from service.services import Services
from service.servicing.handlers import loans as loan_list
from service.servicing.handlers import payments
from service.servicing.ports import LoanListItem, LoanSearch
from service.ui.forms import Form, form_idempotency, new_idempotency_key
from service.ui.pages.fields import choice, optional_date, optional_uuid, required_date, required_text
from service.ui.rendering import page, page_language, see_other

Authed = Request[Principal, Any, Any]
PAGE_SIZE = 50
CHANNELS = tuple(c.value for c in PaymentChannel)
# What the confirmation posts again, as typed (the same values: the same idempotency key's request).
PAYMENT_FIELDS = ("amount", "value_date", "channel", "external_reference", "confirm_overpayment")


# --- the list ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    """What the list's filters offer: the staff, products and partners by name."""

    officers: list[tuple[uuid.UUID, str]]
    products: list[tuple[uuid.UUID, str]]
    partners: list[tuple[uuid.UUID, str]]
    buckets: tuple[str, ...]


async def _choices(services: Services) -> FilterChoices:
    staff = await identity.list_staff_users(uow=services.uow(), after=None, limit=200)
    product_list = await products.list_products(uow=services.uow(), after=None, limit=200)
    partner_list = await identity.list_partners(uow=services.uow(), after=None, limit=200)
    return FilterChoices(
        officers=[(u.id, u.full_name) for u in staff if Role.LOAN_OFFICER in u.roles or Role.ADMIN in u.roles],
        products=[(p.id, p.name) for p in product_list],
        partners=[(p.id, p.name) for p in partner_list],
        buckets=bucket_labels(),
    )


@get("/ui/loans", guards=[allow(*ALL_STAFF)])
async def loan_list_page(request: Authed, services: NamedDependency[Services]) -> Template:
    query = request.query_params
    criteria = LoanSearch(
        officer_id=optional_uuid(query.get("officer_id")),
        product_id=optional_uuid(query.get("product_id")),
        partner_id=optional_uuid(query.get("partner_id")),
        borrower_name=query.get("borrower_name") or None,
        status=query.get("status") or None,
        arrears_bucket=query.get("arrears_bucket") or None,
    )
    form = Form({k: v for k, v in query.items() if isinstance(v, str)})
    found: list[LoanListItem] = []
    try:
        found = list(
            await loan_list.list_loans(
                criteria, uow=services.uow(), after=optional_uuid(query.get("cursor")), limit=PAGE_SIZE
            )
        )
    except DomainError as error:
        form.refuse(error, page_language(request))
    following = {k: v for k, v in form.values.items() if k != "cursor" and v}
    return page(
        request,
        "loans.html",
        status=422 if form.errors else 200,
        loans=found,
        form=form,
        choices=await _choices(services),
        next_cursor=str(found[-1].id) if len(found) == PAGE_SIZE else None,
        following=following,
    )


# --- a loan's page -----------------------------------------------------------------------------------


async def loan_page_with(
    request: Authed,
    services: Services,
    loan_id: uuid.UUID,
    *,
    form: Form | None = None,
    acting: str | None = None,
    preview: dict[str, Any] | None = None,
    idempotency: str | None = None,
    status: int = 200,
) -> Template:
    statement = await payments.statement(loan_id, actor=request.user, uow=services.uow())
    loan = statement.loan
    contract, _ = await loan_list.get_loan(loan_id, actor=request.user, uow=services.uow())
    # The names (borrower, officer, product, partner) as the list shows them: the borrower's loans.
    theirs = await loan_list.list_loans(
        LoanSearch(applicant_id=contract.applicant_id), uow=services.uow(), after=None, limit=PAGE_SIZE
    )
    line = next((item for item in theirs if item.id == loan_id), None)
    *earlier, live = statement.schedules()
    reversed_ids = {t.reverses_id for t in statement.transactions if t.reverses_id}
    today = services.today()
    # The payoff is a replay of the loan's whole history: computed when asked, not on every view.
    payoff_on = optional_date(Form(dict(request.query_params)), "payoff_on") if request.method == "GET" else None
    quote = None
    if payoff_on is not None and loan.status == "active":
        quote, _ = await payments.payoff(loan_id, payoff_on, actor=request.user, uow=services.uow(), today=today)
    try:
        plan = await followup.follow_up_plan(loan_id, uow=services.uow())
    except NotFound:
        plan = None
    next_contact = next((c for c in plan.contacts if c.outcome is None and c.due_on), None) if plan else None
    return page(
        request,
        "loan.html",
        status=status,
        loan=loan,
        line=line,
        live=live,
        earlier=earlier,
        transactions=list(reversed(statement.transactions)),
        reversed_ids=reversed_ids,
        quote=quote,
        payoff_on=payoff_on or today,
        plan=plan,
        next_contact=next_contact,
        form=form or Form(),
        acting=acting,
        preview=preview,
        idempotency=idempotency or new_idempotency_key(),
        channels=CHANNELS,
        today=today,
        payment_fields=PAYMENT_FIELDS,
    )


@get("/ui/loans/{loan_id:uuid}", guards=[allow(*ALL_STAFF)], opt=audited("loan", route="ui"))
async def loan_page(request: Authed, loan_id: uuid.UUID, services: NamedDependency[Services]) -> Template:
    return await loan_page_with(request, services, loan_id)


def _payment(form: Form, services: Services) -> payments.PaymentCommand:
    return payments.PaymentCommand(
        amount=form.decimal("amount"),
        currency=None,  # the loan's: the use case reads it with the loan (the form has no currency)
        value_date=required_date(form, "value_date"),
        channel=PaymentChannel(choice(form, "channel", CHANNELS)),
        external_reference=form.get("external_reference") or None,
        confirm_overpayment=form.get("confirm_overpayment") == "yes",
        overpayment_margin=services.settings.overpayment_margin,
    )


async def _refused(
    request: Authed, services: Services, loan_id: uuid.UUID, form: Form, error: DomainError, acting: str
) -> Template:
    form.refuse(error, page_language(request))
    return await loan_page_with(request, services, loan_id, form=form, acting=acting, status=422)


@post("/ui/loans/{loan_id:uuid}/payments/preview", guards=[allow(*OFFICERS)], status_code=200)
async def preview_payment(request: Authed, loan_id: uuid.UUID, services: NamedDependency[Services]) -> Template:
    """The repayment as it would be allocated: the page shows it with a button that posts it (the
    same values and the idempotency key of this attempt, so a double click posts it once)."""
    form = await Form.of(request)
    try:
        shown = await payments.preview_payment(
            loan_id,
            _payment(form, services),
            actor=request.user,
            uow=services.uow(),
            today=services.today(),
        )
    except DomainError as error:
        return await _refused(request, services, loan_id, form, error, "pay")
    posted = await request.form()
    return await loan_page_with(
        request,
        services,
        loan_id,
        form=form,
        acting="pay",
        preview=msgspec.structs.asdict(shown),
        idempotency=str(posted.get("_idempotency") or "") or None,
    )


@post("/ui/loans/{loan_id:uuid}/payments", guards=[allow(*OFFICERS)], status_code=303)
async def record_payment(
    request: Authed, loan_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect | Template:
    form = await Form.of(request)
    try:
        receipt = await payments.record_payment(
            loan_id,
            _payment(form, services),
            actor=request.user,
            idempotency=await form_idempotency(request, request.user, form, operation=f"recordLoanPayment:{loan_id}"),
            uow=services.uow(),
            today=services.today(),
        )
    except DomainError as error:
        return await _refused(request, services, loan_id, form, error, "pay")
    return see_other(f"/ui/loans/{loan_id}?recorded={receipt.sequence}")


@post("/ui/loans/{loan_id:uuid}/reschedule", guards=[allow(*OFFICERS)], status_code=303)
async def reschedule(request: Authed, loan_id: uuid.UUID, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        command = payments.RescheduleCommand(
            value_date=required_date(form, "value_date"),
            number_of_installments=form.integer("number_of_installments"),
            first_due_date=required_date(form, "first_due_date"),
            reason=required_text(form, "reason"),
            principal_grace_installments=form.integer("principal_grace_installments")
            if form.get("principal_grace_installments")
            else 0,
        )
        await payments.reschedule(
            loan_id,
            command,
            actor=request.user,
            idempotency=await form_idempotency(request, request.user, form, operation=f"rescheduleLoan:{loan_id}"),
            uow=services.uow(),
            today=services.today(),
        )
    except DomainError as error:
        return await _refused(request, services, loan_id, form, error, "reschedule")
    return see_other(f"/ui/loans/{loan_id}")


@post("/ui/loans/{loan_id:uuid}/write-off", guards=[allow(Role.ADMIN)], status_code=303)
async def write_off(request: Authed, loan_id: uuid.UUID, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        await payments.write_off(
            loan_id,
            value_date=required_date(form, "value_date"),
            reason=required_text(form, "reason"),
            actor=request.user,
            idempotency=await form_idempotency(request, request.user, form, operation=f"writeOffLoan:{loan_id}"),
            uow=services.uow(),
            today=services.today(),
        )
    except DomainError as error:
        return await _refused(request, services, loan_id, form, error, "write_off")
    return see_other(f"/ui/loans/{loan_id}")


ROUTES = [loan_list_page, loan_page, preview_payment, record_payment, reschedule, write_off]
