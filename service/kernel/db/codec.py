"""The one codec of the database boundary: domain values to and from the JSON of JSONB columns.

msgspec does the work from the domain types' own annotations: dataclasses become objects with
every field (``None`` kept), ``Decimal`` an exact string (``str(value)``, its scale kept), dates
ISO, enums their value, UUIDs their canonical text, tuples lists. Decoding is lax
(``strict=False``) so those strings come back as their types, and a key missing from an old row
takes the field's default.

Two choices keep the rows written before this codec readable and equal byte for byte:
- an aware datetime is written by ``isoformat()`` ("+00:00"), not msgspec's RFC 3339 "Z";
- money (``moneyed.Money``) is ``{"amount": "12.50", "currency": "EUR"}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from moneyed import Money

from domain.errors import RuleViolation
from domain.money import money

T = TypeVar("T")


def _encode(value: Any) -> Any:
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency.code}
    raise NotImplementedError(f"no JSONB form for {type(value).__name__}")


def _decode(type_: type, data: Any) -> Any:
    if type_ is Money and isinstance(data, dict):
        try:
            return money(data["amount"], data["currency"])
        except (KeyError, RuleViolation) as error:  # msgspec reports a ValueError with the field's path
            raise ValueError(f"not an amount and a currency: {error}") from None
    raise NotImplementedError(f"no JSONB reading for {type_.__name__}")


def _isoformat_datetimes(value: Any) -> Any:
    """Datetimes as the rows have them (``isoformat()``): msgspec left them as they are (and, asked to,
    tuples too)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _isoformat_datetimes(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_isoformat_datetimes(v) for v in value]
    return value


def to_jsonb(value: Any, *, omit: Collection[str] = ()) -> Any:
    """The value as JSON builtins (dicts, lists, strings, numbers, booleans, None) for a JSONB column,
    without the top-level fields ``omit`` names (those the row keeps in columns of their own)."""
    data = _isoformat_datetimes(msgspec.to_builtins(value, builtin_types=(datetime,), enc_hook=_encode))
    return {k: v for k, v in data.items() if k not in omit} if omit else data


def from_jsonb(data: Any, type_: type[T], **columns: Any) -> T:
    """The ``type_`` (a dataclass, ``tuple[X, ...]``, an enum...) that ``to_jsonb`` wrote as ``data``,
    with ``columns`` giving the fields ``to_jsonb`` omitted. Bad data is a ``msgspec.ValidationError``
    (a ``ValueError``)."""
    result: T = msgspec.convert({**data, **columns} if columns else data, type_, strict=False, dec_hook=_decode)
    return result


def to_jsonb_rows(items: Iterable[Any]) -> list[list[Any]]:
    """Dataclasses as positional rows (their fields in declaration order), for long lists stored compactly."""
    return [list(to_jsonb(item).values()) for item in items]


def from_jsonb_rows(rows: Sequence[Sequence[Any]], type_: type[T]) -> tuple[T, ...]:
    """The dataclasses ``to_jsonb_rows`` wrote."""
    names = [f.name for f in dataclasses.fields(type_)]  # type: ignore[arg-type]
    return from_jsonb([dict(zip(names, row, strict=True)) for row in rows], tuple[type_, ...])  # type: ignore[valid-type]
