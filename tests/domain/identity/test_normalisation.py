"""A staff account has one name however it is typed (sign-in, its back-off, creation)."""

from __future__ import annotations

from domain.identity.model import normalise_username


def test_a_user_name_is_compared_without_case_or_surrounding_spaces() -> None:
    assert normalise_username("  Marie.Dupont ") == "marie.dupont"
    assert normalise_username("marie.dupont") == normalise_username("MARIE.DUPONT")
