"""Shared wire types. Requests forbid unknown fields; responses are frozen."""

from __future__ import annotations

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
    next_cursor: str | None


def published_as(component: str) -> KwargDefinition:
    """Pins the OpenAPI component name of a response (``Annotated[Page[X], published_as(...)]``).

    A generic's name embeds its argument's module path (``Page_service.api.identity.X_``), so
    moving a module would rename it in the published contract; these names are that contract's.
    """
    return KwargDefinition(schema_component_key=component)
