"""Notices given up on (every retry failed, or a final refusal), for officers to follow up by hand."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.types import ControllerRouterHandler

from domain.notifications.content import NoticeKind
from domain.notifications.model import Channel
from service.kernel.http.guards import ALL_STAFF, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import next_cursor
from service.notifications.handlers import failed_notices
from service.notifications.ports import RecipientKind
from service.services import Services


class FailedNoticeOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    recipient_kind: RecipientKind
    recipient_id: uuid.UUID
    channel: Channel
    kind: NoticeKind
    event_key: str
    attempts: int
    last_error: str | None
    created_at: datetime


class FailedNoticesPage(msgspec.Struct, frozen=True):
    items: list[FailedNoticeOut]
    next_cursor: uuid.UUID | None


class NoticeController(Controller):
    path = "/v1/notices"
    tags = ["notifications"]

    @get(
        "/failed",
        guards=[allow(*ALL_STAFF)],
        operation_id="listFailedNotices",
        summary="Notices that could not be delivered (after every retry), a page at a time (by id)",
        responses=problems(400, 401, 403),
    )
    async def failed(
        self,
        services: NamedDependency[Services],
        cursor: Annotated[uuid.UUID | None, QueryParameter(description="the last id of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> FailedNoticesPage:
        """Reminders and notices that failed after every retry, for officers to follow up by other means, a
        page at a time with `cursor` and `limit`."""
        found = await failed_notices(outbox=services.notices, after=cursor, limit=limit)
        items = [
            FailedNoticeOut(
                id=n.id,
                recipient_kind=n.recipient_kind,
                recipient_id=n.recipient_id,
                channel=Channel(n.channel),
                kind=NoticeKind(n.kind),
                event_key=n.event_key,
                attempts=n.attempts,
                last_error=n.last_error,
                created_at=n.created_at,
            )
            for n in found
        ]
        return FailedNoticesPage(items=items, next_cursor=next_cursor([n.id for n in items], limit))


def routes() -> list[ControllerRouterHandler]:
    """What the app mounts for this context."""
    return [NoticeController]
