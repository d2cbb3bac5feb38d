"""The change feed: a partner polling with a cursor sees each of its events once, in order, and
misses none, even one whose transaction commits after a later one started (issue 14, item 2)."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.partners.model import EventType
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_partner
from tests.origination.test_scenario import step
from tests.partners.journey import Journey, referral_body


async def poll(client: AsyncTestClient[Litestar], partner: Caller, after: str, limit: int = 100) -> dict[str, Any]:
    return await step(
        await client.get("/v1/partner/events", params={"cursor": after, "limit": limit}, headers=partner.headers)
    )


async def referred(client: AsyncTestClient[Litestar], officer: Caller, partner: Caller, email: str) -> uuid.UUID:
    journey = Journey(client, officer, officer)
    await journey.referred_by(partner, referral_body(email=email), key=email)
    return uuid.UUID(journey.applicant_id)


async def record(uow_factory: SqlUnitOfWorkFactory, applicant_id: uuid.UUID, event: EventType) -> None:
    async with uow_factory() as uow:
        await uow.partner_events.record(applicant_id, event, on=lender_today(), at=datetime.now(UTC))
        await uow.commit()


async def test_the_feed_pages_through_the_events_in_order_each_once(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "agency")
    other = await sign_in_partner(client, uow_factory, "other")
    person = await referred(client, officer, partner, "feed@example.org")
    kinds = [EventType.CONTACTED, EventType.TRAINING_STARTED, EventType.TRAINING_COMPLETED, EventType.WITHDRAWN]
    for kind in kinds:
        await record(uow_factory, person, kind)
    first = await poll(client, partner, "0", limit=3)
    second = await poll(client, partner, first["next_cursor"], limit=3)
    assert [e["type"] for e in first["items"] + second["items"]] == [k.value for k in kinds]
    assert [e["position"] for e in first["items"] + second["items"]] == ["1", "2", "3", "4"]
    # Nothing new: the same cursor comes back, and the next poll starts from it.
    idle = await poll(client, partner, second["next_cursor"])
    assert idle == {"items": [], "next_cursor": "4"}
    again = await poll(client, partner, "0")
    assert [e["id"] for e in again["items"]] == [e["id"] for e in first["items"] + second["items"]]  # stable ids
    assert (await poll(client, other, "0"))["items"] == []
    bad = await client.get("/v1/partner/events", params={"cursor": "-1"}, headers=partner.headers)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cursor"


async def test_a_poller_never_skips_an_event_whose_transaction_commits_late(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "agency")
    person = await referred(client, officer, partner, "late@example.org")
    slow = uow_factory()
    async with slow:
        await slow.partner_events.record(person, EventType.CONTACTED, on=lender_today(), at=datetime.now(UTC))
        # A second change starts and wants to commit while the first is still open.
        quick = asyncio.create_task(record(uow_factory, person, EventType.TRAINING_STARTED))
        await asyncio.sleep(0.5)
        seen = await poll(client, partner, "0")
        # With positions from a plain sequence the quick one would be visible here at position 2,
        # the poller would move its cursor past 1, and the slow one would never be seen.
        assert seen["items"] == [] and not quick.done()
        await slow.commit()
    await quick
    later = await poll(client, partner, seen["next_cursor"])
    assert [e["type"] for e in later["items"]] == ["referral.contacted", "referral.training_started"]


async def test_many_writers_at_once_and_a_poller_see_every_event_once_in_order(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "agency")
    people = [await referred(client, officer, partner, f"p{n}@example.org") for n in range(4)]
    writers = 24

    async def writer(n: int) -> None:
        async with uow_factory() as uow:
            await uow.partner_events.record(
                people[n % len(people)], EventType.CONTACTED, on=lender_today(), at=datetime.now(UTC)
            )
            await asyncio.sleep(random.uniform(0, 0.05))  # commit at a random moment later
            await uow.commit()

    seen: list[dict[str, Any]] = []
    cursor = "0"

    async def poller() -> None:
        nonlocal cursor
        while len(seen) < writers:
            page = await poll(client, partner, cursor, limit=5)
            seen.extend(page["items"])
            cursor = page["next_cursor"]
            await asyncio.sleep(0.005)

    await asyncio.wait_for(asyncio.gather(poller(), *(writer(n) for n in range(writers))), timeout=60)
    positions = [int(e["position"]) for e in seen]
    assert positions == list(range(1, writers + 1))  # none skipped, none twice, in order
    assert len({e["id"] for e in seen}) == writers
