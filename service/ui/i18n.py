"""The pages' language: French by default, English by choice, kept in the session.

Texts are a small fr/en table (like the API's messages catalogue in ``service.kernel.http.messages``,
whose problem texts the forms reuse); dates, amounts and percentages are formatted by Babel with the
language's conventions (``1 234,56 €``, ``7,45 %``).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from service.kernel.http.messages import DEFAULT_LANGUAGE, Language, check_detail
from service.ui.texts import TEXTS

LOCALES: dict[str, str] = {"fr": "fr_FR", "en": "en_GB"}
LANGUAGES: tuple[Language, ...] = ("fr", "en")


def language(value: object) -> Language:
    """A language the pages speak, or the default."""
    return "en" if value == "en" else DEFAULT_LANGUAGE


def translate(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang``; an unknown key shows itself (a test lists the keys templates use)."""
    french, english = TEXTS.get(key, (key, key))
    text = english if lang == "en" else french
    return text.format(**values) if values else text


def money(amount: Decimal | str | None, currency: str, lang: str) -> str:
    if amount is None or amount == "":
        return "—"
    return format_currency(Decimal(amount), currency, locale=LOCALES[lang])


def percent(value: Decimal | str | None, lang: str, digits: int = 2) -> str:
    """``value`` is a percentage (7.45 means 7,45 %)."""
    if value is None or value == "":
        return "—"
    sign = "%" if lang == "en" else "\u00a0%"  # French sets the sign apart (a space that never breaks)
    pattern = ("#,##0." + "0" * digits if digits else "#,##0") + sign
    return format_percent(Decimal(value) / 100, format=pattern, locale=LOCALES[lang])


def number(value: Decimal | int | None, lang: str) -> str:
    return "—" if value is None else format_decimal(value, locale=LOCALES[lang])


def day(value: date | datetime | None, lang: str, zone: tzinfo | None = None) -> str:
    """A date, or a moment shown at the lender's clock (``zone``; stored moments are UTC)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, format="short", tzinfo=zone, locale=LOCALES[lang])
    return format_date(value, format="medium", locale=LOCALES[lang])


def install(environment: Environment) -> None:
    """Give the templates ``t("key")`` and the ``money``, ``percent``, ``number`` and ``day`` filters,
    each in the page's language (``lang`` in the template's context)."""

    @pass_context
    def t(context: Context, key: str, **values: Any) -> str:
        return translate(key, context["lang"], **values)

    @pass_context
    def money_filter(context: Context, amount: Decimal | str | None, currency: str = "EUR") -> str:
        return money(amount, currency, context["lang"])

    @pass_context
    def percent_filter(context: Context, value: Decimal | str | None, digits: int = 2) -> str:
        return percent(value, context["lang"], digits)

    @pass_context
    def number_filter(context: Context, value: Decimal | int | None) -> str:
        return number(value, context["lang"])

    @pass_context
    def day_filter(context: Context, value: date | datetime | None) -> str:
        return day(value, context["lang"], context.get("zone"))

    @pass_context
    def check_detail_filter(context: Context, detail: str) -> str:
        return check_detail(detail, context["lang"])

    environment.globals["t"] = t
    environment.filters.update(
        money=money_filter,
        percent=percent_filter,
        number=number_filter,
        day=day_filter,
        check_detail=check_detail_filter,
    )
