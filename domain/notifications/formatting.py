"""Amounts and dates written the way a French or an English reader expects, whatever the OS locale.

The server's locale is not part of the message: the same notice must read the same on every
machine, so grouping, decimal marks and month names are spelled out here rather than taken from
``locale``. French puts a no-break space between thousands and before the symbol (so that a line
never breaks inside an amount): ``1 234,56 €``; English writes ``€1,234.56``.
"""

from __future__ import annotations

from datetime import date

from domain.money import Money, minor_unit, quantize
from domain.notifications.model import Language

NBSP = "\u00a0"

_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}

_MONTHS = {
    Language.FR: (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    Language.EN: (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


def format_amount(amount: Money, language: Language) -> str:
    """``amount`` to the currency's minor unit: ``1 234,56 €`` in French, ``€1,234.56`` in English.

    Currencies without a familiar symbol are written with their ISO code (``1 234 XOF``).
    """
    code = amount.currency.code
    value = quantize(amount.amount, code)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    if minor_unit(code) >= 1:
        fraction = ""
    symbol = _SYMBOLS.get(code)
    if language is Language.FR:
        number = _group(whole, NBSP) + ("," + fraction if fraction else "")
        return f"{sign}{number}{NBSP}{symbol or code}"
    number = _group(whole, ",") + ("." + fraction if fraction else "")
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{code}{NBSP}{number}"


def format_date(day: date, language: Language) -> str:
    """``15 février 2026`` / ``15 February 2026``; French writes the first of the month ``1er``."""
    month = _MONTHS[language][day.month - 1]
    number = "1er" if language is Language.FR and day.day == 1 else str(day.day)
    return f"{number} {month} {day.year}"
