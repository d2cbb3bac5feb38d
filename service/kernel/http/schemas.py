"""Shared wire types. Requests forbid unknown fields; responses are frozen."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import KwargDefinition

T = TypeVar("T")

NonEmptyText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class Request(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body."""


class Page(msgspec.Struct, Generic[T], frozen=True):
    """A page of results; pass ``next_cursor`` as ``cursor`` to get the next one (null at the end)."""

    items: list[T]
    next_cursor: uuid.UUID | None


def next_cursor(ids: Sequence[uuid.UUID], limit: int) -> uuid.UUID | None:
    """The cursor of the page after ``ids`` (the last id), or None when this page was the last.

    One pagination style on every list: ``cursor`` (the last id seen) and ``limit`` in, ``items``
    and ``next_cursor`` of the cursor's type out."""
    return ids[-1] if len(ids) == limit else None


def published_as(component: str) -> KwargDefinition:
    """Pins the OpenAPI component name of a response (``Annotated[Page[X], published_as(...)]``).

    A generic's name embeds its argument's module path (``Page_service.api.identity.X_``), so
    moving a module would rename it in the published contract; these names are that contract's.
    """
    return KwargDefinition(schema_component_key=component)
