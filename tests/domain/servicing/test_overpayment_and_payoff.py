"""Worked examples of overpayments under each policy, and of full early repayment (payoff)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP

from domain.schedules import ScheduleTerms, build_schedule
from domain.servicing import Component, InstallmentState, InstallmentStatus, Overpayment, payoff_quote
from tests.domain.servicing.builders import DISBURSED, SCHEDULE, D, installment, paid, pay, payoff, state, terms

FEB_15, MAR_1, MAR_15 = date(2026, 2, 15), date(2026, 3, 1), date(2026, 3, 15)
ZERO = D("0.00")

# 400.00 at 1 % a month, near-annuity instalments of 102.00 (the last takes the remainder).
ANNUITY = (
    installment(1, date(2026, 2, 15), "98.00", "4.00", "0.00", "302.00"),
    installment(2, date(2026, 3, 15), "98.98", "3.02", "0.00", "203.02"),
    installment(3, date(2026, 4, 15), "99.97", "2.03", "0.00", "103.05"),
    installment(4, date(2026, 5, 15), "103.05", "1.03", "0.00", "0.00"),
)


def totals(installments: tuple[InstallmentState, ...]) -> list[tuple[str, str]]:
    return [(str(i.principal_due + i.interest_due + i.fees_due), i.status.value) for i in installments]


def test_overpayment_kept_as_credit_pays_the_next_instalment_when_it_falls_due() -> None:
    history = [pay(1, FEB_15, "150.00")]

    before = state(history, MAR_1)
    assert before.credit_balance == D("46.00")
    # Payoff on 1 Mar: 200.00 principal + 14/28 of the March interest (1.00) - 46.00 of credit.
    assert payoff(history, MAR_1) == D("155.00")

    after = state(history, MAR_15)
    assert paid(after, 2) == (ZERO, D("1.00"), D("2.00"), D("43.00"))
    assert after.installments[1].status is InstallmentStatus.PARTIALLY_PAID
    assert after.credit_balance == ZERO
    assert after.prepaid_principal == ZERO


def test_overpayment_reducing_the_term_keeps_the_instalment_and_cancels_the_last_ones() -> None:
    reduce_term = terms(overpayment=Overpayment.REDUCE_TERM)

    # The first instalment plus 150.00 paid on its due date: 152.00 of principal left.
    loan = state([pay(1, FEB_15, "252.00")], FEB_15, reduce_term, ANNUITY)

    assert loan.prepaid_principal == D("150.00")
    assert loan.allocations[-1].installment is None
    assert loan.allocations[-1].component is Component.PRINCIPAL
    # March: interest 3.02 x 152.00 / 302.00 = 1.52, principal 102.00 - 1.52 = 100.48.
    # April: interest 2.03 x 51.52 / 203.02 = 0.515 -> 0.52 on the 51.52 left, which ends the loan.
    assert [(i.principal_due, i.interest_due) for i in loan.installments[1:]] == [
        (D("100.48"), D("1.52")),
        (D("51.52"), D("0.52")),
        (ZERO, ZERO),
    ]
    assert totals(loan.installments) == [
        ("102.00", "paid"),
        ("102.00", "not_due"),
        ("52.04", "not_due"),
        ("0.00", "cancelled"),
    ]
    assert loan.outstanding_principal == D("152.00")


def test_overpayment_reducing_the_instalment_spreads_the_principal_and_recomputes_interest() -> None:
    reduce_installment = terms(overpayment=Overpayment.REDUCE_INSTALLMENT)

    loan = state([pay(1, FEB_15, "252.00")], FEB_15, reduce_installment, ANNUITY)

    # 152.00 split in proportion to 98.98 / 99.97 / 103.05 (largest remainder); interest on the
    # principal actually owed before each instalment, at each period's contractual rate.
    figures = [(i.principal_due, i.interest_due) for i in loan.installments[1:]]
    assert figures == [(D("49.82"), D("1.52")), (D("50.31"), D("1.02")), (D("51.87"), D("0.52"))]
    assert sum(p for p, _ in figures) == D("152.00")
    # Every instalment about halves, as an annuity recomputed on the halved balance would.
    assert totals(loan.installments)[1:] == [("51.34", "not_due"), ("51.33", "not_due"), ("52.39", "not_due")]


def test_prepayment_during_a_period_leaves_that_period_interest_unchanged() -> None:
    reduce_installment = terms(overpayment=Overpayment.REDUCE_INSTALLMENT)
    history = [pay(1, FEB_15, "102.00"), pay(2, MAR_1, "150.00")]

    loan = state(history, MAR_1, reduce_installment, ANNUITY)

    assert loan.installments[1].interest_due == D("3.02")  # accrued on 302.00 since 15 Feb
    assert loan.installments[2].interest_due < D("2.03")


def test_full_early_repayment_with_the_payoff_amount_closes_the_loan_with_nothing_left() -> None:
    history = [pay(1, FEB_15, "104.00")]

    quote = payoff_quote(SCHEDULE, terms(), history, MAR_1, disbursed_on=DISBURSED)
    # 200.00 principal + 14 of the 28 days of March's 2.00 interest; later fees are waived.
    assert (quote.principal, quote.interest, quote.fees, quote.penalties) == (D("200.00"), D("1.00"), ZERO, ZERO)
    assert quote.amount == D("201.00")

    loan = state([*history, pay(2, MAR_1, quote.amount)], MAR_1)
    assert loan.closed and loan.closed_on == MAR_1
    assert loan.credit_balance == ZERO and loan.outstanding_principal == ZERO and loan.total_due == ZERO
    assert [i.status for i in loan.installments] == [InstallmentStatus.PAID] * 3
    assert (loan.installments[1].interest_due, loan.installments[1].fees_due) == (D("1.00"), ZERO)
    assert (loan.installments[2].interest_due, loan.installments[2].fees_due) == (ZERO, ZERO)
    assert payoff([*history, pay(2, MAR_1, quote.amount)], date(2026, 5, 1)) == ZERO

    # A later payment on a closed loan is kept as a credit to be refunded.
    refunded = state([*history, pay(2, MAR_1, quote.amount), pay(3, date(2026, 3, 15), "103.00")], MAR_15)
    assert refunded.closed and refunded.credit_balance == D("103.00")


def test_a_cent_short_of_the_payoff_does_not_close_the_loan() -> None:
    history = [pay(1, FEB_15, "104.00"), pay(2, MAR_1, "200.99")]

    loan = state(history, MAR_1)

    assert not loan.closed
    assert loan.credit_balance == D("200.99")
    assert payoff(history, MAR_1) == D("0.01")


def test_paying_more_than_the_payoff_closes_the_loan_and_keeps_the_excess_as_credit() -> None:
    loan = state([pay(1, FEB_15, "104.00"), pay(2, MAR_1, "206.00")], MAR_1)

    assert loan.closed and loan.credit_balance == D("5.00")


def test_payoff_after_a_prepayment_reducing_the_term_still_settles_exactly() -> None:
    reduce_term = terms(overpayment=Overpayment.REDUCE_TERM)
    history = [pay(1, FEB_15, "252.00")]
    on = date(2026, 4, 2)

    amount = payoff(history, on, reduce_term, ANNUITY)
    loan = state([*history, pay(2, on, amount)], on, reduce_term, ANNUITY)

    assert loan.closed and loan.credit_balance == ZERO and loan.outstanding_principal == ZERO


def test_payoff_during_an_interest_deferral_includes_the_interest_deferred_so_far() -> None:
    contract = build_schedule(
        ScheduleTerms(
            principal=D("3000.00"),
            currency="EUR",
            annual_interest_rate=D("7.45"),
            number_of_installments=12,
            disbursement_date=DISBURSED,
            first_due_date=FEB_15,
            interest_grace_installments=3,
        )
    ).installments
    on = date(2026, 3, 15)  # second due date: no interest is due yet, 59 days have accrued
    fourth = contract[3]
    assert contract[0].interest == contract[1].interest == ZERO

    quote = payoff_quote(contract, terms(), [], on, disbursed_on=DISBURSED)

    days, period = (on - DISBURSED).days, (fourth.due_date - DISBURSED).days
    assert quote.interest == (fourth.interest * days / period).quantize(D("0.01"), ROUND_HALF_UP)
    assert quote.principal == D("3000.00")
    loan = state([pay(1, on, quote.amount)], on, schedule=contract)
    assert loan.closed and loan.credit_balance == ZERO


def test_early_payment_of_the_next_instalment_under_keep_as_credit_pays_it_on_its_due_date() -> None:
    loan = state([pay(1, date(2026, 2, 10), "104.00")], date(2026, 2, 16), terms(late_fee=D("5.00")))

    assert loan.installments[0].status is InstallmentStatus.PAID
    assert loan.installments[0].penalties_due == ZERO
    assert loan.allocations[0].applied_on == FEB_15
    assert loan.days_past_due == 0 and loan.credit_balance == ZERO


def test_payment_days_before_the_first_due_date_and_a_later_due_date_are_counted_exactly() -> None:
    assert payoff([], FEB_15 - timedelta(days=31)) == D("300.00")  # on disbursement day
    assert payoff([], date(2026, 1, 16)) == D("300.00") + D("0.10")  # 1/31 of 3.00 = 0.097 -> 0.10
