"""The application state machine, eligibility checks and the ledger's balance rule, as worked examples."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.errors import Conflict, RuleViolation
from domain.ledger.model import Account, Entry, LedgerTransaction, disbursement_transaction
from domain.money import money
from domain.origination.applicants import BusinessProject, Guarantor, ResourceKind, ResourceLine, check_siret
from domain.origination.applications import (
    Action,
    Application,
    Condition,
    Offer,
    Status,
)
from domain.origination.committee import CommitteeRules, check_committee_decider, check_committee_votes, current_votes
from domain.origination.eligibility import Commitment, EligibilityFacts, check_eligibility
from domain.products.model import LegalCeiling, ProductCategory, ProductTerms, UsuryThreshold
from domain.products.policies import check_reschedule, periods_until
from domain.schedules import RepaymentUnit
from tests.products.test_http import sample_terms

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


def test_whoever_prepared_reviewed_or_referred_the_file_cannot_decide() -> None:
    app, reviewer, referrer = draft(), uuid.uuid4(), uuid.uuid4()
    app.apply(Action.SUBMIT, actor_id=OFFICER, at=NOW)
    app.apply(Action.START_REVIEW, actor_id=reviewer, at=NOW)
    app.apply(Action.SEND_TO_COMMITTEE, actor_id=referrer, at=NOW)
    for maker in (OFFICER, reviewer, referrer):
        with pytest.raises(RuleViolation) as refused:
            check_committee_decider(app, maker, app.pending)
        assert refused.value.code == "committee.decider_conflict"
    check_committee_decider(app, MEMBER, app.pending)


def test_a_members_later_vote_replaces_the_earlier_one() -> None:
    other = uuid.uuid4()
    assert current_votes([(MEMBER, "approve"), (other, "reject"), (MEMBER, "reject")]) == {
        MEMBER: "reject",
        other: "reject",
    }


@pytest.mark.parametrize(
    ("votes", "decision", "reason", "code"),
    [
        (["approve"], Action.APPROVE, None, "committee.quorum_not_reached"),
        (["approve"], Action.APPROVE, "urgent", "committee.quorum_not_reached"),  # no reason replaces the quorum
        (["approve", "reject"], Action.APPROVE, None, "committee.decision_against_votes"),  # a tie is no majority
        (["reject", "reject", "approve"], Action.APPROVE, None, "committee.decision_against_votes"),
        (["approve", "approve", "reject"], Action.APPROVE, None, None),
        (["reject", "reject"], Action.APPROVE, "new guarantee", None),
    ],
)
def test_a_decision_needs_the_quorum_and_the_majority_or_a_reason(
    votes: list[str], decision: Action, reason: str | None, code: str | None
) -> None:
    ballots = {uuid.uuid4(): v for v in votes}
    if code is None:
        tally = check_committee_votes(decision, ballots, CommitteeRules(), reason)
        assert sum(tally.values()) == len(votes)
    else:
        with pytest.raises(RuleViolation) as refused:
            check_committee_votes(decision, ballots, CommitteeRules(), reason)
        assert refused.value.code == code


def test_a_two_thirds_majority_is_configurable() -> None:
    two_thirds = CommitteeRules(quorum=3, majority_percent=Decimal(66))
    with pytest.raises(RuleViolation):
        check_committee_votes(
            Action.APPROVE, {uuid.uuid4(): v for v in ["approve"] * 3 + ["reject"] * 2}, two_thirds, None
        )
    check_committee_votes(Action.APPROVE, {uuid.uuid4(): v for v in ["approve"] * 2 + ["reject"]}, two_thirds, None)


def signed(amount: str = "5000.00", planned: date = date(2026, 12, 1), conditions: tuple[str, ...] = ()) -> Application:
    app = draft()
    app.status = Status.CONTRACT_SIGNED
    app.conditions = tuple(Condition(text) for text in conditions)
    app.offer = Offer(
        product_version=1,
        amount=Decimal(amount),
        currency="EUR",
        number_of_installments=24,
        annual_interest_rate=Decimal("7.45"),
        apr=Decimal("8.1"),
        net_disbursed=Decimal(amount),
        total_repayable=Decimal(amount),
        total_interest=Decimal(0),
        total_fees=Decimal(0),
        disbursement_date=planned,
        first_due_date=date(2027, 1, 1),
        issued_on=date(2026, 11, 24),
        expires_on=date(2026, 12, 24),
        installments=(),
    )
    return app


def test_tranches_read_partly_disbursed_until_the_last_one() -> None:
    app = signed()
    app.record_disbursement(money("2000.00", "EUR"), date(2026, 12, 1), actor_id=OFFICER, at=NOW)
    assert app.status is Status.PARTLY_DISBURSED and app.pending[-1].action is Action.DISBURSE_TRANCHE
    with pytest.raises(RuleViolation):
        app.check_disbursement(money("3000.01", "EUR"), date(2026, 12, 5))  # beyond the offer
    app.record_disbursement(money("3000.00", "EUR"), date(2026, 12, 5), actor_id=OFFICER, at=NOW)
    assert app.status is Status.DISBURSED and app.disbursed_amount == Decimal("5000.00")
    with pytest.raises(Conflict):
        app.check_disbursement(money("1.00", "EUR"), date(2026, 12, 5))


def test_a_tranche_is_in_the_files_currency() -> None:
    with pytest.raises(RuleViolation) as refused:
        signed().check_disbursement(money("5000.00", "USD"), date(2026, 12, 1))
    assert (refused.value.code, refused.value.field) == ("money.currency_mismatch", "currency")


def test_the_first_tranche_goes_out_on_the_offers_date() -> None:
    app = signed()
    for other_day in (date(2026, 11, 30), date(2026, 12, 2)):
        with pytest.raises(RuleViolation) as refused:
            app.check_disbursement(money("5000.00", "EUR"), other_day)
        assert refused.value.code == "disbursement.value_date_not_offer"
    assert app.check_disbursement(money("5000.00", "EUR"), date(2026, 12, 1)) is Action.DISBURSE


def test_no_tranche_while_a_condition_is_open() -> None:
    app = signed(conditions=("compte pro", "devis"))
    app.meet_condition(2, actor_id=OFFICER, at=NOW, evidence="devis signé")
    with pytest.raises(RuleViolation, match="compte pro") as refused:
        app.check_disbursement(money("5000.00", "EUR"), date(2026, 12, 1))
    assert refused.value.code == "application.conditions_open"
    app.meet_condition(1, actor_id=MEMBER, at=NOW, evidence="RIB")
    assert app.conditions[0] == Condition("compte pro", met_by=MEMBER, met_at=NOW, evidence="RIB")
    assert [e.details["condition"] for e in app.pending] == [2, 1]
    with pytest.raises(Conflict):
        app.meet_condition(1, actor_id=MEMBER, at=NOW, evidence="again")
    app.check_disbursement(money("5000.00", "EUR"), date(2026, 12, 1))


def project(*resources: ResourceLine, guaranteed: str = "5000.00", currency: str = "EUR") -> BusinessProject:
    return BusinessProject(
        applicant_id=uuid.uuid4(),
        activity="Traiteur",
        legal_status="EI",
        currency=currency,
        resources=resources or (ResourceLine("prêt d'honneur", Decimal("2000.00"), ResourceKind.HONOUR_LOAN),),
        guarantors=(Guarantor("Moussa Diallo", "frère", Decimal(guaranteed)),),
    )


def facts(**changes: object) -> EligibilityFacts:
    base: dict[str, object] = {
        "amount": Decimal("10000.00"),
        "number_of_installments": 36,
        "product": sample_terms(),
        "training_completed": True,
        "project": project(),
        "commitments": (),
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
        "business_project",
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
        ({"commitments": (Commitment("loans with us", Decimal("2000.01")),)}, "legal_ceiling"),
        ({"project": project(guaranteed="4999.99")}, "guarantor_coverage"),
        ({"project": None}, "business_project"),
        ({"project": project(currency="XOF")}, "business_project"),
    ],
)
def test_each_check_fails_on_its_own(changes: dict[str, object], name: str) -> None:
    assert name in failed(check_eligibility(facts(**changes)))


def test_the_legal_ceiling_counts_other_loans_exactly_up_to_the_limit() -> None:
    at_limit = (Commitment("loans with us", Decimal("2000.00")),)
    assert "legal_ceiling" not in failed(check_eligibility(facts(commitments=at_limit)))


def test_the_requested_loan_listed_in_the_plan_is_not_counted_as_another_lenders() -> None:
    plan = project(
        ResourceLine("ce microcrédit", Decimal("10000.00"), ResourceKind.REQUESTED_MICROCREDIT),
        ResourceLine("prêt d'honneur", Decimal("2000.00"), ResourceKind.HONOUR_LOAN),
    )
    assert failed(check_eligibility(facts(project=plan))) == set()


def test_another_lenders_microcredit_in_the_plan_counts_against_the_ceiling() -> None:
    plan = project(ResourceLine("Adie", Decimal("2000.01"), ResourceKind.OTHER_MICROCREDIT))
    assert "legal_ceiling" in failed(check_eligibility(facts(project=plan)))


def test_the_ceiling_names_the_source_of_every_figure() -> None:
    plan = project(ResourceLine("Adie", Decimal("1500.00"), ResourceKind.OTHER_MICROCREDIT))
    lender = (
        Commitment("outstanding on loans with us", Decimal("800.00")),
        Commitment("offered or signed with us, not yet paid out", Decimal("0.00")),
    )
    (ceiling,) = [r for r in check_eligibility(facts(project=plan, commitments=lender)) if r.name == "legal_ceiling"]
    assert ceiling.passed is False
    assert ceiling.detail == (
        "this loan 10000.00 + outstanding on loans with us 800.00 + offered or signed with us, not yet paid out "
        "0.00 + another lender's microcredit in the financing plan (Adie) 1500.00 = 12300.00 EUR; "
        "legal ceiling 12000.00 EUR (in force since 2022-02-07)"
    )


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
        "starts_on": date(2026, 4, 15),
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
