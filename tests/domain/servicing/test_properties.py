"""Properties of the replay that must hold for any schedule, servicing terms and history."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.money import RoundingMode
from domain.schedules import (
    Amortization,
    DayCount,
    Fee,
    FeeCollection,
    Installment,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
    ScheduleTerms,
    add_period,
    build_schedule,
)
from domain.schedules.validation import latest_first_due_date
from domain.servicing import (
    REPAYABLE,
    Event,
    LoanState,
    Overpayment,
    Payment,
    PaymentChannel,
    Reschedule,
    Reversal,
    ServicingTerms,
    WriteOff,
    payoff_amount,
    payoff_quote,
    state_and_payoff,
    state_as_of,
)

D = Decimal
PROPERTY = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda units: D(units).scaleb(-2))


@dataclass(frozen=True)
class Loan:
    schedule: tuple[Installment, ...]
    disbursed_on: date
    terms: ServicingTerms

    @property
    def end(self) -> date:
        return self.schedule[-1].due_date

    def state(self, events: list[Event], as_of: date) -> LoanState:
        return state_as_of(self.schedule, self.terms, events, as_of, disbursed_on=self.disbursed_on)

    def payoff(self, events: list[Event], on: date) -> Decimal:
        return payoff_amount(self.schedule, self.terms, events, on, disbursed_on=self.disbursed_on)


@st.composite
def loans(draw: st.DrawFn) -> Loan:
    principal = draw(cents(100_00, 20_000_00))
    n = draw(st.integers(1, 24))
    disbursed = draw(st.dates(date(2024, 1, 1), date(2028, 12, 31)))
    fees = draw(st.lists(cents(0, 500).map(lambda p: Fee("fee", FeeCollection.ADDED_TO_INSTALLMENTS, p)), max_size=1))
    unit = draw(st.sampled_from([RepaymentUnit.MONTH, RepaymentUnit.WEEK]))
    schedule = build_schedule(
        ScheduleTerms(
            principal=principal,
            currency="EUR",
            annual_interest_rate=draw(cents(0, 3000)),
            number_of_installments=n,
            disbursement_date=disbursed,
            first_due_date=disbursed
            + timedelta(days=draw(st.integers(7, (latest_first_due_date(disbursed, 1, unit) - disbursed).days))),
            repayment_unit=unit,
            interest_method=draw(st.sampled_from(InterestMethod)),
            amortization=draw(st.sampled_from(Amortization)),
            interest_period=draw(st.sampled_from(InterestPeriod)),
            day_count=draw(st.sampled_from(DayCount)),
            principal_grace_installments=draw(st.integers(0, min(2, n - 1))),
            interest_grace_installments=draw(st.integers(0, min(2, n - 1))),
            installment_multiple=draw(st.sampled_from([D("0.01"), D("1.00")])),
            fees=tuple(fees),
        )
    ).installments
    servicing = ServicingTerms(
        currency="EUR",
        allocation_order=draw(st.permutations(REPAYABLE).map(tuple)),
        overpayment=draw(st.sampled_from(Overpayment)),
        grace_days_before_late=draw(st.integers(0, 10)),
        late_fee=draw(cents(0, 20_00)),
        penalty_annual_rate=draw(cents(0, 2500)),
        rounding=draw(st.sampled_from(RoundingMode)),
    )
    return Loan(schedule, disbursed, servicing)


@st.composite
def payments(draw: st.DrawFn, loan: Loan, *, max_size: int = 8, distinct_dates: bool = False) -> list[Payment]:
    """Payments with distinct sequence numbers in a random recording order."""
    span = (loan.end - loan.disbursed_on).days + 60
    offsets = st.integers(0, span)
    days = draw(st.lists(offsets, max_size=max_size, unique=distinct_dates))
    totals = [i.total for i in loan.schedule]
    amounts = st.one_of(st.sampled_from(totals).filter(lambda t: t > 0), cents(1, int(max(totals) * 300)))
    sequences = draw(st.permutations(range(1, len(days) + 1)))
    return [
        Payment(
            sequence=sequence,
            value_date=loan.disbursed_on + timedelta(days=day),
            id=uuid.UUID(int=index + 1),
            amount=draw(amounts),
            channel=PaymentChannel.TRANSFER,
        )
        for index, (day, sequence) in enumerate(zip(days, sequences))
    ]


@st.composite
def histories(draw: st.DrawFn, loan: Loan) -> list[Event]:
    """Payments, some reversed a few days later, sometimes a write-off."""
    events: list[Event] = list(draw(payments(loan)))
    sequence = itertools.count(len(events) + 1)
    for payment in list(events):
        if draw(st.booleans()) and draw(st.booleans()):
            assert isinstance(payment, Payment)
            later = payment.value_date + timedelta(days=draw(st.integers(0, 10)))
            events.append(Reversal(sequence=next(sequence), value_date=later, payment_id=payment.id))
    if draw(st.integers(0, 4)) == 0:
        events.append(draw(reschedules(loan, events, next(sequence))))
    if draw(st.integers(0, 5)) == 0:
        on = loan.disbursed_on + timedelta(days=draw(st.integers(0, (loan.end - loan.disbursed_on).days + 90)))
        events.append(WriteOff(sequence=next(sequence), value_date=on, reason="test"))
    return events


@st.composite
def reschedules(draw: st.DrawFn, loan: Loan, events: list[Event], sequence: int) -> Reschedule:
    """A new monthly schedule from a date, for the principal owed then (as a use case would)."""
    on = loan.disbursed_on + timedelta(days=draw(st.integers(1, (loan.end - loan.disbursed_on).days + 30)))
    owed = loan.state(events, on).outstanding_principal
    count = draw(st.integers(1, 12))
    share = (owed / count).quantize(D("0.01"), rounding=ROUND_DOWN)
    first_due = on + timedelta(days=draw(st.integers(1, 40)))
    new = []
    for k in range(count):
        principal = share if k < count - 1 else owed - share * (count - 1)
        interest = draw(cents(0, 50_00))
        due = add_period(first_due, 1, RepaymentUnit.MONTH, k)
        new.append(Installment(k + 1, due, principal, interest, D("0.00"), principal + interest, D(0)))
    return Reschedule(sequence=sequence, value_date=on, installments=tuple(new), reason="test")


def as_of_dates(loan: Loan) -> st.SearchStrategy[date]:
    return st.integers(0, (loan.end - loan.disbursed_on).days + 120).map(lambda d: loan.disbursed_on + timedelta(d))


def amounts_of(loan_state: LoanState) -> list[Decimal]:
    figures = [
        loan_state.credit_balance,
        loan_state.outstanding_principal,
        loan_state.total_due,
        loan_state.total_overdue,
        loan_state.prepaid_principal,
        loan_state.written_off_total,
        loan_state.recoveries,
        *(a.amount for a in loan_state.allocations),
    ]
    for i in loan_state.installments:
        figures += [i.principal_due, i.interest_due, i.fees_due, i.penalties_due, i.outstanding]
        figures += [i.principal_paid, i.interest_paid, i.fees_paid, i.penalties_paid, i.written_off, i.rescheduled]
    return figures


@PROPERTY
@given(data=st.data())
def test_every_payment_is_accounted_for_and_nothing_is_negative(data: st.DataObject) -> None:
    loan = data.draw(loans())
    events = data.draw(histories(loan))
    as_of = data.draw(as_of_dates(loan))

    result = loan.state(events, as_of)

    reversed_ids = {e.payment_id for e in events if isinstance(e, Reversal) and e.value_date <= as_of}
    received = sum(
        (e.amount for e in events if isinstance(e, Payment) and e.value_date <= as_of and e.id not in reversed_ids),
        D(0),
    )
    assert (
        sum((a.amount for a in result.allocations), D(0)) + result.credit_balance == received == result.total_received
    )
    assert all(amount >= 0 for amount in amounts_of(result))
    assert all(a.amount > 0 for a in result.allocations)
    for i in result.installments:
        paid = i.principal_paid + i.interest_paid + i.fees_paid + i.penalties_paid
        due = i.principal_due + i.interest_due + i.fees_due + i.penalties_due
        assert i.outstanding == due - paid - i.written_off - i.rescheduled
    principal_paid = sum((i.principal_paid for i in result.installments), D(0))
    total_principal = sum((i.principal for i in loan.schedule), D(0))
    assert principal_paid + result.prepaid_principal + result.outstanding_principal + result.written_off_principal == (
        total_principal
    )


@PROPERTY
@given(data=st.data())
def test_more_payments_never_raise_the_outstanding_principal(data: st.DataObject) -> None:
    loan = data.draw(loans())
    history: list[Event] = list(data.draw(payments(loan)))
    extra = data.draw(payments(loan, max_size=1).filter(bool))[0]
    as_of = data.draw(as_of_dates(loan))
    extra = replace(extra, sequence=len(history) + 1, id=uuid.UUID(int=999))

    without = loan.state(history, as_of).outstanding_principal
    with_extra = loan.state([*history, extra], as_of).outstanding_principal

    assert with_extra <= without
    chronological = sorted(history, key=lambda e: (e.value_date, e.sequence))
    principal = [loan.state(chronological[:k], as_of).outstanding_principal for k in range(len(history) + 1)]
    assert principal == sorted(principal, reverse=True)


@PROPERTY
@given(data=st.data())
def test_the_state_does_not_depend_on_the_recording_order_of_events(data: st.DataObject) -> None:
    loan = data.draw(loans())
    history = data.draw(payments(loan, distinct_dates=True))
    reshuffled = data.draw(st.permutations(range(1, len(history) + 1)))
    as_of = data.draw(as_of_dates(loan))

    recorded_otherwise: list[Event] = [replace(p, sequence=s) for p, s in zip(history, reshuffled)]

    assert loan.state(list(history), as_of) == loan.state(recorded_otherwise, as_of)


@PROPERTY
@given(data=st.data())
def test_paying_the_payoff_amount_settles_the_loan_exactly(data: st.DataObject) -> None:
    loan = data.draw(loans())
    history = data.draw(histories(loan))
    on = data.draw(as_of_dates(loan))

    amount = loan.payoff(history, on)
    before = loan.state(history, on)
    if amount == 0:
        assert before.closed or before.written_off_total == before.recoveries
        return
    payment = Payment(
        sequence=10_000, value_date=on, id=uuid.UUID(int=10_000), amount=amount, channel=PaymentChannel.CARD
    )
    after = loan.state([*history, payment], on)

    assert after.credit_balance == 0
    assert after.outstanding_principal == 0 and after.total_due == 0
    assert all(i.outstanding == 0 for i in after.installments)
    if before.written_off_on is None:
        assert after.closed and after.closed_on == on
    else:
        assert after.recoveries == after.written_off_total
    # Any amount short of the payoff leaves something owed.
    short = replace(payment, amount=amount - D("0.01"))
    if short.amount > 0:
        assert loan.payoff([*history, short], on) == D("0.01")


@PROPERTY
@given(data=st.data())
def test_reversing_every_payment_is_the_same_as_no_payment(data: st.DataObject) -> None:
    loan = data.draw(loans())
    history = data.draw(payments(loan))
    as_of = data.draw(as_of_dates(loan))
    latest = max((p.value_date for p in history), default=loan.disbursed_on)
    on = data.draw(st.dates(latest, latest + timedelta(days=30)))
    reversals = [Reversal(sequence=100 + p.sequence, value_date=on, payment_id=p.id) for p in history]

    assert loan.state([*history, *reversals], max(as_of, on)) == loan.state([], max(as_of, on))


@PROPERTY
@given(data=st.data())
def test_a_payment_meets_the_payoff_of_its_date_in_the_replay_that_records_it(data: st.DataObject) -> None:
    """``state_and_payoff`` replays once what ``state_as_of`` and ``payoff_quote`` replay twice: the
    same state, and the payoff of the events before the payment (without the payments whose reversal
    is dated by ``as_of``: the replay leaves them out altogether)."""
    loan = data.draw(loans())
    history = data.draw(histories(loan))
    on = data.draw(as_of_dates(loan))
    as_of = on + timedelta(days=data.draw(st.integers(0, 60)))
    amount = data.draw(cents(1, 400_000_00))
    payment = Payment(
        sequence=10_000, value_date=on, id=uuid.UUID(int=10_000), amount=amount, channel=PaymentChannel.CARD
    )
    events = [*history, payment]

    state, quote = state_and_payoff(
        loan.schedule, loan.terms, events, as_of, disbursed_on=loan.disbursed_on, payment_id=payment.id
    )

    assert state == loan.state(events, as_of)
    gone = {e.payment_id for e in history if isinstance(e, Reversal) and e.value_date <= as_of}
    known = [e for e in history if not (isinstance(e, Reversal | Payment) and _paid_by(e) in gone)]
    assert quote == payoff_quote(loan.schedule, loan.terms, known, on, disbursed_on=loan.disbursed_on)


def _paid_by(event: Event) -> uuid.UUID:
    return event.payment_id if isinstance(event, Reversal) else event.id  # type: ignore[union-attr]
