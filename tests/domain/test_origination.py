"""The application state machine, eligibility checks and the ledger's balance rule, as worked examples."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.errors import Conflict, RuleViolation
from domain.ledger.model import Account, Entry, LedgerTransaction, disbursement_transaction
from domain.origination.applicants import check_siret
from domain.origination.applications import Action, Application, Status, check_committee_decider
from domain.origination.eligibility import EligibilityFacts, check_eligibility
from domain.products.model import LegalCeiling, ProductCategory, ProductTerms, UsuryThreshold
from domain.products.policies import check_reschedule, periods_until
from domain.schedules import RepaymentUnit
from tests.api.test_products import sample_terms

OFFICER, MEMBER = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def draft() -> Application:
    return Application(
        id=uuid.uuid4(),
        applicant_id=uuid.uuid4(),
        officer_id=OFFICER,
        product_id=uuid.uuid4(),
        product_version=1,
        currency="EUR",
        amount=Decimal("5000.00"),
        number_of_installments=24,
        principal_grace_installments=0,
        purpose="x",
        status=Status.DRAFT,
        created_at=NOW,
    )


def test_the_happy_path_records_who_did_what() -> None:
    app = draft()
    for action, actor in [
        (Action.SUBMIT, OFFICER),
        (Action.START_REVIEW, OFFICER),
        (Action.SEND_TO_COMMITTEE, OFFICER),
        (Action.APPROVE, MEMBER),
        (Action.ISSUE_OFFER, OFFICER),
        (Action.SIGN_CONTRACT, OFFICER),
        (Action.DISBURSE, OFFICER),
    ]:
        app.apply(action, actor_id=actor, at=NOW, reason="because")
    assert app.status is Status.DISBURSED
    assert [(e.from_status, e.to_status) for e in app.pending][:2] == [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.UNDER_REVIEW),
    ]
    assert app.pending[3].actor_id == MEMBER and all(e.reason == "because" for e in app.pending)


def test_an_illegal_transition_names_the_current_state() -> None:
    app = draft()
    with pytest.raises(Conflict, match="draft"):
        app.apply(Action.SIGN_CONTRACT, actor_id=OFFICER, at=NOW)
    assert app.status is Status.DRAFT and app.pending == []


def test_a_signed_contract_can_no_longer_be_withdrawn_and_an_expired_offer_can_be_reissued() -> None:
    app = draft()
    app.status = Status.OFFER_ISSUED
    app.apply(Action.EXPIRE_OFFER, actor_id=OFFICER, at=NOW)
    app.apply(Action.ISSUE_OFFER, actor_id=OFFICER, at=NOW)
    app.apply(Action.SIGN_CONTRACT, actor_id=OFFICER, at=NOW)
    with pytest.raises(Conflict):
        app.apply(Action.WITHDRAW, actor_id=OFFICER, at=NOW)


def test_the_preparer_cannot_decide_alone() -> None:
    with pytest.raises(RuleViolation, match="prepared"):
        check_committee_decider(draft(), OFFICER)
    check_committee_decider(draft(), MEMBER)


def facts(**changes: object) -> EligibilityFacts:
    base: dict[str, object] = {
        "amount": Decimal("10000.00"),
        "number_of_installments": 36,
        "product": sample_terms(),
        "training_completed": True,
        "other_outstanding": Decimal(0),
        "guaranteed_amount": Decimal("5000.00"),
        "ceiling": LegalCeiling(
            id=uuid.uuid4(),
            category=ProductCategory.PROFESSIONAL_MICROCREDIT,
            currency="EUR",
            max_total_outstanding=Decimal("12000.00"),
            max_duration_months=60,
            valid_from=date(2022, 2, 7),
        ),
        "usury_threshold": None,
        "apr": None,
        "on": date(2026, 11, 24),
    }
    base.update(changes)
    return EligibilityFacts(**base)  # type: ignore[arg-type]


def failed(results: list) -> set[str]:  # type: ignore[type-arg]
    return {r.name for r in results if not r.passed}


def test_every_check_passes_for_a_sound_file() -> None:
    results = check_eligibility(facts())
    assert [r.name for r in results] == [
        "product_amount",
        "product_term",
        "training_completed",
        "legal_ceiling",
        "maximum_duration",
        "guarantor_coverage",
    ]
    assert failed(results) == set()


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"amount": Decimal("12500.00")}, "product_amount"),
        ({"number_of_installments": 60}, "product_term"),
        ({"training_completed": False}, "training_completed"),
        ({"other_outstanding": Decimal("2000.01")}, "legal_ceiling"),
        ({"guaranteed_amount": Decimal("4999.99")}, "guarantor_coverage"),
    ],
)
def test_each_check_fails_on_its_own(changes: dict[str, object], name: str) -> None:
    assert name in failed(check_eligibility(facts(**changes)))


def test_the_legal_ceiling_counts_other_loans_exactly_up_to_the_limit() -> None:
    assert "legal_ceiling" not in failed(check_eligibility(facts(other_outstanding=Decimal("2000.00"))))


def test_no_ceiling_in_force_fails_rather_than_passes() -> None:
    assert {"legal_ceiling", "maximum_duration"} <= failed(check_eligibility(facts(ceiling=None)))


def test_a_personal_loan_above_the_usury_rate_fails() -> None:
    personal = ProductTerms(**{**sample_terms().__dict__, "category": ProductCategory.PERSONAL_MICROCREDIT})
    threshold = UsuryThreshold(
        id=uuid.uuid4(),
        category=ProductCategory.PERSONAL_MICROCREDIT,
        currency="EUR",
        amount_above=Decimal("6000.00"),
        amount_up_to=None,
        max_rate=Decimal("8.63"),
        valid_from=date(2025, 1, 1),
    )
    over = check_eligibility(facts(product=personal, usury_threshold=threshold, apr=Decimal("11.53")))
    under = check_eligibility(facts(product=personal, usury_threshold=threshold, apr=Decimal("8.63")))
    assert "usury_threshold" in failed(over) and "usury_threshold" not in failed(under)


def test_a_disbursement_balances_and_keeps_the_fee_back() -> None:
    loan = uuid.uuid4()
    transaction = disbursement_transaction(
        uuid.uuid4(),
        loan,
        amount=Decimal("10000.00"),
        fees_withheld=Decimal("500.00"),
        currency="EUR",
        value_date=date(2026, 1, 15),
    )
    legs = {e.account: e.amount for e in transaction.entries}
    assert legs == {
        Account.LOAN_PRINCIPAL: Decimal("10000.00"),
        Account.BANK: Decimal("-9500.00"),
        Account.FEE_INCOME: Decimal("-500.00"),
    }


def test_an_unbalanced_transaction_cannot_be_built() -> None:
    with pytest.raises(RuleViolation, match="balance"):
        LedgerTransaction(
            uuid.uuid4(),
            "x",
            date(2026, 1, 1),
            (Entry(Account.BANK, Decimal("1.00"), "EUR"), Entry(Account.FEE_INCOME, Decimal("-0.99"), "EUR")),
        )


@pytest.mark.parametrize("siret", ["73282932000074", "732 829 320 00074", "35600000000048", "35600000000010"])
def test_valid_sirets(siret: str) -> None:
    assert len(check_siret(siret)) == 14


@pytest.mark.parametrize("siret", ["73282932000075", "1234", "7328293200007A"])
def test_invalid_sirets(siret: str) -> None:
    with pytest.raises(RuleViolation):
        check_siret(siret)


CEILING_60 = LegalCeiling(
    id=uuid.uuid4(),
    category=ProductCategory.PROFESSIONAL_MICROCREDIT,
    currency="EUR",
    max_total_outstanding=Decimal("12000.00"),
    max_duration_months=60,
    valid_from=date(2022, 2, 7),
)


def test_a_period_begun_counts_whole_towards_the_term() -> None:
    start = date(2026, 1, 31)
    assert periods_until(start, date(2031, 1, 31), 1, RepaymentUnit.MONTH) == 60
    assert periods_until(start, date(2031, 2, 1), 1, RepaymentUnit.MONTH) == 61
    assert periods_until(start, date(2026, 2, 28), 1, RepaymentUnit.MONTH) == 1  # Jan 31 + 1 month
    assert periods_until(start, date(2026, 3, 1), 2, RepaymentUnit.WEEK) == 3


def reschedule_of(product: ProductTerms, installments: int, **changes: object) -> None:
    """A loan disbursed on 15 January 2026, rescheduled with a first new due date on 15 May 2026."""
    values: dict[str, object] = {
        "disbursed_on": date(2026, 1, 15),
        "first_due_date": date(2026, 5, 15),
        "installments": installments,
        "principal_grace": 0,
        "interest_grace": 0,
        "annual_interest_rate": product.annual_interest_rate,
        "ceiling": CEILING_60,
        **changes,
    }
    check_reschedule(product, **values)  # type: ignore[arg-type]


def test_a_reschedule_counts_the_loans_whole_term_against_the_product_and_the_law() -> None:
    product = ProductTerms(**{**sample_terms().__dict__, "max_installments": 60, "max_principal_grace_installments": 3})
    reschedule_of(product, 57)  # last due date 15 January 2031: 60 months after the disbursement
    with pytest.raises(RuleViolation) as product_term:
        reschedule_of(product, 58)
    assert (product_term.value.code, product_term.value.field) == ("product.limit_exceeded", "number_of_installments")
    longer = ProductTerms(**{**product.__dict__, "max_installments": 120})
    with pytest.raises(RuleViolation) as legal:
        reschedule_of(longer, 58)
    assert (legal.value.code, legal.value.field) == ("legal.max_duration_exceeded", "number_of_installments")
    with pytest.raises(RuleViolation) as no_ceiling:
        reschedule_of(longer, 12, ceiling=None)
    assert no_ceiling.value.code == "legal.no_ceiling"
    with pytest.raises(RuleViolation) as grace:
        reschedule_of(product, 24, principal_grace=4)
    assert grace.value.field == "principal_grace_installments"
    with pytest.raises(RuleViolation) as dearer:
        reschedule_of(product, 24, annual_interest_rate=product.annual_interest_rate + Decimal("0.01"))
    assert dearer.value.field == "annual_interest_rate"
    reschedule_of(product, 24, annual_interest_rate=Decimal(0), principal_grace=3)
