"""Bad input at the pages' door: like the API (kernel check_request), a NUL character in the
address or in a posted form is a 400 page, never a 500 from PostgreSQL (text holds no NUL)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import sign_in_staff
from tests.ui.pages import post_form, sign_in_page


async def test_a_nul_character_in_a_search_or_a_form_is_a_400_page(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_page(client, "officer")
    searched = await client.get("/ui/people", params={"q": "Mar\x00tin"})
    assert searched.status_code == 400 and "caractères NUL" in searched.text
    posted = await post_form(
        client, "/ui/training", "/ui/training/programmes", name="Cr\x00éer", provider_name="BGE", duration_days="2"
    )
    assert posted.status_code == 400 and "caractères NUL" in posted.text
