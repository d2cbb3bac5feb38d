"""The application aggregate owns its commands: submit, decide, offer, sign, disburse check their
own invariants, so every handler (HTTP, jobs, the demo) gets the same rules."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import Conflict, RuleViolation
from domain.money import money
from domain.origination.applications import Action, Application, CommitteeDecision, NotEligibleError, Status
from domain.origination.eligibility import CheckResult
from tests.domain.origination.test_model import MEMBER, NOW, OFFICER, draft, signed
from tests.products.test_http import sample_terms

TODAY = date(2026, 11, 24)


def test_a_failed_check_keeps_the_file_a_draft_with_its_checks() -> None:
    app = draft()
    results = [CheckResult("training", True, "done"), CheckResult("legal_ceiling", False, "over 12,000")]
    with pytest.raises(NotEligibleError) as refused:
        app.submit(results, actor_id=OFFICER, at=NOW)
    assert refused.value.failed == [results[1]] and refused.value.code == "application.not_eligible"
    assert app.status is Status.DRAFT and app.eligibility == tuple(results) and not app.pending
    app.submit(results[:1], actor_id=OFFICER, at=NOW)
    assert app.status is Status.SUBMITTED


def at_committee() -> Application:
    app = draft()
    app.status = Status.AT_COMMITTEE
    return app


def test_an_approval_changes_the_amount_within_the_product_and_sets_conditions() -> None:
    app = at_committee()
    decision = CommitteeDecision(
        decision=Action.APPROVE, comment="ok", amount=money("4000.00", "EUR"), conditions=(" devis ",)
    )
    app.decide(decision, terms=sample_terms(), tally={"approve": 2}, reason=None, actor_id=MEMBER, at=NOW)
    assert app.status is Status.APPROVED and app.amount == Decimal("4000.00")
    assert [c.text for c in app.conditions] == ["devis"]
    assert app.pending[-1].details["amount"] == {"from": "5000.00", "to": "4000.00"}
    too_much = dataclasses.replace(decision, amount=money(sample_terms().max_amount + 1, "EUR"))
    with pytest.raises(RuleViolation) as refused:
        at_committee().decide(too_much, terms=sample_terms(), tally={}, reason=None, actor_id=MEMBER, at=NOW)
    assert (refused.value.code, refused.value.field) == ("product.limit_exceeded", "amount")
    in_dollars = dataclasses.replace(decision, amount=money("4000.00", "USD"))
    with pytest.raises(RuleViolation) as refused:
        at_committee().decide(in_dollars, terms=sample_terms(), tally={}, reason=None, actor_id=MEMBER, at=NOW)
    assert (refused.value.code, refused.value.field) == ("money.currency_mismatch", "currency")


def test_a_rejection_states_its_reasons() -> None:
    with pytest.raises(RuleViolation) as refused:
        at_committee().decide(
            CommitteeDecision(decision=Action.REJECT, comment="no"),
            terms=sample_terms(),
            tally={},
            reason=None,
            actor_id=MEMBER,
            at=NOW,
        )
    assert refused.value.code == "committee.reasons_required"


def test_an_offer_is_dated_within_its_validity_and_replaces_a_signed_one_only_once_its_date_passed() -> None:
    approved = draft()
    approved.status = Status.APPROVED
    with pytest.raises(RuleViolation) as refused:
        approved.offer_replaces(date(2027, 1, 30), validity_days=30, today=TODAY)
    assert refused.value.code == "offer.invalid_disbursement_date"
    assert approved.offer_replaces(date(2026, 12, 1), validity_days=30, today=TODAY) is None
    still_planned = signed(planned=date(2026, 12, 1))
    with pytest.raises(Conflict):
        still_planned.offer_replaces(date(2026, 12, 1), validity_days=30, today=TODAY)
    assert signed(planned=date(2026, 11, 20)).offer_replaces(TODAY, validity_days=30, today=TODAY) == date(2026, 11, 20)


def test_a_signature_falls_within_the_offer() -> None:
    app = signed()
    app.status = Status.OFFER_ISSUED
    for signed_on, today, code in [
        (date(2026, 11, 25), TODAY, "contract.signed_in_future"),
        (date(2026, 11, 23), TODAY, "contract.signed_before_offer"),
        (date(2026, 12, 20), date(2026, 12, 25), "offer.expired"),
    ]:
        with pytest.raises(RuleViolation) as refused:
            app.sign(signed_on, today=today, actor_id=OFFICER, at=NOW)
        assert refused.value.code == code
    app.sign(TODAY, today=TODAY, actor_id=OFFICER, at=NOW)
    assert app.status is Status.CONTRACT_SIGNED and app.signed_on == TODAY


def test_tranches_go_out_in_order_and_not_after_the_offers_date_passed() -> None:
    app = signed(planned=date(2026, 12, 1))
    app.signed_on = TODAY
    with pytest.raises(Conflict) as late:
        app.check_tranche_date(date(2026, 12, 3), earlier=[], today=date(2026, 12, 3))
    assert late.value.code == "offer.disbursement_date_passed"
    with pytest.raises(RuleViolation) as early:
        app.check_tranche_date(date(2026, 12, 5), earlier=[date(2026, 12, 6)], today=date(2026, 12, 10))
    assert early.value.code == "disbursement.invalid_value_date"
    app.check_tranche_date(date(2026, 12, 7), earlier=[date(2026, 12, 6)], today=date(2026, 12, 10))
