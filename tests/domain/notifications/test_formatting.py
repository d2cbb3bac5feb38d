"""Amounts and dates read as a French or an English reader expects, without the OS locale."""

from __future__ import annotations

import locale
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import money
from domain.notifications import Language, format_amount, format_date

NB = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "french", "english"),
    [
        ("1234.56", f"1{NB}234,56{NB}€", "€1,234.56"),
        ("0.05", f"0,05{NB}€", "€0.05"),
        ("999.00", f"999,00{NB}€", "€999.00"),
        ("1000000", f"1{NB}000{NB}000,00{NB}€", "€1,000,000.00"),
        ("-12345.6", f"-12{NB}345,60{NB}€", "-€12,345.60"),
    ],
)
def test_euro_amounts_in_each_language(amount: str, french: str, english: str) -> None:
    assert format_amount(money(amount, "EUR"), Language.FR) == french
    assert format_amount(money(amount, "EUR"), Language.EN) == english


def test_a_currency_without_minor_unit_or_symbol_is_written_with_its_code() -> None:
    assert format_amount(money("1500", "XOF"), Language.FR) == f"1{NB}500{NB}XOF"
    assert format_amount(money("1500", "XOF"), Language.EN) == f"XOF{NB}1,500"


def test_the_os_locale_changes_nothing() -> None:
    previous = locale.setlocale(locale.LC_ALL)
    try:
        for name in ("de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8", "C"):
            try:
                locale.setlocale(locale.LC_ALL, name)
            except locale.Error:
                continue
            assert format_amount(money("1234.56", "EUR"), Language.EN) == "€1,234.56"
            assert format_date(date(2026, 2, 15), Language.FR) == "15 février 2026"
    finally:
        locale.setlocale(locale.LC_ALL, previous)


@given(cents=st.integers(min_value=-(10**13), max_value=10**13))
def test_the_digits_read_back_to_the_exact_amount(cents: int) -> None:
    amount = money(Decimal(cents).scaleb(-2), "EUR")
    french = format_amount(amount, Language.FR)
    english = format_amount(amount, Language.EN)
    assert re.fullmatch(r"-?\d{1,3}(\u00a0\d{3})*,\d{2}\u00a0€", french)
    assert re.fullmatch(r"-?€\d{1,3}(,\d{3})*\.\d{2}", english)
    assert Decimal(french.replace(NB, "").replace("€", "").replace(",", ".")) == amount.amount
    assert Decimal(english.replace("€", "").replace(",", "")) == amount.amount


def test_dates_in_each_language() -> None:
    assert format_date(date(2026, 2, 15), Language.FR) == "15 février 2026"
    assert format_date(date(2026, 2, 15), Language.EN) == "15 February 2026"
    assert format_date(date(2026, 8, 1), Language.FR) == "1er août 2026"
    assert format_date(date(2026, 8, 1), Language.EN) == "1 August 2026"
    assert format_date(date(2025, 12, 31), Language.FR) == "31 décembre 2025"


def test_every_month_has_its_own_name() -> None:
    for language in Language:
        names = {format_date(date(2026, month, 10), language).split()[1] for month in range(1, 13)}
        assert len(names) == 12
