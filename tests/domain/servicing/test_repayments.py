"""Worked examples of repayments on the 300.00 loan of ``builders.SCHEDULE``.

Instalments of 15 Feb, 15 Mar and 15 Apr 2026: principal 100.00 each, interest 3.00, 2.00 and
1.00, fees 1.00 each (totals 104.00, 103.00, 102.00). Every figure below is worked out by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.servicing import Component, InstallmentStatus
from tests.domain.servicing.builders import D, paid, pay, payoff, pid, reverse, state, terms

FEB_15, MAR_1, MAR_15, APR_15 = date(2026, 2, 15), date(2026, 3, 1), date(2026, 3, 15), date(2026, 4, 15)
ZERO = D("0.00")


def test_partial_payment_pays_fees_then_interest_then_principal_of_the_oldest_instalment() -> None:
    loan = state([pay(1, FEB_15, "50.00")], FEB_15)

    first = loan.installments[0]
    assert paid(loan, 1) == (ZERO, D("1.00"), D("3.00"), D("46.00"))
    assert first.outstanding == D("54.00")
    assert first.status is InstallmentStatus.PARTIALLY_PAID
    assert loan.installments[1].status is InstallmentStatus.NOT_DUE
    assert loan.outstanding_principal == D("254.00")
    assert loan.total_due == D("54.00") and loan.total_overdue == ZERO
    assert loan.credit_balance == ZERO


def test_allocation_follows_the_product_order() -> None:
    principal_first = terms(allocation_order=("principal", "interest", "fees", "penalties"))

    loan = state([pay(1, FEB_15, "101.50")], FEB_15, principal_first)

    assert paid(loan, 1) == (ZERO, ZERO, D("1.50"), D("100.00"))


def test_payment_across_several_instalments_pays_the_oldest_first_and_keeps_the_rest_as_credit() -> None:
    loan = state([pay(1, MAR_15, "210.00")], MAR_15)

    assert paid(loan, 1) == (ZERO, D("1.00"), D("3.00"), D("100.00"))
    assert paid(loan, 2) == (ZERO, D("1.00"), D("2.00"), D("100.00"))
    assert loan.credit_balance == D("3.00")
    assert [i.status for i in loan.installments] == [
        InstallmentStatus.PAID,
        InstallmentStatus.PAID,
        InstallmentStatus.NOT_DUE,
    ]

    # The credit pays the third instalment on its due date, in allocation order.
    later = state([pay(1, MAR_15, "210.00")], APR_15)
    assert paid(later, 3) == (ZERO, D("1.00"), D("1.00"), D("1.00"))
    assert later.credit_balance == ZERO
    assert later.allocations[-1].applied_on == APR_15
    assert later.allocations[-1].payment_id == pid(1)


def test_late_payment_pays_the_late_fee_and_penalty_interest_for_the_days_beyond_grace() -> None:
    # 36.5 % a year is 0.1 % a day; three days of grace: late from 19 Feb (4 days past due).
    late = terms(grace_days_before_late=3, late_fee=D("5.00"), penalty_annual_rate=D("36.5"))

    within_grace = state([], date(2026, 2, 18), late)
    assert within_grace.installments[0].status is InstallmentStatus.DUE
    assert within_grace.installments[0].days_past_due == 3
    assert within_grace.days_past_due == 0 and within_grace.arrears_bucket == "current"
    assert within_grace.installments[0].penalties_due == ZERO

    first_late_day = state([], date(2026, 2, 19), late)
    assert first_late_day.installments[0].status is InstallmentStatus.LATE
    assert first_late_day.days_past_due == 4 and first_late_day.arrears_bucket == "1-30"
    # 5.00 late fee + 103.00 overdue principal and interest x 0.1 % = 0.103.
    assert first_late_day.installments[0].penalties_due == D("5.10")

    # Paid on 25 Feb: 7 late days (19 to 25 Feb) x 0.103 = 0.721 -> 0.72, plus the 5.00 fee.
    # Paying off that day adds the principal not due and 10/28 of the March interest (0.714 -> 0.71).
    assert payoff([], date(2026, 2, 25), late) == D("104.00") + D("5.72") + D("200.00") + D("0.71")
    loan = state([pay(1, date(2026, 2, 25), "109.72")], date(2026, 2, 25), late)
    assert paid(loan, 1) == (D("5.72"), D("1.00"), D("3.00"), D("100.00"))
    assert loan.installments[0].status is InstallmentStatus.PAID
    assert loan.days_past_due == 0 and loan.credit_balance == ZERO


def test_payment_within_the_grace_days_is_not_charged() -> None:
    late = terms(grace_days_before_late=3, late_fee=D("5.00"), penalty_annual_rate=D("36.5"))

    loan = state([pay(1, date(2026, 2, 18), "104.00")], MAR_1, late)

    assert loan.installments[0].penalties_due == ZERO
    assert loan.installments[0].status is InstallmentStatus.PAID


def test_penalty_stops_on_the_day_of_the_payment_that_cures_the_instalment() -> None:
    late = terms(penalty_annual_rate=D("36.5"))
    history = [pay(1, date(2026, 2, 20), "104.52")]  # 5 late days on 103.00: 0.515 -> 0.52

    loan = state(history, MAR_1, late)

    assert loan.installments[0].penalties_due == D("0.52")
    assert loan.installments[0].status is InstallmentStatus.PAID


def test_partial_late_payment_lowers_the_amount_bearing_penalty_interest() -> None:
    late = terms(penalty_annual_rate=D("36.5"))
    # 16-20 Feb on 103.00 (5 days: 0.515 -> 0.52 paid first, then fees, interest, 45.48 of
    # principal), then 21 Feb - 1 Mar (9 days) on the 54.52 still overdue: one rounding in all.
    loan = state([pay(1, date(2026, 2, 20), "50.00")], MAR_1, late)

    assert paid(loan, 1) == (D("0.52"), D("1.00"), D("3.00"), D("45.48"))
    exact = (D("103.00") * 5 + D("54.52") * 9) / 1000
    assert loan.installments[0].penalties_due == exact.quantize(D("0.01")) == D("1.01")


def test_reversal_of_a_direct_debit_reopens_the_instalment_and_replays_later_payments() -> None:
    late = terms(late_fee=D("5.00"))
    direct_debit = pay(1, FEB_15, "104.00")
    transfer = pay(2, MAR_15, "103.00")
    rejected = reverse(3, date(2026, 2, 20), direct_debit)

    before = state([direct_debit, transfer], MAR_15, late)
    assert [i.status for i in before.installments[:2]] == [InstallmentStatus.PAID, InstallmentStatus.PAID]

    after = state([direct_debit, transfer, rejected], MAR_15, late)
    # The transfer now pays the first instalment, late since 16 Feb, with its late fee.
    assert paid(after, 1) == (D("5.00"), D("1.00"), D("3.00"), D("94.00"))
    assert after.installments[0].status is InstallmentStatus.LATE
    assert after.installments[1].status is InstallmentStatus.DUE
    assert {a.payment_id for a in after.allocations} == {transfer.id}
    assert after.days_past_due == 28
    assert after == state([transfer], MAR_15, late)

    # Before the rejection was value-dated, the direct debit still counted.
    assert state([direct_debit, transfer, rejected], date(2026, 2, 19), late).installments[0].status == "paid"


def test_back_dated_payment_recorded_after_a_later_one_gives_the_same_state_as_in_order() -> None:
    late = terms(late_fee=D("5.00"), penalty_annual_rate=D("20"))
    in_order = [pay(1, date(2026, 2, 20), "60.00"), pay(2, date(2026, 3, 20), "150.00")]
    back_dated = [pay(2, date(2026, 3, 20), "150.00", number=2), pay(3, date(2026, 2, 20), "60.00", number=1)]

    assert state(back_dated, APR_15, late) == state(in_order, APR_15, late)


def test_same_day_events_apply_in_sequence_order() -> None:
    history = [pay(2, FEB_15, "4.00"), pay(1, FEB_15, "100.00")]

    loan = state(history, FEB_15)

    assert [(a.payment_id, a.component) for a in loan.allocations] == [
        (pid(1), Component.FEES),
        (pid(1), Component.INTEREST),
        (pid(1), Component.PRINCIPAL),
        (pid(2), Component.PRINCIPAL),
    ]


def test_money_received_is_always_accounted_for() -> None:
    loan = state([pay(1, FEB_15, "150.00"), pay(2, date(2026, 3, 20), "20.00")], APR_15)

    assert sum(a.amount for a in loan.allocations) + loan.credit_balance == loan.total_received == D("170.00")


def test_zero_decimal_quantities_are_shown_in_the_currency_minor_unit() -> None:
    loan = state([], MAR_1)

    assert str(loan.credit_balance) == "0.00"
    assert str(loan.installments[0].interest_due) == "3.00"
    assert isinstance(loan.installments[0].outstanding, Decimal)
