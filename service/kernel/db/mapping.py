"""Copy fields between domain dataclasses and table rows that share names."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from domain.servicing import Component, ServicingTerms

T = TypeVar("T")


def to_domain(cls: type[T], row: Any, **overrides: Any) -> T:
    """Build the dataclass ``cls`` from the row's values of the same names (a result mapping, or any
    object with those attributes)."""
    read = row.__getitem__ if isinstance(row, Mapping) else lambda name: getattr(row, name)
    values = {f.name: read(f.name) for f in dataclasses.fields(cls) if f.init and f.name not in overrides}  # type: ignore[arg-type]
    return cls(**values, **overrides)


def row_values(obj: Any, *, exclude: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
    """The dataclass's fields as a dict for a row, minus ``exclude``, with ``overrides`` applied."""
    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in exclude}
    values.update(overrides)
    return values


def servicing_to_json(terms: ServicingTerms) -> dict[str, Any]:
    """Servicing terms as stored in JSONB (amounts and rates as strings, exact)."""
    return {
        "allocation_order": [c.value for c in terms.allocation_order],
        "overpayment": terms.overpayment.value,
        "grace_days_before_late": terms.grace_days_before_late,
        "late_fee": str(terms.late_fee),
        "penalty_annual_rate": str(terms.penalty_annual_rate),
        "arrears_buckets": list(terms.arrears_buckets),
        "rounding": terms.rounding.value,
    }


def servicing_from_json(currency: str, data: dict[str, Any]) -> ServicingTerms:
    """The stored terms; keys missing (rows written before a setting existed) take the defaults."""
    values: dict[str, Any] = {}
    if "allocation_order" in data:
        values["allocation_order"] = tuple(Component(c) for c in data["allocation_order"])
    for name in ("overpayment", "grace_days_before_late", "rounding"):
        if name in data:
            values[name] = data[name]
    for name in ("late_fee", "penalty_annual_rate"):
        if name in data:
            values[name] = Decimal(data[name])
    if "arrears_buckets" in data:
        values["arrears_buckets"] = tuple(data["arrears_buckets"])
    return ServicingTerms(currency=currency, **values)


def search_form(name: str) -> str:
    """Names are searched case- and accent-insensitively ("Hélène" finds "helene")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def plain(value: Decimal) -> Decimal:
    """NUMERIC columns pad with zeros ("7.450000"); give back the number as it was written."""
    return Decimal(f"{value.normalize():f}")
