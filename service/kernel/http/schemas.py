"""Shared wire types. Requests forbid unknown fields; responses are frozen."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec

T = TypeVar("T")

NonEmptyText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class Request(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body."""


class Page(msgspec.Struct, Generic[T], frozen=True):
    """A page of results; pass ``next_cursor`` as ``cursor`` to get the next one (null at the end)."""

    items: list[T]
    next_cursor: str | None
