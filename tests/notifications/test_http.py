"""Officers see the notices that could not be delivered, a page at a time."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller


async def test_failed_notices_are_listed_for_officers_a_page_at_a_time(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    ids = sorted(uuid.uuid4() for _ in range(3))
    async with uow_factory() as uow:
        for n, notice in enumerate(ids):
            await uow.session.execute(
                text(
                    "INSERT INTO notices (id, recipient_kind, recipient_id, channel, event_key, kind, payload,"
                    " status, attempts, last_error) VALUES (:id, 'borrower', :r, 'sms', :k, 'missed_payment',"
                    " '{}'::jsonb, :status, 6, 'sms.http_503')"
                ),
                {"id": notice, "r": uuid.uuid4(), "k": f"event-{n}", "status": "pending" if n == 1 else "failed"},
            )
        await uow.commit()
    first = await client.get("/v1/notices/failed?limit=1", headers=officer.headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [item["id"] for item in page["items"]] == [str(ids[0])] and page["next_cursor"] == str(ids[0])
    assert page["items"][0]["last_error"] == "sms.http_503" and page["items"][0]["attempts"] == 6
    rest = (await client.get(f"/v1/notices/failed?cursor={ids[0]}", headers=officer.headers)).json()
    assert [item["id"] for item in rest["items"]] == [str(ids[2])] and rest["next_cursor"] is None  # pending left out
    bad = await client.get("/v1/notices/failed?limit=0", headers=officer.headers)
    assert bad.status_code == 400
