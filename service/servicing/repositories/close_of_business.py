"""The close of business in set-based SQL: a chunk of loans per transaction, no loan loaded alone.

A run is split into chunks when it starts (``close_of_business_chunks``: ranges of loan ids of
``chunk_size`` active loans each, by keyset); any worker claims a chunk not done with
``FOR UPDATE SKIP LOCKED`` on a connection of its own, held while it ages and refreshes the chunk,
and marks it done on that connection: several workers share a run, and a dead worker's chunk is
free again when its connection goes.

Each chunk brings the loans of an id range, and their instalments, from their ``state_as_of`` to
the business date D exactly as ``domain.servicing.state_as_of`` would for a loan without new events
(see ``domain.servicing._book.Book.charge`` and ``replay._installment``):

- an open instalment due by D, not before the first one still owing something (the replay charges
  from there on), is charged for the days after ``coalesce(charged_through, due_date + grace)`` up
  to D: the late fee once if it owes something, ``late_amount_days`` += overdue principal and
  interest x days, penalty interest = ``late_amount_days`` x rate / 36,500 rounded once to the
  currency's minor unit with the terms' rounding (exact integer arithmetic, like
  ``policies.divide``), and ``charged_through`` = D;
- its status and days past due follow (paid, due, partially paid, late beyond the grace days);
- the loan's days past due (age of the oldest unpaid instalment beyond the grace days), bucket,
  next due date and ``state_as_of`` = D.

Only instalments that can change are read: those in arrears through ``ix_loan_installments_in_arrears``
and, for loans whose next due date has come, their instalments falling due.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.money import decimals
from service.servicing.ports import AgedChunk, ChunkRange, CloseOfBusinessRun
from service.servicing.tables.close_of_business import IN_ARREARS

_NIL = uuid.UUID(int=0)
_MAX = uuid.UUID(int=2**128 - 1)
_DATE = re.compile(r":d\b")


def _sql(statement: str) -> TextClause:
    """``text`` with the business date typed (asyncpg cannot infer it in ``:d - due_date``)."""
    return text(_DATE.sub("CAST(:d AS date)", statement))


_OPEN = "('due', 'late', 'partially_paid', 'not_due')"

_START = _sql(
    """
    INSERT INTO close_of_business_runs (business_date) VALUES (:d)
    ON CONFLICT (business_date) DO UPDATE SET business_date = EXCLUDED.business_date
    RETURNING finished_at IS NOT NULL AS finished
    """
)

# Run once per run, under the run row's lock (taken by _START): the ids ending each chunk of
# :size active loans, the last chunk open-ended (a loan paid out during the run needs no ageing).
_PLAN = text(
    """
    INSERT INTO close_of_business_chunks (business_date, number, after_loan_id, last_loan_id)
    SELECT :d, number, coalesce(lag(last) OVER (ORDER BY number), :nil),
           CASE WHEN number = count(*) OVER () THEN :max ELSE last END
    FROM (
        SELECT id AS last, row_number() OVER (ORDER BY id) AS number
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS position FROM loans WHERE status = 'active') AS active
        WHERE position % :size = 0 OR position = (SELECT count(*) FROM loans WHERE status = 'active')
    ) AS ends
    WHERE NOT EXISTS (SELECT 1 FROM close_of_business_chunks WHERE business_date = :d)
    """
)
_CHUNKS = text("SELECT count(*) FROM close_of_business_chunks WHERE business_date = :d")
_CHUNKS_DONE = text("SELECT count(done_at), count(*) FROM close_of_business_chunks WHERE business_date = :d")
_CLAIM = text(
    """
    SELECT number, after_loan_id, last_loan_id FROM close_of_business_chunks
    WHERE business_date = :d AND done_at IS NULL
    ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED
    """
)
_CHUNK_DONE = text(
    """
    UPDATE close_of_business_chunks
    SET done_at = now(), loans_aged = :aged, installments_updated = :updated, loans_refreshed = :refreshed
    WHERE business_date = :d AND number = :number
    """
)

_LAST_CLOSED = text("SELECT max(business_date) FROM close_of_business_runs WHERE finished_at IS NOT NULL")

_FORGET_FIGURES = text("DELETE FROM portfolio_daily WHERE business_date >= :d")
_FORGET_RUNS = text("DELETE FROM close_of_business_runs WHERE business_date >= :d")
_AGED_PAST = text("SELECT id FROM loans WHERE state_as_of > :d ORDER BY id")

_CURRENCIES = text("SELECT DISTINCT currency FROM loans WHERE status = 'active'")

# Payments and reschedules lock the loan row first (FOR UPDATE); taking the same lock before
# reading the instalments means the next statement sees a state no one changes under it.
_LOCK = _sql(
    """
    SELECT count(*) FROM (
        SELECT id FROM loans
        WHERE status = 'active' AND id > :after AND id <= :last AND coalesce(state_as_of, disbursed_on) < :d
        ORDER BY id FOR NO KEY UPDATE
    ) AS locked
    """
)

_AGE = _sql(
    f"""
    WITH loan AS MATERIALIZED (
        SELECT l.id,
               coalesce(l.state_as_of, l.disbursed_on) AS since,
               l.next_due_date,
               l.credit_balance,
               coalesce((l.servicing ->> 'grace_days_before_late')::int, 0) AS grace,
               coalesce((l.servicing ->> 'late_fee')::numeric, 0) AS terms_late_fee,
               coalesce((l.servicing ->> 'penalty_annual_rate')::numeric, 0) AS rate,
               coalesce(l.servicing ->> 'rounding', 'half_up') AS rounding,
               coalesce(l.servicing -> 'arrears_buckets', '[30, 60, 90]'::jsonb) AS buckets,
               (CAST(:decimals AS jsonb) ->> l.currency)::int AS decimals
        FROM loans l
        WHERE l.status = 'active' AND l.id > :after AND l.id <= :last
          AND coalesce(l.state_as_of, l.disbursed_on) < :d
    ),
    refresh AS MATERIALIZED (
        SELECT loan.id FROM loan
        WHERE loan.credit_balance > 0 AND EXISTS (
            SELECT 1 FROM loan_installments i
            WHERE i.loan_id = loan.id AND i.due_date > loan.since AND i.due_date <= :d
              AND i.outstanding > 0 AND i.status IN {_OPEN}
        )
    ),
    aged AS MATERIALIZED (
        SELECT * FROM loan WHERE NOT EXISTS (SELECT 1 FROM refresh r WHERE r.id = loan.id)
    ),
    candidate AS MATERIALIZED (
        SELECT i.* FROM loan_installments i
        WHERE i.loan_id > :after AND i.loan_id <= :last AND ({IN_ARREARS}) AND i.due_date <= :d
          AND EXISTS (SELECT 1 FROM aged a WHERE a.id = i.loan_id)
        UNION ALL
        SELECT i.* FROM aged a JOIN loan_installments i ON i.loan_id = a.id
        WHERE a.next_due_date <= :d AND i.status = 'not_due' AND i.due_date <= :d
          AND i.principal_due + i.interest_due + i.fees_due + i.penalties_due <> 0
    ),
    first_open AS (
        SELECT loan_id, min(number) AS number FROM candidate WHERE outstanding > 0 GROUP BY loan_id
    ),
    charged AS (
        SELECT c.*, a.grace, a.terms_late_fee, a.rate, a.rounding, a.decimals,
               coalesce(c.number >= f.number AND :d > s.start, false) AS charge,
               :d - s.start AS days
        FROM candidate c
        JOIN aged a ON a.id = c.loan_id
        LEFT JOIN first_open f ON f.loan_id = c.loan_id
        CROSS JOIN LATERAL (SELECT coalesce(c.charged_through, c.due_date + a.grace) AS start) s
    ),
    charges AS (
        SELECT ch.*,
               CASE WHEN ch.charge THEN :d ELSE ch.charged_through END AS new_charged_through,
               CASE WHEN ch.charge AND ch.outstanding > 0 AND ch.terms_late_fee > 0 AND ch.late_fee = 0
                    THEN ch.terms_late_fee ELSE ch.late_fee END AS new_late_fee,
               ch.charge AND ch.outstanding > 0 AND ch.rate > 0 AS accrues,
               CASE WHEN ch.charge AND ch.outstanding > 0 AND ch.rate > 0
                    THEN ch.late_amount_days
                         + (ch.principal_due - ch.principal_paid + ch.interest_due - ch.interest_paid) * ch.days
                    ELSE ch.late_amount_days END AS new_late_amount_days
        FROM charged ch
    ),
    penalties AS (
        SELECT c.*,
               CASE WHEN NOT c.accrues THEN c.penalty_interest
                    ELSE (p.q + CASE c.rounding
                                    WHEN 'half_up' THEN (2 * p.r >= p.den)::int
                                    WHEN 'half_even'
                                        THEN (2 * p.r > p.den OR (2 * p.r = p.den AND mod(p.q, 2) = 1))::int
                                    WHEN 'up' THEN (p.r > 0)::int
                                    ELSE 0 END) / power(10::numeric, c.decimals)
               END AS new_penalty_interest
        FROM charges c
        CROSS JOIN LATERAL (
            SELECT n.num, n.den, div(n.num, n.den) AS q, mod(n.num, n.den) AS r
            FROM (SELECT c.new_late_amount_days * power(10::numeric, c.decimals)
                         * c.rate * power(10::numeric, scale(c.rate)) AS num,
                         36500 * power(10::numeric, scale(c.rate)) AS den) n
        ) p
    ),
    final AS (
        SELECT p.*, o.new_outstanding,
               CASE WHEN o.new_outstanding = 0 THEN 'paid'
                    WHEN :d - p.due_date > p.grace THEN 'late'
                    WHEN p.principal_paid + p.interest_paid + p.fees_paid + p.penalties_paid > 0 THEN 'partially_paid'
                    ELSE 'due' END AS new_status,
               CASE WHEN o.new_outstanding > 0 THEN :d - p.due_date ELSE 0 END AS new_days_past_due
        FROM penalties p
        CROSS JOIN LATERAL (
            SELECT p.outstanding + (p.new_late_fee - p.late_fee) + (p.new_penalty_interest - p.penalty_interest)
                   AS new_outstanding
        ) o
    ),
    installments_written AS (
        UPDATE loan_installments i
        SET late_fee = f.new_late_fee,
            late_amount_days = f.new_late_amount_days,
            penalty_interest = f.new_penalty_interest,
            penalties_due = f.carried_penalties + f.new_late_fee + f.new_penalty_interest,
            outstanding = f.new_outstanding,
            charged_through = f.new_charged_through,
            status = f.new_status,
            days_past_due = f.new_days_past_due
        FROM final f
        WHERE i.loan_id = f.loan_id AND i.number = f.number
          AND (f.new_late_fee, f.new_late_amount_days, f.new_penalty_interest, f.new_charged_through,
               f.new_status, f.new_days_past_due)
              IS DISTINCT FROM
              (f.late_fee, f.late_amount_days, f.penalty_interest, f.charged_through, f.status, f.days_past_due)
        RETURNING 1
    ),
    oldest AS (
        SELECT loan_id, min(due_date) AS due_date FROM final WHERE new_outstanding > 0 GROUP BY loan_id
    ),
    arrears AS (
        SELECT a.id, a.buckets, a.next_due_date,
               CASE WHEN :d - o.due_date > a.grace THEN :d - o.due_date ELSE 0 END AS days
        FROM aged a LEFT JOIN oldest o ON o.loan_id = a.id
    ),
    loans_written AS (
        UPDATE loans l
        SET days_past_due = x.days,
            arrears_bucket = CASE WHEN x.days <= 0 THEN 'current' ELSE coalesce(
                (SELECT CASE WHEN b.position = 1 THEN '1'
                             ELSE ((x.buckets ->> (b.position::int - 2))::int + 1)::text END || '-' || b.bound
                 FROM jsonb_array_elements_text(x.buckets) WITH ORDINALITY AS b(bound, position)
                 WHERE x.days <= b.bound::int ORDER BY b.position LIMIT 1),
                'over ' || (x.buckets ->> -1)) END,
            next_due_date = CASE WHEN x.next_due_date IS NULL OR x.next_due_date >= :d THEN x.next_due_date
                ELSE (SELECT min(i.due_date) FROM loan_installments i
                      WHERE i.loan_id = x.id AND i.due_date >= :d AND i.outstanding > 0) END,
            state_as_of = :d
        FROM arrears x
        WHERE l.id = x.id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM loans_written) AS loans_aged,
           (SELECT count(*) FROM installments_written) AS installments_updated,
           (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM refresh) AS to_refresh
    """
)

_RECORD = _sql(
    """
    UPDATE close_of_business_runs
    SET chunks = chunks + 1, loans_aged = loans_aged + :aged,
        installments_updated = installments_updated + :updated, loans_refreshed = loans_refreshed + :refreshed
    WHERE business_date = :d
    """
)

# PAR30 / PAR90 (CGAP): the whole outstanding principal of every loan more than 30 / 90 days past
# due. An upsert, so a re-run overwrites the same rows; groups left without active loans go.
_RECORD_PORTFOLIO = _sql(
    """
    WITH recorded AS (
        INSERT INTO portfolio_daily (business_date, currency, product_id, officer_id, partner_id, active_loans,
                                     gross_outstanding, par30_outstanding, par90_outstanding, loans_by_bucket)
        SELECT :d, currency, product_id, officer_id, partner_id, sum(loans), sum(gross), sum(par30), sum(par90),
               jsonb_object_agg(arrears_bucket, loans)
        FROM (
            SELECT currency, product_id, officer_id, partner_id, arrears_bucket, count(*) AS loans,
                   sum(outstanding_principal) AS gross,
                   coalesce(sum(outstanding_principal) FILTER (WHERE days_past_due > 30), 0) AS par30,
                   coalesce(sum(outstanding_principal) FILTER (WHERE days_past_due > 90), 0) AS par90
            -- A loan paid out after the day is not in that day's book (a close run late, or catching up).
            FROM loans WHERE status = 'active' AND disbursed_on <= :d
            GROUP BY currency, product_id, officer_id, partner_id, arrears_bucket
        ) AS per_bucket
        GROUP BY currency, product_id, officer_id, partner_id
        ON CONFLICT (business_date, currency, product_id, officer_id, partner_id) DO UPDATE
        SET active_loans = EXCLUDED.active_loans, gross_outstanding = EXCLUDED.gross_outstanding,
            par30_outstanding = EXCLUDED.par30_outstanding, par90_outstanding = EXCLUDED.par90_outstanding,
            loans_by_bucket = EXCLUDED.loans_by_bucket
        RETURNING id
    )
    DELETE FROM portfolio_daily
    WHERE business_date = :d AND id NOT IN (SELECT id FROM recorded)
    """
)

_FINISH = text("UPDATE close_of_business_runs SET finished_at = now() WHERE business_date = :d")


def _decimals(currencies: list[str]) -> str:
    return json.dumps({code: decimals(code) for code in currencies})


class SqlCloseOfBusiness:
    """``CloseOfBusinessBook`` on PostgreSQL; each method opens, and commits, its own transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._decimals: str | None = None

    async def last_closed(self) -> date | None:
        async with self.engine.connect() as connection:
            return await connection.scalar(_LAST_CLOSED)  # type: ignore[no-any-return]

    async def forget_days_from(self, day: date, *, loans_after: date) -> Sequence[uuid.UUID]:
        async with self.engine.begin() as connection:
            await connection.execute(_FORGET_FIGURES, {"d": day})
            await connection.execute(_FORGET_RUNS, {"d": day})
            return list((await connection.execute(_AGED_PAST, {"d": loans_after})).scalars())

    async def start(self, business_date: date, *, chunk_size: int) -> CloseOfBusinessRun:
        async with self.engine.begin() as connection:
            row = (await connection.execute(_START, {"d": business_date})).one()
            if not row.finished:
                await connection.execute(_PLAN, {"d": business_date, "size": chunk_size, "nil": _NIL, "max": _MAX})
            chunks = await connection.scalar(_CHUNKS, {"d": business_date})
            self._decimals = _decimals([c for (c,) in await connection.execute(_CURRENCIES)])
        return CloseOfBusinessRun(business_date, bool(row.finished), chunks or 0)

    @asynccontextmanager
    async def claim_chunk(self, business_date: date) -> AsyncIterator[SqlChunkClaim | None]:
        async with self.engine.begin() as connection:
            row = (await connection.execute(_CLAIM, {"d": business_date})).one_or_none()
            yield None if row is None else SqlChunkClaim(connection, business_date, ChunkRange(*row))

    async def chunks_done(self, business_date: date) -> tuple[int, int]:
        async with self.engine.connect() as connection:
            done, total = (await connection.execute(_CHUNKS_DONE, {"d": business_date})).one()
        return int(done), int(total)

    async def age_chunk(self, business_date: date, chunk: ChunkRange) -> AgedChunk:
        params: dict[str, Any] = {"d": business_date, "after": chunk.after, "last": chunk.last}
        async with self.engine.begin() as connection:
            # Every set here is at most a chunk, reached through an index; the planner cannot
            # size the CTEs and would otherwise hash-join an UPDATE against the whole table.
            for setting in ("enable_seqscan", "enable_mergejoin"):
                await connection.execute(text(f"SET LOCAL {setting} = off"))
            await connection.scalar(_LOCK, params)
            params["decimals"] = await self._currency_places(connection)
            row = (await connection.execute(_AGE, params)).one()
        return AgedChunk(row.loans_aged, row.installments_updated, tuple(row.to_refresh))

    async def _currency_places(self, connection: AsyncConnection) -> str:
        if self._decimals is None:
            self._decimals = _decimals([c for (c,) in await connection.execute(_CURRENCIES)])
        return self._decimals

    async def finish(self, business_date: date) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(_RECORD_PORTFOLIO, {"d": business_date})
            await connection.execute(_FINISH, {"d": business_date})


class SqlChunkClaim:
    """A chunk locked on ``connection`` (its transaction commits when the claim ends)."""

    def __init__(self, connection: AsyncConnection, business_date: date, chunk: ChunkRange) -> None:
        self.connection = connection
        self.business_date = business_date
        self.chunk = chunk

    async def done(self, aged: AgedChunk, *, refreshed: int) -> None:
        counts = {"aged": aged.loans_aged, "updated": aged.installments_updated, "refreshed": refreshed}
        await self.connection.execute(_CHUNK_DONE, {"d": self.business_date, "number": self.chunk.number, **counts})
        await self.connection.execute(_RECORD, {"d": self.business_date, **counts})
