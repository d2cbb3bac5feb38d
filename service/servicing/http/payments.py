"""Servicing routes: payments and their reversals, write-off, reschedule; the loan's schedule
with what is paid, due and late, and its payoff quote (a borrower reads only their own loans).

Every money-moving POST takes an ``Idempotency-Key``: the same key and body replays the first
answer, the same key with another body is a 422, a duplicate still in flight is a 409.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, cast

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from domain.identity.model import Role
from domain.loans.events import LoanEventKind
from domain.loans.model import LoanStatus
from domain.servicing import Component, InstallmentStatus, PaymentChannel
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, OFFICERS, AuthedRequest, allow
from service.kernel.http.idempotency import IdempotencyHeader, idempotency_key
from service.kernel.http.problems import problems
from service.kernel.http.wire import (
    AmountOut,
    DecimalString,
    MoneyIn,
    RateOut,
    amount_of,
    decimal_of,
    optional_rate_text,
)
from service.services import Services
from service.servicing.handlers import payments as uc
from service.servicing.ports import EventReceipt, LoanStatement, StatementLine

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]
Count = Annotated[int, msgspec.Meta(ge=0, le=600)]


class PaymentRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Money received from the borrower; ``value_date`` may be in the past (the loan is replayed)."""

    amount: MoneyIn
    value_date: date
    channel: PaymentChannel
    # SEPA's unstructured remittance information: 140 characters.
    external_reference: Annotated[str, msgspec.Meta(min_length=1, max_length=140, pattern=r"\S")] | None = None
    confirm_overpayment: Annotated[
        bool,
        msgspec.Meta(
            description="required to record more than the payoff amount plus the service's margin "
            "(422 payment.above_payoff otherwise); the excess is kept as a credit owed back"
        ),
    ] = False


class ReversalRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The payment did not happen after all (e.g. a rejected direct debit, its return code as reason)."""

    value_date: date
    reason: Reason


class WriteOffRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    value_date: date
    reason: Reason


class RescheduleRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new schedule from ``value_date`` for the principal owed that day, at the product's frequency.
    Deferral: ``principal_grace_installments`` (interest only) and/or ``interest_grace_installments``."""

    value_date: date
    number_of_installments: Annotated[int, msgspec.Meta(ge=1, le=600)]
    first_due_date: date
    reason: Reason
    annual_interest_rate: DecimalString | None = None
    principal_grace_installments: Count = 0
    interest_grace_installments: Count = 0


class AllocationOut(msgspec.Struct, frozen=True):
    installment: int | None
    component: Component
    amount: AmountOut
    applied_on: date


class LoanStateOut(msgspec.Struct, frozen=True):
    status: LoanStatus
    as_of: date
    outstanding_principal: AmountOut
    credit_balance: AmountOut
    total_due: AmountOut
    days_past_due: int
    arrears_bucket: str
    closed_on: date | None
    written_off_on: date | None


class LoanEventResponse(msgspec.Struct, frozen=True):
    """The event recorded, what a payment paid, and the loan after it."""

    id: uuid.UUID
    loan_id: uuid.UUID
    sequence: int
    kind: LoanEventKind
    value_date: date
    amount: AmountOut | None
    currency: str
    channel: PaymentChannel | None
    external_reference: str | None
    reverses_id: uuid.UUID | None
    reason: str | None
    ledger_transaction_id: uuid.UUID | None
    allocations: list[AllocationOut]
    loan: LoanStateOut
    # A reschedule's TAEG (percent) for its new schedule, from its value date on the principal
    # owed; null for other events (and in receipts stored before it was given).
    apr: AmountOut | None = None


class PaymentPreviewResponse(msgspec.Struct, frozen=True):
    """How the payment would be allocated if recorded now (a back-dated one: as the replay from its
    value date would allocate it), and the loan after it. Nothing is recorded."""

    loan_id: uuid.UUID
    value_date: date
    amount: AmountOut
    currency: str
    channel: PaymentChannel
    allocations: list[AllocationOut]
    loan: LoanStateOut


class InstallmentStateOut(msgspec.Struct, frozen=True):
    number: int
    due_date: date
    status: InstallmentStatus
    days_past_due: int
    principal_due: AmountOut
    interest_due: AmountOut
    fees_due: AmountOut
    penalties_due: AmountOut
    total_due: AmountOut
    principal_paid: AmountOut
    interest_paid: AmountOut
    fees_paid: AmountOut
    penalties_paid: AmountOut
    total_paid: AmountOut
    written_off: AmountOut
    rescheduled: AmountOut
    outstanding: AmountOut
    # What its contract or amendment said it would ask; ``*_due`` is what it asks now (after a
    # reschedule, a replaced instalment no longer asks the interest not accrued yet nor its fees).
    scheduled_principal: AmountOut
    scheduled_interest: AmountOut
    scheduled_fees: AmountOut
    scheduled_total: AmountOut


class TransactionOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    sequence: int
    kind: LoanEventKind
    value_date: date
    amount: AmountOut | None
    channel: PaymentChannel | None
    external_reference: str | None
    reverses_id: uuid.UUID | None
    reversed: bool
    reason: str | None
    recorded_at: datetime | None


class EarlierScheduleOut(msgspec.Struct, frozen=True):
    """A schedule an amendment replaced on ``replaced_on``: ``amendment`` 0 is the contract's,
    then 1, 2... for each reschedule; instalments numbered as that contract or amendment numbers
    them, with what was paid on them and what moved to the next schedule (``rescheduled``)."""

    amendment: int
    starts_on: date
    replaced_on: date
    annual_interest_rate: RateOut | None
    apr: RateOut | None
    installments: list[InstallmentStateOut]


class LoanScheduleResponse(msgspec.Struct, frozen=True):
    """The loan as of ``as_of`` (its last event or close of business). ``installments`` are the
    live schedule's (``amendment`` 0: the contract's; after a reschedule, the amendment's, numbered
    from 1 as the amendment numbers them), and ``annual_interest_rate`` and ``apr`` its terms (null
    for an amendment recorded before its terms were kept); ``earlier_schedules`` are the ones
    replaced, oldest first."""

    id: uuid.UUID
    currency: str
    principal: AmountOut
    annual_interest_rate: RateOut | None
    apr: RateOut | None
    amendment: int
    schedule_starts_on: date
    status: LoanStatus
    disbursed_on: date
    as_of: date | None
    outstanding_principal: AmountOut
    credit_balance: AmountOut
    days_past_due: int
    arrears_bucket: str
    next_due_date: date | None
    closed_on: date | None
    written_off_on: date | None
    installments: list[InstallmentStateOut]
    earlier_schedules: list[EarlierScheduleOut]
    transactions: list[TransactionOut]


class PayoffResponse(msgspec.Struct, frozen=True):
    """``amount`` = principal + interest + fees + penalties + unrecovered - credit_balance."""

    on: date
    currency: str
    amount: AmountOut
    principal: AmountOut
    interest: AmountOut
    fees: AmountOut
    penalties: AmountOut
    unrecovered: AmountOut
    credit_balance: AmountOut


def _event_response(receipt: EventReceipt) -> LoanEventResponse:
    return msgspec.convert(msgspec.to_builtins(receipt), LoanEventResponse)


def _installment_out(i: StatementLine) -> InstallmentStateOut:
    due = i.principal_due + i.interest_due + i.fees_due + i.penalties_due
    paid = i.principal_paid + i.interest_paid + i.fees_paid + i.penalties_paid
    return InstallmentStateOut(
        number=i.number,
        due_date=i.due_date,
        status=i.status,
        days_past_due=i.days_past_due,
        principal_due=i.principal_due,
        interest_due=i.interest_due,
        fees_due=i.fees_due,
        penalties_due=i.penalties_due,
        total_due=due,
        principal_paid=i.principal_paid,
        interest_paid=i.interest_paid,
        fees_paid=i.fees_paid,
        penalties_paid=i.penalties_paid,
        total_paid=paid,
        written_off=i.written_off,
        rescheduled=i.rescheduled,
        outstanding=i.outstanding,
        scheduled_principal=i.scheduled_principal,
        scheduled_interest=i.scheduled_interest,
        scheduled_fees=i.scheduled_fees,
        scheduled_total=i.scheduled_total,
    )


def _payment_command(data: PaymentRequest, services: Services) -> uc.PaymentCommand:
    amount, currency = amount_of(data.amount, "amount")
    return uc.PaymentCommand(
        amount=amount,
        currency=currency,
        value_date=data.value_date,
        channel=data.channel,
        external_reference=data.external_reference,
        confirm_overpayment=data.confirm_overpayment,
        overpayment_margin=services.settings.overpayment_margin,
    )


def schedule_response(found: LoanStatement) -> LoanScheduleResponse:
    """The schedule document built in Python from a statement (the route sends the same JSON
    rendered by PostgreSQL; this is its reference)."""
    loan = found.loan
    *earlier, live = found.schedules()
    return LoanScheduleResponse(
        id=loan.id,
        currency=loan.currency,
        principal=loan.principal,
        annual_interest_rate=optional_rate_text(live.annual_interest_rate),
        apr=optional_rate_text(live.apr),
        amendment=live.amendment,
        schedule_starts_on=live.starts_on,
        status=LoanStatus(loan.status),
        disbursed_on=loan.disbursed_on,
        as_of=loan.state_as_of,
        outstanding_principal=loan.outstanding_principal,
        credit_balance=loan.credit_balance,
        days_past_due=loan.days_past_due,
        arrears_bucket=loan.arrears_bucket,
        next_due_date=loan.next_due_date,
        closed_on=loan.closed_on,
        written_off_on=loan.written_off_on,
        installments=[_installment_out(i) for i in live.installments],
        earlier_schedules=[
            EarlierScheduleOut(
                amendment=s.amendment,
                starts_on=s.starts_on,
                replaced_on=s.replaced_on or s.starts_on,  # every earlier schedule was replaced
                annual_interest_rate=optional_rate_text(s.annual_interest_rate),
                apr=optional_rate_text(s.apr),
                installments=[_installment_out(i) for i in s.installments],
            )
            for s in earlier
        ],
        # The read model's entries are TransactionOut field for field (what the route sends as is).
        transactions=[TransactionOut(**msgspec.structs.asdict(t)) for t in found.transactions],
    )


class ServicingController(Controller):
    path = "/v1/loans"
    tags = ["servicing"]

    @post(
        "/{loan_id:uuid}/payments",
        guards=[allow(*OFFICERS)],
        operation_id="recordLoanPayment",
        summary="Record a payment (back-dated ones re-allocate); takes an Idempotency-Key",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def pay(
        self,
        loan_id: uuid.UUID,
        data: JSONBody[PaymentRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
        idempotency: IdempotencyHeader,
    ) -> LoanEventResponse:
        """Allocates a payment to fees, interest and principal; a back-dated one replays the loan from its
        value date. Replayed with the same Idempotency-Key."""
        receipt = await uc.record_payment(
            loan_id,
            _payment_command(data, services),
            actor=request.user,
            idempotency=idempotency_key(request.user, idempotency, data, operation=f"recordLoanPayment:{loan_id}"),
            uow=services.uow(),
            today=services.today(),
        )
        return _event_response(receipt)

    @post(
        "/{loan_id:uuid}/payments/preview",
        guards=[allow(*OFFICERS)],
        operation_id="previewLoanPayment",
        summary="How a payment would be allocated (penalties, fees, interest, principal per instalment), "
        "without recording it",
        description="The same checks as recording the payment (a 422 where recording would refuse it); "
        "nothing is written, so no Idempotency-Key. Answers 200.",
        status_code=200,
        responses=problems(400, 401, 403, 404, 422),
    )
    async def preview(
        self,
        loan_id: uuid.UUID,
        data: JSONBody[PaymentRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> PaymentPreviewResponse:
        receipt = await uc.preview_payment(
            loan_id, _payment_command(data, services), actor=request.user, uow=services.uow(), today=services.today()
        )
        return msgspec.convert(msgspec.to_builtins(receipt), PaymentPreviewResponse, strict=False)

    @post(
        "/{loan_id:uuid}/payments/{payment_id:uuid}/reversal",
        guards=[allow(*OFFICERS)],
        operation_id="reverseLoanPayment",
        summary="Reverse a payment (a rejected direct debit): the loan is replayed without it",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def reverse(
        self,
        loan_id: uuid.UUID,
        payment_id: uuid.UUID,
        data: JSONBody[ReversalRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
        idempotency: IdempotencyHeader,
    ) -> LoanEventResponse:
        """Cancels a payment (a rejected direct debit) and replays the loan without it."""
        receipt = await uc.reverse_payment(
            loan_id,
            payment_id,
            value_date=data.value_date,
            reason=data.reason,
            actor=request.user,
            idempotency=idempotency_key(
                request.user, idempotency, data, operation=f"reverseLoanPayment:{loan_id}:{payment_id}"
            ),
            uow=services.uow(),
            today=services.today(),
        )
        return _event_response(receipt)

    @post(
        "/{loan_id:uuid}/write-off",
        guards=[allow(Role.ADMIN)],
        operation_id="writeOffLoan",
        summary="Write a loan off (later payments are recoveries); takes an Idempotency-Key",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def write_off(
        self,
        loan_id: uuid.UUID,
        data: JSONBody[WriteOffRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
        idempotency: IdempotencyHeader,
    ) -> LoanEventResponse:
        """Writes the loan off; later payments are booked as recoveries."""
        receipt = await uc.write_off(
            loan_id,
            value_date=data.value_date,
            reason=data.reason,
            actor=request.user,
            idempotency=idempotency_key(request.user, idempotency, data, operation=f"writeOffLoan:{loan_id}"),
            uow=services.uow(),
            today=services.today(),
        )
        return _event_response(receipt)

    @post(
        "/{loan_id:uuid}/reschedules",
        guards=[allow(*OFFICERS)],
        operation_id="rescheduleLoan",
        summary="Replace the open instalments by a new schedule (or defer them); takes an Idempotency-Key",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def reschedule(
        self,
        loan_id: uuid.UUID,
        data: JSONBody[RescheduleRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
        idempotency: IdempotencyHeader,
    ) -> LoanEventResponse:
        """Replaces the open instalments with a new schedule or defers them, within the product and the
        law; answers the new TAEG."""
        rate = (
            None
            if data.annual_interest_rate is None
            else decimal_of(
                data.annual_interest_rate, "annual_interest_rate", low=Decimal(0), high=Decimal(100), places=6
            )
        )
        receipt = await uc.reschedule(
            loan_id,
            uc.RescheduleCommand(
                value_date=data.value_date,
                number_of_installments=data.number_of_installments,
                first_due_date=data.first_due_date,
                reason=data.reason,
                annual_interest_rate=rate,
                principal_grace_installments=data.principal_grace_installments,
                interest_grace_installments=data.interest_grace_installments,
            ),
            actor=request.user,
            idempotency=idempotency_key(request.user, idempotency, data, operation=f"rescheduleLoan:{loan_id}"),
            uow=services.uow(),
            today=services.today(),
        )
        return _event_response(receipt)

    @get(
        "/{loan_id:uuid}/schedule",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="getLoanSchedule",
        opt=audited("loan_schedule"),
        summary="The schedule with what is paid, due and late per instalment, and the loan's transactions",
        responses=problems(400, 401, 403, 404),
    )
    async def schedule(
        self, loan_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> LoanScheduleResponse:
        """Each instalment with what is paid, due and late, the transactions posted and the earlier
        schedules after a reschedule."""
        document = await uc.schedule_document(loan_id, actor=request.user, uow=services.uow())
        # Rendered by PostgreSQL in the shape of LoanScheduleResponse, which documents the route
        # (tests check the two agree, see schedule_response for the same built in Python).
        return cast(LoanScheduleResponse, msgspec.Raw(document.encode()))

    @get(
        "/{loan_id:uuid}/payoff",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="getLoanPayoff",
        summary="What paying the loan off on a date costs (exactly what that payment would settle)",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def payoff(
        self,
        loan_id: uuid.UUID,
        services: NamedDependency[Services],
        request: AuthedRequest,
        on: Annotated[date | None, QueryParameter(description="the payoff date; today by default")] = None,
    ) -> PayoffResponse:
        """The amount that closes the loan if paid on the date given (today by default), split into
        principal, interest and fees."""
        today = services.today()
        quote, currency = await uc.payoff(loan_id, on or today, actor=request.user, uow=services.uow(), today=today)
        return PayoffResponse(
            on=quote.on,
            currency=currency,
            amount=quote.amount,
            principal=quote.principal,
            interest=quote.interest,
            fees=quote.fees,
            penalties=quote.penalties,
            unrecovered=quote.unrecovered,
            credit_balance=quote.credit_balance,
        )
