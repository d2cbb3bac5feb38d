"""Servicing use cases: payments, reversals, write-offs and reschedules of a disbursed loan; its
payoff quote and statement.

Every money-moving change follows one path (``_record``): take the Idempotency-Key, lock the
loan, add the event, replay the whole history (domain.servicing), post the one ledger
transaction that brings the loan's accounts to the replayed state, write that state down, add an
outbox event, store the receipt for replays, commit. So a back-dated payment or a reversal is just
another event, and the ledger, the stored state and the replay cannot disagree.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import msgspec

from domain.errors import Conflict, NotFound, RuleViolation
from domain.identity.model import Principal, may_see_loan
from domain.ids import new_id
from domain.ledger.servicing import servicing_transaction
from domain.loans.events import (
    LoanEvent,
    LoanWrittenOff,
    PaymentRecorded,
    PaymentReversed,
    Rescheduled,
    facts_of,
)
from domain.loans.model import Loan
from domain.money import AMOUNT_LIMIT, decimals, is_in_minor_unit, quantize
from domain.origination.eligibility import newest_in_force_ceiling, newest_in_force_threshold
from domain.products.policies import check_reschedule, check_usury
from domain.schedules import ScheduleTerms, build_schedule
from domain.servicing import LoanState, PaymentChannel, PayoffQuote, payoff_quote, state_and_payoff, state_as_of
from service.kernel.idempotency import IdempotencyKey
from service.servicing.ports import (
    EventReceipt,
    LoanStatement,
    ReceiptAllocation,
    ReceiptLoan,
    ServicedLoan,
    ServicingUnitOfWork,
)

PAYOFF_HORIZON = timedelta(days=366)


@dataclass(frozen=True, kw_only=True)
class PaymentCommand:
    amount: Decimal
    # The currency the client named (the API's ``amount.currency``), refused unless the loan's; None
    # takes the loan's own (the officers' form asks for an amount only), read with the loan.
    currency: str | None
    value_date: date
    channel: PaymentChannel
    external_reference: str | None = None
    # More than the payoff plus ``overpayment_margin`` is taken only when the client confirms it.
    confirm_overpayment: bool = False
    overpayment_margin: Decimal = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class RescheduleCommand:
    """A new schedule from ``value_date`` for the principal owed that day: ``number_of_installments``
    from ``first_due_date`` at the product's frequency, at the loan's rate unless another is given.
    A deferral is a reschedule with principal grace (interest only) or interest grace (deferred)."""

    value_date: date
    number_of_installments: int
    first_due_date: date
    reason: str
    annual_interest_rate: Decimal | None = None
    principal_grace_installments: int = 0
    interest_grace_installments: int = 0


Build = Callable[[ServicedLoan, int, date], Awaitable[LoanEvent]]
# Refuses a new payment, given the payoff it met on its value date and the loan's currency.
PayoffCheck = Callable[[PayoffQuote, str], None]


def _replay(
    loan: Loan, events: tuple[LoanEvent, ...], as_of: date, *, payoff_check: PayoffCheck | None = None
) -> LoanState:
    """The loan replayed as of ``as_of``. With ``payoff_check``, the last event is a new payment and
    the check sees the payoff that payment met, from this same replay (one replay, not two)."""
    schedule, terms, replayed = loan.installments, loan.servicing_terms, [e.as_servicing_event() for e in events]
    as_of = max(as_of, loan.disbursed_on)
    if payoff_check is None:
        return state_as_of(schedule, terms, replayed, as_of, disbursed_on=loan.disbursed_on)
    state, payoff = state_and_payoff(
        schedule, terms, replayed, as_of, disbursed_on=loan.disbursed_on, payment_id=events[-1].id
    )
    payoff_check(payoff, loan.currency)
    return state


def _payoff(serviced: ServicedLoan, on: date) -> PayoffQuote:
    loan = serviced.loan
    return payoff_quote(
        loan.installments,
        loan.servicing_terms,
        [e.as_servicing_event() for e in serviced.events],
        on,
        disbursed_on=loan.disbursed_on,
    )


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _receipt(event: LoanEvent, state: LoanState) -> EventReceipt:
    """What the client is told, stored with the Idempotency-Key so that a retry gets the same."""
    facts = facts_of(event)
    return EventReceipt(
        id=event.id,
        loan_id=event.loan_id,
        sequence=event.sequence,
        kind=event.kind.value,
        value_date=event.value_date,
        amount=facts.amount,
        currency=state.currency,
        channel=facts.channel.value if facts.channel else None,
        external_reference=facts.external_reference,
        reverses_id=facts.reverses_id,
        reason=facts.reason,
        apr=facts.apr,
        ledger_transaction_id=event.ledger_transaction_id,
        allocations=[
            ReceiptAllocation(a.installment, a.component.value, a.amount, a.applied_on)
            for a in state.allocations
            if a.payment_id == event.id
        ],
        loan=ReceiptLoan(
            status="written_off" if state.written_off_on else "closed" if state.closed else "active",
            as_of=state.as_of,
            outstanding_principal=state.outstanding_principal,
            credit_balance=state.credit_balance,
            total_due=state.total_due,
            days_past_due=state.days_past_due,
            arrears_bucket=state.arrears_bucket,
            closed_on=state.closed_on,
            written_off_on=state.written_off_on,
        ),
    )


def _check_fits(state: LoanState, field: str) -> None:
    """Balances and instalments are sums of what clients sent (payments, a reschedule's terms):
    refuse the event, naming ``field``, rather than overflow an amount column (a 500)."""
    largest = max(
        (
            max(i.outstanding, i.principal_due + i.interest_due + i.fees_due + i.penalties_due)
            for i in state.installments
        ),
        default=Decimal(0),
    )
    if max(state.credit_balance, largest) >= AMOUNT_LIMIT:
        raise RuleViolation(
            f"the loan's balances and instalments stay below {AMOUNT_LIMIT:,}", code="money.too_large", field=field
        )


async def _settle(
    uow: ServicingUnitOfWork,
    serviced: ServicedLoan,
    events: tuple[LoanEvent, ...],
    *,
    as_of: date,
    kind: str,
    value_date: date,
    overflow_field: str = "amount.amount",
    payoff_check: PayoffCheck | None = None,
) -> tuple[LoanState, uuid.UUID | None]:
    """Replay ``events`` as of ``as_of``, post the one ledger transaction that brings the loan's
    accounts to that state (none when nothing moved), and write the state down."""
    loan = serviced.loan
    state = _replay(loan, events, as_of, payoff_check=payoff_check)
    _check_fits(state, overflow_field)
    transaction = servicing_transaction(
        new_id(),
        loan.id,
        kind=kind,
        value_date=value_date,
        posted=await uow.servicing.posted_balances(loan.id),
        state=state,
    )
    if transaction is not None:
        await uow.ledger.post(transaction)
    await uow.servicing.write_state(loan, state, serviced.stored, len(events))
    return state, None if transaction is None else transaction.id


async def _record(
    loan_id: uuid.UUID,
    build: Build,
    *,
    actor: Principal,
    idempotency: IdempotencyKey,
    uow: ServicingUnitOfWork,
    today: date,
    overflow_field: str = "amount.amount",
    payoff_check: PayoffCheck | None = None,
) -> EventReceipt:
    async with uow:
        stored = await uow.idempotency.begin(idempotency.scope, idempotency.key, idempotency.request_hash)
        if stored is not None:
            return msgspec.convert(stored, EventReceipt)
        serviced = await uow.servicing.lock(loan_id)
        if serviced is None:
            raise NotFound("loan not found", code="loan.not_found")
        event = await build(serviced, _next_sequence(serviced), today)
        loan = serviced.loan
        state, transaction_id = await _settle(
            uow,
            serviced,
            (*serviced.events, event),
            as_of=today,
            kind=event.kind.value,
            value_date=event.value_date,
            overflow_field=overflow_field,
            payoff_check=payoff_check,
        )
        event = dataclasses.replace(event, ledger_transaction_id=transaction_id)
        await uow.servicing.add_event(event)
        receipt = _receipt(event, state)
        await uow.outbox.add(
            f"loan.{event.kind.value}",
            loan.id,
            {
                "loan_id": str(loan.id),
                "event_id": str(event.id),
                "kind": event.kind.value,
                "value_date": event.value_date.isoformat(),
                "amount": _money(facts_of(event).amount),
                "currency": loan.currency,
            },
        )
        stored_receipt = msgspec.to_builtins(receipt)
        await uow.idempotency.record(
            idempotency.scope, idempotency.key, idempotency.request_hash, stored_receipt, subject=loan.applicant_id
        )
        await uow.commit()
        return receipt


def _recorded(loan_id: uuid.UUID, sequence: int, value_date: date, actor: Principal) -> dict[str, Any]:
    """What every new event records besides its own facts."""
    return {
        "id": new_id(),
        "loan_id": loan_id,
        "sequence": sequence,
        "value_date": value_date,
        "recorded_by": actor.subject_id,
    }


def _check_value_date(value_date: date, loan: Loan, today: date, *, not_before: date | None = None) -> None:
    earliest = max(loan.disbursed_on, not_before or loan.disbursed_on)
    if not earliest <= value_date <= today:
        raise RuleViolation(
            f"must be between {earliest.isoformat()} and today", code="servicing.invalid_value_date", field="value_date"
        )


def _last_event_date(serviced: ServicedLoan) -> date:
    return max((e.value_date for e in serviced.events), default=serviced.loan.disbursed_on)


def _payment_event(
    serviced: ServicedLoan, sequence: int, command: PaymentCommand, *, actor: Principal, today: date
) -> LoanEvent:
    """The payment ``command`` asks for, checked against the loan (currency, amount, value date;
    above the payoff without confirmation: ``_overpayment_check``, once replayed): the one rule set
    of recording and previewing it."""
    loan = serviced.loan
    if command.currency is not None and command.currency != loan.currency:
        raise RuleViolation(
            f"must be the loan's currency, {loan.currency}", code="money.currency_mismatch", field="currency"
        )
    if command.amount <= 0:
        raise RuleViolation("must be more than zero", code="servicing.invalid_amount", field="amount")
    if not is_in_minor_unit(command.amount, loan.currency):
        raise RuleViolation(
            f"{loan.currency} has {decimals(loan.currency)} decimals at most",
            code="money.too_many_decimals",
            field="amount",
        )
    _check_value_date(command.value_date, loan, today)
    return PaymentRecorded(
        **_recorded(loan.id, sequence, command.value_date, actor),
        amount=quantize(command.amount, loan.currency),
        channel=command.channel,
        external_reference=command.external_reference,
    )


def _overpayment_check(command: PaymentCommand) -> PayoffCheck | None:
    """More than the payoff of the value date plus the margin is refused unless confirmed (none when
    the amount is within the margin: it cannot exceed the payoff plus the margin)."""
    if command.confirm_overpayment or command.amount <= command.overpayment_margin:
        return None

    def check(payoff: PayoffQuote, currency: str) -> None:
        if command.amount > payoff.amount + command.overpayment_margin:
            raise RuleViolation(
                f"{command.amount} is more than the payoff on {command.value_date.isoformat()} ({payoff.amount} "
                f"{currency}) plus {command.overpayment_margin}: confirm the overpayment to record it",
                code="payment.above_payoff",
                field="confirm_overpayment",
            )

    return check


def _next_sequence(serviced: ServicedLoan) -> int:
    return max((e.sequence for e in serviced.events), default=0) + 1


async def record_payment(
    loan_id: uuid.UUID,
    command: PaymentCommand,
    *,
    actor: Principal,
    idempotency: IdempotencyKey,
    uow: ServicingUnitOfWork,
    today: date,
) -> EventReceipt:
    """A payment, possibly back-dated (the replay re-allocates everything after its value date).
    On a written-off loan it is a recovery; on a closed one it is kept as a credit owed back."""

    async def build(serviced: ServicedLoan, sequence: int, today: date) -> LoanEvent:
        return _payment_event(serviced, sequence, command, actor=actor, today=today)

    return await _record(
        loan_id,
        build,
        actor=actor,
        idempotency=idempotency,
        uow=uow,
        today=today,
        payoff_check=_overpayment_check(command),
    )


async def preview_payment(
    loan_id: uuid.UUID, command: PaymentCommand, *, actor: Principal, uow: ServicingUnitOfWork, today: date
) -> EventReceipt:
    """How ``command`` would be allocated if it were recorded now, and the loan after it: the same
    checks and replay as ``record_payment``, nothing written (no event, ledger entry or key). The
    answer has the receipt's shape, without an id, sequence or ledger transaction."""
    async with uow:
        serviced = await uow.servicing.lock(loan_id, for_update=False)
        if serviced is None:
            raise NotFound("loan not found", code="loan.not_found")
        event = _payment_event(serviced, _next_sequence(serviced), command, actor=actor, today=today)
        state = _replay(serviced.loan, (*serviced.events, event), today, payoff_check=_overpayment_check(command))
        _check_fits(state, "amount.amount")
        return _receipt(event, state)


async def reverse_payment(
    loan_id: uuid.UUID,
    payment_id: uuid.UUID,
    *,
    value_date: date,
    reason: str,
    actor: Principal,
    idempotency: IdempotencyKey,
    uow: ServicingUnitOfWork,
    today: date,
) -> EventReceipt:
    """A payment that did not happen after all (a rejected direct debit): from its value date on,
    the loan is replayed without it."""

    async def build(serviced: ServicedLoan, sequence: int, today: date) -> LoanEvent:
        payment = next((e for e in serviced.events if e.id == payment_id and isinstance(e, PaymentRecorded)), None)
        if payment is None:
            raise NotFound("payment not found on this loan", code="payment.not_found")
        if any(isinstance(e, PaymentReversed) and e.reverses_id == payment_id for e in serviced.events):
            raise Conflict("this payment is already reversed", code="payment.already_reversed")
        _check_value_date(value_date, serviced.loan, today, not_before=payment.value_date)
        return PaymentReversed(
            **_recorded(serviced.loan.id, sequence, value_date, actor), reverses_id=payment_id, reason=reason
        )

    return await _record(loan_id, build, actor=actor, idempotency=idempotency, uow=uow, today=today)


def _require_active(serviced: ServicedLoan, today: date, action: str) -> LoanState:
    state = _replay(serviced.loan, serviced.events, today)
    if state.written_off_on or state.closed:
        status = "written off" if state.written_off_on else "repaid"
        raise Conflict(f"cannot {action} a loan that is {status}", code="loan.not_active")
    return state


async def write_off(
    loan_id: uuid.UUID,
    *,
    value_date: date,
    reason: str,
    actor: Principal,
    idempotency: IdempotencyKey,
    uow: ServicingUnitOfWork,
    today: date,
) -> EventReceipt:
    """Write off what is owed on ``value_date``; later payments are recoveries. Not before the
    loan's last event (history is not rewritten under a write-off)."""

    async def build(serviced: ServicedLoan, sequence: int, today: date) -> LoanEvent:
        _require_active(serviced, today, "write off")
        _check_value_date(value_date, serviced.loan, today, not_before=_last_event_date(serviced))
        return LoanWrittenOff(**_recorded(serviced.loan.id, sequence, value_date, actor), reason=reason)

    return await _record(loan_id, build, actor=actor, idempotency=idempotency, uow=uow, today=today)


async def reschedule(
    loan_id: uuid.UUID,
    command: RescheduleCommand,
    *,
    actor: Principal,
    idempotency: IdempotencyKey,
    uow: ServicingUnitOfWork,
    today: date,
) -> EventReceipt:
    """Replace the open instalments by a new schedule for the principal owed on the value date;
    arrears of interest, fees and penalties are carried to the first new instalment (see
    domain.servicing.Reschedule). The old instalments stay, marked rescheduled."""

    async def build(serviced: ServicedLoan, sequence: int, today: date) -> LoanEvent:
        loan = serviced.loan
        _require_active(serviced, today, "reschedule")
        _check_value_date(command.value_date, loan, today, not_before=_last_event_date(serviced))
        owed = _replay(loan, serviced.events, command.value_date).outstanding_principal
        if owed <= 0:
            raise Conflict("no principal is left to reschedule", code="loan.nothing_to_reschedule")
        if command.first_due_date <= command.value_date:
            raise RuleViolation(
                "must be after the value date", code="servicing.invalid_schedule", field="first_due_date"
            )
        rate = loan.annual_interest_rate if command.annual_interest_rate is None else command.annual_interest_rate
        version = await uow.products.version(loan.product_id, loan.product_version)
        assert version is not None  # a loan keeps its product version
        terms = version.terms
        legal = uow.legal_data
        check_reschedule(
            terms,
            disbursed_on=loan.disbursed_on,
            starts_on=command.value_date,
            first_due_date=command.first_due_date,
            installments=command.number_of_installments,
            principal_grace=command.principal_grace_installments,
            interest_grace=command.interest_grace_installments,
            annual_interest_rate=rate,
            ceiling=newest_in_force_ceiling(list(await legal.ceilings()), terms.category, loan.currency, today),
        )
        new_terms = ScheduleTerms(
            principal=owed,
            currency=loan.currency,
            annual_interest_rate=rate,
            number_of_installments=command.number_of_installments,
            disbursement_date=command.value_date,
            first_due_date=command.first_due_date,
            repayment_every=terms.repayment_every,
            repayment_unit=terms.repayment_unit,
            interest_method=terms.interest_method,
            amortization=terms.amortization,
            interest_period=terms.interest_period,
            day_count=terms.day_count,
            principal_grace_installments=command.principal_grace_installments,
            interest_grace_installments=command.interest_grace_installments,
            rounding=terms.rounding,
            installment_multiple=terms.installment_multiple,
        )
        schedule = build_schedule(new_terms)
        # A personal loan's new TAEG stays within the usury rate in force for what is owed.
        threshold = newest_in_force_threshold(
            list(await legal.usury_thresholds()), terms.category, loan.currency, owed, today
        )
        check_usury(terms, schedule.apr, threshold)
        return Rescheduled(
            **_recorded(loan.id, sequence, command.value_date, actor),
            reason=command.reason,
            installments=schedule.installments,
            annual_interest_rate=rate,  # the amendment's terms, shown on the borrower's documents
            apr=schedule.apr,
        )

    return await _record(
        loan_id,
        build,
        actor=actor,
        idempotency=idempotency,
        uow=uow,
        today=today,
        overflow_field="number_of_installments",
    )


async def payoff(
    loan_id: uuid.UUID, on: date, *, actor: Principal, uow: ServicingUnitOfWork, today: date
) -> tuple[PayoffQuote, str]:
    """What paying the loan off on ``on`` costs: exactly what a payment of that amount, value-dated
    ``on`` and recorded after everything else, settles (see domain.servicing.payoff_quote)."""
    async with uow:
        serviced = await uow.servicing.lock(loan_id, for_update=False)
        if serviced is None or not may_see_loan(actor, serviced.borrower_id):
            raise NotFound("loan not found", code="loan.not_found")
        loan = serviced.loan
        if not loan.disbursed_on <= on <= today + PAYOFF_HORIZON:
            raise RuleViolation(
                f"must be between the disbursement and {(today + PAYOFF_HORIZON).isoformat()}",
                code="servicing.invalid_payoff_date",
                field="on",
            )
        return _payoff(serviced, on), loan.currency


async def statement(loan_id: uuid.UUID, *, actor: Principal, uow: ServicingUnitOfWork) -> LoanStatement:
    """The schedule with what is paid, due and late per instalment, and the loan's transactions."""
    async with uow:
        found = await uow.servicing.statement(loan_id)
        if found is None or not may_see_loan(actor, found.loan.borrower_id):
            raise NotFound("loan not found", code="loan.not_found")
        return found


async def schedule_document(loan_id: uuid.UUID, *, actor: Principal, uow: ServicingUnitOfWork) -> str:
    """``statement`` as the JSON document the API sends (one statement, rendered by the database)."""
    async with uow:
        found = await uow.servicing.schedule_document(loan_id)
        if found is None or not may_see_loan(actor, found.borrower_id):
            raise NotFound("loan not found", code="loan.not_found")
        return found.json


async def refresh_loan_state(
    loan_id: uuid.UUID, as_of: date, *, uow_factory: Callable[[], ServicingUnitOfWork]
) -> None:
    """Replay a loan as of ``as_of`` and write its state (the close of business calls this when a
    credit pays an instalment on its due date: that moves money, so the ledger follows too)."""
    async with uow_factory() as uow:
        serviced = await uow.servicing.lock(loan_id)
        if serviced is None:
            return
        await _settle(uow, serviced, serviced.events, as_of=as_of, kind="credit_application", value_date=as_of)
        await uow.commit()
