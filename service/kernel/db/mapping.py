"""Copy fields between domain dataclasses and table rows that share names."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

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


def search_form(name: str) -> str:
    """Names are searched case- and accent-insensitively ("Hélène" finds "helene")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def plain(value: Decimal) -> Decimal:
    """NUMERIC columns pad with zeros ("7.450000"); give back the number as it was written."""
    return Decimal(f"{value.normalize():f}")
