"""A staff user's version is an explicit ``UPDATE ... WHERE version = :read`` (no ORM counter):
a change made meanwhile by someone else is a 409, and the version moves only when a value does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.errors import Conflict
from domain.identity.model import Role
from service.identity.handlers import CreateStaffUser, create_staff_user
from service.identity.security import Argon2PasswordHasher
from service.wiring import SqlUnitOfWorkFactory


async def _a_user(uow_factory: SqlUnitOfWorkFactory) -> uuid.UUID:
    user = await create_staff_user(
        CreateStaffUser(
            username="versioned",
            full_name="Anne Version",
            password="a-long-enough-test-password",
            roles=frozenset({Role.LOAN_OFFICER}),
        ),
        uow=uow_factory(),
        hasher=Argon2PasswordHasher(fast=True),
        now=datetime.now(UTC),
    )
    return user.id


async def test_a_change_made_meanwhile_is_a_conflict_and_is_kept(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    user_id = await _a_user(uow_factory)
    # The conflict may surface at the UPDATE or when the unit of work ends: the caller sees a Conflict.
    with pytest.raises(Conflict) as raised:
        async with uow_factory() as first:
            mine = await first.staff_users.get(user_id)
            assert mine is not None
            async with uow_factory() as second:
                theirs = await second.staff_users.get(user_id)
                assert theirs is not None
                theirs.full_name = "Anne Theirs"
                await second.staff_users.save(theirs)
                await second.commit()
            mine.full_name = "Anne Mine"
            await first.staff_users.save(mine)
            await first.commit()
    assert raised.value.code == "conflict.stale"  # DBG
    async with uow_factory() as uow:
        stored = await uow.staff_users.get(user_id)
    assert stored is not None and (stored.full_name, stored.version) == ("Anne Theirs", 2)


async def test_the_version_moves_only_when_a_value_changes(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    user_id = await _a_user(uow_factory)
    for full_name, expected in (("Anne Version", 1), ("Anne Renamed", 2), ("Anne Renamed", 2)):
        async with uow_factory() as uow:
            user = await uow.staff_users.get(user_id)
            assert user is not None
            user.full_name = full_name
            await uow.staff_users.save(user)
            await uow.commit()
        assert user.version == expected
        async with uow_factory() as uow:
            stored = await uow.staff_users.get(user_id)
        assert stored is not None and stored.version == expected
