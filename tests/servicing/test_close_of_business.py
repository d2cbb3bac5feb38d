"""The close of business ages loans in set-based SQL to exactly what the domain's replay gives.

Loans are made disbursed (``tests.loans.make_loan``); the close of business runs for a sequence of
business dates, and after each one every instalment and loan field stored equals
``domain.servicing.state_as_of`` for that date. Also: a second run of a date changes nothing, and
a run killed halfway then run again ends where one clean run does.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import RuleViolation
from domain.ids import new_id
from domain.money import RoundingMode
from domain.servicing import InstallmentState, LoanState, Overpayment, Payment, PaymentChannel, ServicingTerms
from domain.servicing import state_as_of as replay_state
from service.kernel.db.engine import create_engine
from service.servicing.handlers.close_of_business import close_business_day, close_days_not_closed, days_to_close
from service.servicing.handlers.payments import refresh_loan_state
from service.servicing.ports import AgedChunk, ChunkRange
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.loans import MadeLoan, make_loan

D = Decimal
# The lender's current business date in these tests: every date closed here is over by then.
TODAY = date(2026, 12, 31)
EVENTS: dict[uuid.UUID, list[Payment]] = {}

TERMS = [
    ServicingTerms(currency="EUR"),
    ServicingTerms(currency="EUR", grace_days_before_late=5, late_fee=D("15.00"), penalty_annual_rate=D("12.5")),
    ServicingTerms(currency="EUR", penalty_annual_rate=D("7"), rounding=RoundingMode.HALF_EVEN),
    ServicingTerms(currency="EUR", grace_days_before_late=3, penalty_annual_rate=D("9.99"), rounding=RoundingMode.DOWN),
    ServicingTerms(
        currency="EUR",
        late_fee=D("7.50"),
        penalty_annual_rate=D("20"),
        rounding=RoundingMode.UP,
        arrears_buckets=(10, 20, 45),
    ),
]


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


class RecordingRefresh:
    def __init__(self) -> None:
        self.calls: list[tuple[uuid.UUID, date]] = []

    async def __call__(self, loan_id: uuid.UUID, as_of: date) -> None:
        self.calls.append((loan_id, as_of))


async def make_book(uow_factory: SqlUnitOfWorkFactory, officer: Caller, count: int) -> list[MadeLoan]:
    loans = []
    for index in range(count):
        terms = TERMS[index % len(TERMS)]
        loans.append(
            await make_loan(
                uow_factory,
                officer_id=officer.id,  # type: ignore[arg-type]
                servicing=terms,
                principal=f"{1000 + 137 * index}.00",
                installments=6 + index % 7,
                disbursed_on=date(2026, 1, 5 + index % 20),
            )
        )
    return loans


async def write_replayed(uow_factory: SqlUnitOfWorkFactory, made: MadeLoan, events: list[Payment], as_of: date) -> None:
    """Store the state the servicing use cases would write after recording ``events``."""
    EVENTS[made.id] = events
    state = replay_state(made.schedule, made.servicing, events, as_of, disbursed_on=made.disbursed_on)
    async with uow_factory() as uow:
        serviced = await uow.servicing.lock(made.id)
        assert serviced is not None
        await uow.servicing.write_state(serviced.loan, state, serviced.stored, len(events))
        await uow.commit()


def payment(amount: str, on: date, sequence: int = 1) -> Payment:
    return Payment(sequence=sequence, value_date=on, id=new_id(), amount=D(amount), channel=PaymentChannel.TRANSFER)


def expected(made: MadeLoan, as_of: date) -> LoanState:
    return replay_state(made.schedule, made.servicing, EVENTS.get(made.id, []), as_of, disbursed_on=made.disbursed_on)


async def stored(engine: AsyncEngine, loan_id: uuid.UUID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async with engine.connect() as connection:
        loan = (await connection.execute(text("SELECT * FROM loans WHERE id = :id"), {"id": loan_id})).mappings().one()
        rows = (
            await connection.execute(
                text("SELECT * FROM loan_installments WHERE loan_id = :id ORDER BY number"), {"id": loan_id}
            )
        ).mappings()
        return dict(loan), [dict(r) for r in rows]


async def assert_matches_replay(engine: AsyncEngine, made: MadeLoan, as_of: date) -> None:
    state = expected(made, as_of)
    loan, rows = await stored(engine, made.id)
    where = f"loan {made.id} ({made.servicing}) as of {as_of}"
    assert len(rows) == len(state.installments), where
    for line, row in zip(state.installments, rows, strict=True):
        for field in fields(InstallmentState):
            want = getattr(line, field.name)
            got = row[field.name]
            if isinstance(want, Decimal):
                assert got == want, f"{where}, instalment {line.number}, {field.name}: {got} != {want}"
            else:
                assert str(got) == str(want.value if hasattr(want, "value") else want), (
                    f"{where}, instalment {line.number}, {field.name}: {got} != {want}"
                )
    next_due = min((i.due_date for i in state.installments if i.due_date >= as_of and i.outstanding > 0), default=None)
    assert loan["state_as_of"] == as_of, where
    assert loan["outstanding_principal"] == state.outstanding_principal, where
    assert loan["credit_balance"] == state.credit_balance, where
    assert loan["days_past_due"] == state.days_past_due, where
    assert loan["arrears_bucket"] == state.arrears_bucket, where
    assert loan["next_due_date"] == next_due, where
    assert loan["closed_on"] == state.closed_on, where
    assert loan["status"] == "active", where


DATES = [
    date(2026, 2, 3),
    date(2026, 2, 10),
    date(2026, 2, 14),
    date(2026, 2, 15),
    date(2026, 2, 20),
    date(2026, 2, 21),
    date(2026, 3, 1),
    date(2026, 3, 17),
    date(2026, 4, 20),
    date(2026, 6, 30),
    date(2026, 9, 1),
]


async def test_close_of_business_over_many_dates_equals_the_replay(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    loans = await make_book(uow_factory, officer, 12)
    # Loans with payments before the first business date: one instalment partly paid, and two
    # paid then the next one late.
    for index, (amount, on) in enumerate((("50.00", date(2026, 1, 10)), ("260.00", date(2026, 1, 25)))):
        made = await make_loan(
            uow_factory,
            officer_id=officer.id,  # type: ignore[arg-type]
            servicing=TERMS[1 + 3 * index],
            principal="2000.00",
            disbursed_on=date(2025, 11, 20),
        )
        await write_replayed(uow_factory, made, [payment(amount, on)], on)
        loans.append(made)
    refresh = RecordingRefresh()
    book = SqlCloseOfBusiness(engine)
    for day in DATES:
        report = await close_business_day(day, today=TODAY, book=book, refresh=refresh, chunk_size=5)
        assert report.chunks == 3 and report.loans_aged == 14
        for made in loans:
            await assert_matches_replay(engine, made, day)
    assert refresh.calls == []


async def test_a_loan_with_a_credit_and_an_instalment_falling_due_is_replayed_by_refresh(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    credit_terms = ServicingTerms(currency="EUR", overpayment=Overpayment.KEEP_AS_CREDIT)
    with_credit = await make_loan(uow_factory, officer_id=officer.id, servicing=credit_terms)  # type: ignore[arg-type]
    without = await make_loan(uow_factory, officer_id=officer.id, servicing=credit_terms)  # type: ignore[arg-type]
    # 300.00 on the day of disbursement is more than the first instalment: a credit, kept.
    await write_replayed(uow_factory, with_credit, [payment("300.00", date(2026, 1, 20))], date(2026, 1, 20))
    loan, _ = await stored(engine, with_credit.id)
    assert loan["credit_balance"] == D("300.0000")
    refresh = RecordingRefresh()
    book = SqlCloseOfBusiness(engine)
    # Nothing falls due by 10 February: both are only aged.
    await close_business_day(date(2026, 2, 10), today=TODAY, book=book, refresh=refresh)
    assert refresh.calls == []
    await assert_matches_replay(engine, with_credit, date(2026, 2, 10))
    await assert_matches_replay(engine, without, date(2026, 2, 10))
    # The first instalment falls due on 15 February: the credit pays it, so that loan is replayed.
    report = await close_business_day(date(2026, 2, 16), today=TODAY, book=book, refresh=refresh)
    assert refresh.calls == [(with_credit.id, date(2026, 2, 16))]
    assert report.loans_refreshed == 1 and report.loans_aged == 1
    await assert_matches_replay(engine, without, date(2026, 2, 16))
    loan, _ = await stored(engine, with_credit.id)
    assert loan["state_as_of"] == date(2026, 2, 10)  # left to the replay (the stub did nothing)


async def snapshot(engine: AsyncEngine) -> dict[str, list[Any]]:
    async with engine.connect() as connection:
        return {
            table: [tuple(r) for r in await connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
            for table, order in (
                ("loans", "id"),
                ("loan_installments", "loan_id, number"),
                ("portfolio_daily", "currency, product_id, officer_id, partner_id"),
            )
        }


async def test_running_twice_for_the_same_date_changes_nothing(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    await make_book(uow_factory, officer, 7)
    book = SqlCloseOfBusiness(engine)
    first = await close_business_day(
        date(2026, 4, 20), today=TODAY, book=book, refresh=RecordingRefresh(), chunk_size=3
    )
    assert first.loans_aged == 7 and first.installments_updated > 0
    before = await snapshot(engine)
    again = await close_business_day(
        date(2026, 4, 20), today=TODAY, book=book, refresh=RecordingRefresh(), chunk_size=3
    )
    assert again.already_done
    assert await snapshot(engine) == before
    # Even with its progress forgotten, a run for a date the loans are at touches nothing.
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM close_of_business_runs"))
    forced = await close_business_day(
        date(2026, 4, 20), today=TODAY, book=book, refresh=RecordingRefresh(), chunk_size=3
    )
    assert (forced.loans_aged, forced.installments_updated) == (0, 0)
    assert await snapshot(engine) == before
    # An earlier date is refused: its figures would come from loans aged past it.
    with pytest.raises(RuleViolation) as refused:
        await close_business_day(date(2026, 3, 1), today=TODAY, book=book, refresh=RecordingRefresh(), chunk_size=3)
    assert refused.value.code == "close_of_business.closed_later"
    assert await snapshot(engine) == before
    async with engine.connect() as connection:
        runs = (await connection.execute(text("SELECT business_date FROM close_of_business_runs"))).scalars().all()
    assert runs == [date(2026, 4, 20)]


class Killed(Exception):
    pass


class DyingBook(SqlCloseOfBusiness):
    """Dies after ``chunks`` chunks, either before committing the next one or between committing
    a chunk and marking it done."""

    def __init__(self, engine: AsyncEngine, chunks: int, *, after_commit: bool) -> None:
        super().__init__(engine)
        self.left = chunks
        self.after_commit = after_commit

    async def age_chunk(self, business_date: date, chunk: ChunkRange) -> AgedChunk:
        if self.left == 0 and not self.after_commit:
            raise Killed
        return await super().age_chunk(business_date, chunk)

    @asynccontextmanager
    async def claim_chunk(self, business_date: date) -> AsyncIterator[Any]:
        async with super().claim_chunk(business_date) as claim:
            if claim is None:
                yield None
                return
            book = self

            class DyingClaim:
                chunk = claim.chunk

                async def done(self, aged: AgedChunk, *, refreshed: int) -> None:
                    if book.left == 0:
                        raise Killed
                    book.left -= 1
                    await claim.done(aged, refreshed=refreshed)

            yield DyingClaim()


@pytest.mark.parametrize("after_commit", [False, True])
async def test_a_run_killed_halfway_then_rerun_ends_as_one_clean_run(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller, after_commit: bool
) -> None:
    loans = await make_book(uow_factory, officer, 10)
    day = date(2026, 5, 20)
    with pytest.raises(Killed):
        await close_business_day(
            day,
            today=TODAY,
            book=DyingBook(engine, 2, after_commit=after_commit),
            refresh=RecordingRefresh(),
            chunk_size=3,
        )
    async with engine.connect() as connection:
        run = (await connection.execute(text("SELECT * FROM close_of_business_runs"))).mappings().one()
        at_day = await connection.scalar(text("SELECT count(*) FROM loans WHERE state_as_of = :d"), {"d": day})
    assert run["finished_at"] is None and run["chunks"] == 2
    assert at_day == (9 if after_commit else 6)
    report = await close_business_day(
        day, today=TODAY, book=SqlCloseOfBusiness(engine), refresh=RecordingRefresh(), chunk_size=3
    )
    assert report.loans_aged == (1 if after_commit else 4)
    for made in loans:
        await assert_matches_replay(engine, made, day)
    async with engine.connect() as connection:
        run = (await connection.execute(text("SELECT * FROM close_of_business_runs"))).mappings().one()
        figures = (await connection.execute(text("SELECT sum(active_loans) FROM portfolio_daily"))).scalar()
    # The counts are those of the chunks recorded: a chunk committed but not recorded is run again
    # and finds its loans already aged.
    assert run["finished_at"] is not None and run["chunks"] == 4
    assert run["loans_aged"] == (7 if after_commit else 10)
    assert figures == 10


async def test_portfolio_figures_of_the_day(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    terms = ServicingTerms(currency="EUR")
    product_id = (await make_loan(uow_factory, officer_id=officer.id, servicing=terms, principal="1200.00")).product_id  # type: ignore[arg-type]
    # Disbursed 15 January, monthly from 15 February: unpaid, on 20 May the oldest is 94 days late.
    late = await make_loan(uow_factory, officer_id=officer.id, product_id=product_id, principal="2400.00")  # type: ignore[arg-type]
    # Paid its first two instalments: oldest unpaid is 15 April, 35 days late on 20 May.
    paid_some = await make_loan(uow_factory, officer_id=officer.id, product_id=product_id, principal="3600.00")  # type: ignore[arg-type]
    two = sum((i.total for i in paid_some.schedule[:2]), D(0))
    await write_replayed(uow_factory, paid_some, [payment(str(two), date(2026, 3, 15))], date(2026, 3, 15))
    await close_business_day(
        date(2026, 5, 20), today=TODAY, book=SqlCloseOfBusiness(engine), refresh=RecordingRefresh()
    )
    async with engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM portfolio_daily"))).mappings().one()
    principal_paid = sum((i.principal for i in paid_some.schedule[:2]), D(0))
    assert row["business_date"] == date(2026, 5, 20) and row["product_id"] == product_id
    assert row["active_loans"] == 3 and row["partner_id"] is None
    assert row["gross_outstanding"] == D("1200.00") + D("2400.00") + D("3600.00") - principal_paid
    assert row["par30_outstanding"] == D("1200.00") + D("2400.00") + D("3600.00") - principal_paid
    assert row["par90_outstanding"] == D("1200.00") + D("2400.00")
    assert row["loans_by_bucket"] == {"over 90": 2, "31-60": 1}
    loan, _ = await stored(engine, late.id)
    assert (loan["days_past_due"], loan["arrears_bucket"]) == (94, "over 90")


async def test_a_days_figures_leave_out_loans_paid_out_after_it(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    # QA: a close of 29 November run after midnight counted a loan paid out on 30 November.
    earlier = await make_loan(uow_factory, officer_id=officer.id, principal="1200.00")
    await make_loan(
        uow_factory,
        officer_id=officer.id,
        product_id=earlier.product_id,  # type: ignore[arg-type]
        principal="5000.00",
        disbursed_on=date(2026, 5, 21),
    )
    await close_business_day(
        date(2026, 5, 20), today=TODAY, book=SqlCloseOfBusiness(engine), refresh=RecordingRefresh()
    )
    async with engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM portfolio_daily"))).mappings().one()
    assert row["active_loans"] == 1 and row["gross_outstanding"] == D("1200.00")


@pytest.mark.parametrize("days_after_today", [0, 1, 60])
async def test_a_day_that_is_not_over_is_not_closed(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller, days_after_today: int
) -> None:
    # A loan disbursed on the lender's today: a close for a later date made it 62 days late.
    today = date(2026, 1, 15)
    made = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=today)  # type: ignore[arg-type]
    before = await snapshot(engine)
    with pytest.raises(RuleViolation) as refused:
        await close_business_day(
            today + timedelta(days=days_after_today),
            today=today,
            book=SqlCloseOfBusiness(engine),
            refresh=RecordingRefresh(),
        )
    assert (refused.value.code, refused.value.field) == ("close_of_business.day_not_over", "business_date")
    assert await snapshot(engine) == before
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM close_of_business_runs")) == 0
    loan, _ = await stored(engine, made.id)
    assert loan["days_past_due"] == 0


def test_the_days_to_close_are_those_over_and_not_closed_yet() -> None:
    today = date(2026, 3, 10)
    assert days_to_close(None, today=today) == [date(2026, 3, 9)]
    assert days_to_close(date(2026, 3, 9), today=today) == []
    assert days_to_close(date(2026, 3, 6), today=today) == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]
    # A worker down for months catches up on the latest days only.
    assert days_to_close(date(2025, 1, 1), today=today, at_most=2) == [date(2026, 3, 8), date(2026, 3, 9)]


class CountingBook(SqlCloseOfBusiness):
    """The book, counting the checks a run makes before closing days."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.calls = {"forget_days_from": 0, "last_closed": 0}

    async def forget_days_from(self, day: date, *, loans_after: date) -> Sequence[uuid.UUID]:
        self.calls["forget_days_from"] += 1
        return await super().forget_days_from(day, loans_after=loans_after)

    async def last_closed(self) -> date | None:
        self.calls["last_closed"] += 1
        return await super().last_closed()


async def test_the_nightly_run_closes_the_days_missed_in_order(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    made = await make_loan(uow_factory, officer_id=officer.id)  # type: ignore[arg-type]
    book = SqlCloseOfBusiness(engine)
    await close_business_day(date(2026, 3, 1), today=TODAY, book=book, refresh=RecordingRefresh())
    # The worker was down on the 2nd and 3rd; on the 5th it closes the 2nd, 3rd and 4th.
    counting = CountingBook(engine)
    reports = await close_days_not_closed(today=date(2026, 3, 5), book=counting, refresh=RecordingRefresh())
    assert [r.business_date for r in reports] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    # The checks run once for the catch-up, not once per day.
    assert counting.calls == {"forget_days_from": 1, "last_closed": 1}
    async with engine.connect() as connection:
        days = (
            await connection.execute(text("SELECT DISTINCT business_date FROM portfolio_daily ORDER BY 1"))
        ).scalars()
        assert list(days) == [date(2026, 3, n) for n in range(1, 5)]
    await assert_matches_replay(engine, made, date(2026, 3, 4))
    assert await close_days_not_closed(today=date(2026, 3, 5), book=book, refresh=RecordingRefresh()) == []


async def test_a_close_of_a_day_not_over_is_undone_by_the_next_run(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    # Before this was refused, a close for a future day aged loans past today, and closing today
    # could not move them back: a loan disbursed on 15 January showed days late on 20 February.
    made = await make_loan(uow_factory, officer_id=officer.id)  # type: ignore[arg-type]
    book = SqlCloseOfBusiness(engine)
    refresh = partial(refresh_loan_state, uow_factory=uow_factory)
    await close_business_day(date(2026, 6, 1), today=date(2026, 6, 2), book=book, refresh=refresh)
    loan, _ = await stored(engine, made.id)
    assert loan["days_past_due"] > 60

    reports = await close_days_not_closed(today=date(2026, 2, 20), book=book, refresh=refresh)

    assert [r.business_date for r in reports] == [date(2026, 2, 19)]
    loan, _ = await stored(engine, made.id)
    assert loan["state_as_of"] == date(2026, 2, 20)
    await assert_matches_replay(engine, made, date(2026, 2, 20))
    async with engine.connect() as connection:
        runs = (await connection.execute(text("SELECT business_date FROM close_of_business_runs"))).scalars().all()
        figures = (await connection.execute(text("SELECT DISTINCT business_date FROM portfolio_daily"))).scalars()
        assert runs == [date(2026, 2, 19)] and list(figures) == [date(2026, 2, 19)]
