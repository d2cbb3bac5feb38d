"""Worked examples of write-off with recoveries, rescheduling, and histories the replay refuses."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import RuleViolation
from domain.servicing import Component, InstallmentStatus, Reschedule, ServicingTerms, WriteOff
from tests.domain.servicing.builders import D, installment, pay, payoff, pid, reverse, state, terms

FEB_15, MAR_1, APR_1, MAY_1 = date(2026, 2, 15), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
ZERO = D("0.00")
WRITE_OFF = WriteOff(sequence=10, value_date=APR_1, reason="borrower unreachable, business closed")


def test_write_off_moves_what_is_owed_to_written_off_and_stops_accrual() -> None:
    late = terms(penalty_annual_rate=D("0"))
    history = [pay(1, FEB_15, "104.00"), WRITE_OFF]

    loan = state(history, MAY_1, late)

    # March is overdue (103.00); April is not due: its principal and 17/31 of its 1.00 interest.
    assert (loan.written_off_principal, loan.written_off_interest) == (D("200.00"), D("2.55"))
    assert (loan.written_off_fees, loan.written_off_penalties) == (D("1.00"), ZERO)
    assert loan.written_off_total == D("203.55")
    assert loan.written_off_on == APR_1 and not loan.closed
    assert [i.status for i in loan.installments] == [
        InstallmentStatus.PAID,
        InstallmentStatus.WRITTEN_OFF,
        InstallmentStatus.WRITTEN_OFF,
    ]
    assert loan.outstanding_principal == ZERO and loan.total_due == ZERO
    assert (loan.days_past_due, loan.arrears_bucket) == (0, "written_off")
    assert payoff(history, MAY_1, late) == D("203.55")


def test_payments_after_a_write_off_are_recoveries() -> None:
    history = [pay(1, FEB_15, "104.00"), WRITE_OFF, pay(2, MAY_1, "50.00")]

    loan = state(history, MAY_1, terms(penalty_annual_rate=D("10"), late_fee=D("5.00")))

    assert loan.recoveries == D("50.00")
    assert loan.allocations[-1].component is Component.RECOVERY
    assert loan.allocations[-1].installment is None
    assert payoff(history, MAY_1) == D("153.55")
    # Recovering more than was written off leaves the excess as a credit to refund.
    more = state([*history, pay(3, date(2026, 6, 1), "160.00")], date(2026, 6, 1))
    assert more.recoveries == D("203.55") and more.credit_balance == D("6.45")


def test_write_off_applies_the_credit_first() -> None:
    history = [pay(1, FEB_15, "150.00"), WriteOff(sequence=2, value_date=MAR_1, reason="fraud")]

    loan = state(history, MAR_1)

    # 46.00 of credit pays March's interest accrued so far (1.00) and 45.00 of its principal.
    assert loan.credit_balance == ZERO
    assert loan.written_off_principal == D("155.00") and loan.written_off_interest == ZERO


def test_write_off_of_a_loan_already_repaid_writes_off_nothing() -> None:
    history = [pay(1, FEB_15, "304.00"), WriteOff(sequence=2, value_date=MAR_1, reason="late entry")]

    loan = state(history, MAR_1)

    assert loan.closed and loan.written_off_on is None and loan.written_off_total == ZERO


def reschedule(sequence: int = 10) -> Reschedule:
    return Reschedule(
        sequence=sequence,
        value_date=APR_1,
        installments=(
            installment(1, date(2026, 5, 15), "100.00", "1.50", "0.00", "100.00"),
            installment(2, date(2026, 6, 15), "100.00", "0.75", "0.00", "0.00"),
        ),
        reason="seasonal activity",
    )


def test_reschedule_replaces_the_open_instalments_and_carries_the_arrears() -> None:
    history = [pay(1, FEB_15, "104.00"), reschedule()]

    loan = state(history, APR_1)

    assert [(i.number, i.status.value) for i in loan.installments] == [
        (1, "paid"),
        (2, "rescheduled"),
        (3, "rescheduled"),
        (4, "not_due"),
        (5, "not_due"),
    ]
    assert loan.installments[1].rescheduled == D("103.00")
    # Carried to the first new instalment: March's 2.00 + 17/31 of April's 1.00, and March's fee.
    assert (loan.installments[3].interest_due, loan.installments[3].fees_due) == (D("4.05"), D("1.00"))
    assert loan.rescheduled_on == (APR_1,)
    assert loan.days_past_due == 0 and loan.outstanding_principal == D("200.00")

    # Payoff on 1 May: 200.00 + 2.55 carried + 30/44 of 1.50 (1.02) + 1.00 carried fee.
    assert payoff(history, MAY_1) == D("204.57")
    closed = state([*history, pay(2, MAY_1, "204.57")], MAY_1)
    assert closed.closed and closed.credit_balance == ZERO


def test_reschedule_absorbs_a_payment_reversed_after_it_was_drawn_up() -> None:
    direct_debit = pay(1, FEB_15, "104.00")
    # The plan was drawn up on 1 Apr for the 200.00 then owed; on 3 Apr February's debit bounces.
    history = [direct_debit, reschedule(), reverse(11, date(2026, 4, 3), direct_debit)]

    loan = state(history, date(2026, 4, 3))

    # The 100.00 of February's principal owed again goes to the first new instalment, and its
    # fee and interest are carried like any other arrears.
    assert loan.installments[0].status is InstallmentStatus.RESCHEDULED
    assert loan.installments[3].principal_due == D("200.00")
    assert loan.installments[3].interest_due == D("3.00") + D("2.00") + D("0.55") + D("1.50")
    assert loan.installments[3].fees_due == D("2.00")
    assert loan.outstanding_principal == D("300.00")


def test_reschedule_gives_up_principal_from_the_last_instalments_when_less_is_owed() -> None:
    # A payment back-dated to March, recorded after the 1 Apr reschedule: March is paid and
    # 50.00 is kept as credit, so only April's 100.00 of principal was owed on 1 Apr.
    history = [pay(1, FEB_15, "104.00"), reschedule(), pay(11, date(2026, 3, 20), "153.00")]

    loan = state(history, APR_1)

    assert [i.principal_due for i in loan.installments[3:]] == [D("100.00"), ZERO]
    assert loan.outstanding_principal == D("100.00") and loan.credit_balance == D("50.00")


def test_reschedule_of_a_loan_already_repaid_does_nothing() -> None:
    loan = state([pay(1, FEB_15, "304.00"), reschedule()], APR_1)

    assert loan.closed and loan.rescheduled_on == () and len(loan.installments) == 3


@pytest.mark.parametrize(
    ("events", "code"),
    [
        ([pay(1, FEB_15, "10.00"), pay(1, MAR_1, "10.00", number=2)], "servicing.duplicate_sequence"),
        ([pay(1, FEB_15, "10.00"), pay(2, MAR_1, "10.00", number=1)], "servicing.duplicate_payment"),
        ([reverse(2, MAR_1, pay(1, FEB_15, "10.00"))], "servicing.unknown_payment"),
        (
            [
                pay(1, FEB_15, "10.00"),
                reverse(2, MAR_1, pay(1, FEB_15, "10.00")),
                reverse(3, MAR_1, pay(1, FEB_15, "1")),
            ],
            "servicing.already_reversed",
        ),
        ([pay(1, date(2026, 1, 1), "10.00")], "servicing.before_disbursement"),
        ([pay(1, FEB_15, "10.001")], "money.too_many_decimals"),
        ([pay(1, FEB_15, "0.00")], "servicing.invalid_amount"),
        ([pay(1, FEB_15, "-5.00")], "servicing.invalid_amount"),
    ],
)
def test_inconsistent_histories_are_refused(events: list[object], code: str) -> None:
    with pytest.raises(RuleViolation) as error:
        state(events, APR_1)  # type: ignore[arg-type]

    assert error.value.code == code


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"allocation_order": ("principal", "interest", "fees")}, "allocation_order"),
        ({"allocation_order": ("principal", "principal", "fees", "penalties")}, "allocation_order"),
        ({"overpayment": "refund"}, "servicing_terms"),
        ({"grace_days_before_late": -1}, "grace_days_before_late"),
        ({"late_fee": D("1.005")}, "late_fee"),
        ({"penalty_annual_rate": D("-1")}, "penalty_annual_rate"),
        ({"arrears_buckets": (30, 30, 90)}, "arrears_buckets"),
        ({"arrears_buckets": ()}, "arrears_buckets"),
    ],
)
def test_invalid_servicing_terms_are_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(RuleViolation) as error:
        ServicingTerms(currency="EUR", **overrides)  # type: ignore[arg-type]

    assert (error.value.code, error.value.field) == ("servicing.invalid_terms", field)


def test_servicing_terms_accept_the_wire_spelling_of_their_choices() -> None:
    servicing = ServicingTerms(currency="eur", allocation_order=("interest", "principal", "fees", "penalties"))  # type: ignore[arg-type]

    assert servicing.currency == "EUR"
    assert servicing.allocation_order[0] is Component.INTEREST
    assert pid(1) != pid(2)
