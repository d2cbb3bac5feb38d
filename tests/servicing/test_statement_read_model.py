"""The statement read model (loan_statement_entries): the one source of a loan's transactions as the
schedule route lists them, written with each event; the append-only events keep facts only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import msgspec
from sqlalchemy import text

from service.servicing.http.payments import TransactionOut
from service.servicing.ports import Transaction
from service.wiring import SqlUnitOfWorkFactory


def test_a_statement_entry_is_the_wire_transaction_field_for_field() -> None:
    # The route splices the stored entries into its answer: same names, order and types.
    stored = [(f.name, f.type) for f in msgspec.structs.fields(Transaction)]
    sent = [(f.name, f.type) for f in msgspec.structs.fields(TransactionOut)]
    assert [name for name, _ in stored] == [name for name, _ in sent]
    entry = Transaction(
        id=uuid.uuid4(),
        sequence=3,
        kind="payment",
        value_date=date(2026, 3, 1),
        amount=Decimal("600.00"),
        channel="transfer",
        external_reference="RF18 5390 0754 7034",
        reverses_id=None,
        reversed=True,
        reason=None,
        recorded_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    )
    sent_as = msgspec.json.decode(msgspec.json.encode(entry), type=TransactionOut)
    assert msgspec.structs.asdict(sent_as) == msgspec.structs.asdict(entry)


async def test_loan_events_keep_no_api_json(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        columns = set(
            await uow.session.scalars(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = 'loan_events'")
            )
        )
    assert "amount" in columns and "document" not in columns
