"""Copy fields between domain dataclasses and ORM rows that share attribute names."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def to_domain(cls: type[T], row: Any, **overrides: Any) -> T:
    """Build the dataclass ``cls`` from the row's attributes of the same names."""
    values = {f.name: getattr(row, f.name) for f in dataclasses.fields(cls) if f.init and f.name not in overrides}  # type: ignore[arg-type]
    return cls(**values, **overrides)


def row_values(obj: Any, *, exclude: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
    """The dataclass's fields as a dict for a row, minus ``exclude``, with ``overrides`` applied."""
    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in exclude}
    values.update(overrides)
    return values
