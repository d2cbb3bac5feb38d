"""One rule decides who may see a loan: staff every loan, a borrower their own, nobody else."""

from __future__ import annotations

import uuid

import pytest

from domain.errors import NotFound
from domain.identity.model import Principal, PrincipalKind, Role, ensure_may_see_loan, may_see_loan

BORROWER = uuid.uuid4()


def test_staff_of_any_role_see_every_loan() -> None:
    staff = Principal(PrincipalKind.STAFF, uuid.uuid4(), frozenset({Role.READ_ONLY}))
    assert may_see_loan(staff, BORROWER) and may_see_loan(staff, None)


def test_a_borrower_sees_their_own_loan_only() -> None:
    assert may_see_loan(Principal(PrincipalKind.BORROWER, BORROWER), BORROWER)
    assert not may_see_loan(Principal(PrincipalKind.BORROWER, uuid.uuid4()), BORROWER)
    assert not may_see_loan(Principal(PrincipalKind.BORROWER, BORROWER), None)


def test_a_partner_sees_no_loan_even_with_the_borrowers_id() -> None:
    assert not may_see_loan(Principal(PrincipalKind.PARTNER, BORROWER), BORROWER)


def test_anyone_else_gets_a_404_that_leaks_nothing() -> None:
    with pytest.raises(NotFound) as raised:
        ensure_may_see_loan(Principal(PrincipalKind.BORROWER, uuid.uuid4()), BORROWER)
    assert raised.value.code == "loan.not_found"
