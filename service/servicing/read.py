"""A loan's schedule document (the JSON of GET /v1/loans/{id}/schedule) rendered by PostgreSQL.

A loan may have hundreds of transactions; building, decoding and encoding them again in the one
API worker cost more than the query. PostgreSQL writes the document in one statement and the API
sends it as is. Its shape is the API's LoanScheduleResponse: tests decode it with that type and
compare it with the same schedule built in Python from ``SqlLoanServicing.statement``.
"""

from __future__ import annotations

import uuid
from typing import Any

from moneyed import CURRENCIES

from domain.errors import RuleViolation
from domain.money import decimals
from service.servicing.ports import ScheduleDocument


def _digits_case() -> str:
    """Decimals of every currency that does not have two, as a CASE on ``currency``."""
    exceptions = []
    for code in sorted(CURRENCIES):
        try:
            digits = decimals(code)
        except RuleViolation:  # codes the domain refuses never reach a loan
            continue
        if digits != 2:
            exceptions.append(f"WHEN '{code}' THEN {digits}")
    return f"CASE currency {' '.join(exceptions)} ELSE 2 END"


def _money(column: str) -> str:
    # ``digits`` is computed once (an InitPlan); written inline, the CASE would run for every amount.
    return f"round({column}, (SELECT digits FROM c))::text"


def rate_sql(column: str) -> str:
    """A rate as the API writes every rate (service.kernel.http.wire.rate_text): trailing zeros dropped
    down to two decimals ("7.450000" -> "7.45", "5.5" -> "5.50")."""
    return f"(CASE WHEN scale(trim_scale({column})) < 2 THEN round({column}, 2) ELSE trim_scale({column}) END)::text"


_INSTALLMENT_AMOUNTS = ("principal_due", "interest_due", "fees_due", "penalties_due")
_PAID = ("principal_paid", "interest_paid", "fees_paid", "penalties_paid")


def _installment_columns() -> str:
    # Numbered within their schedule, as its contract or amendment numbers them (from 1).
    columns = ["row_number() OVER (ORDER BY i.number) AS number", "i.due_date", "i.status", "i.days_past_due"]
    columns += [f"{_money('i.' + name)} AS {name}" for name in _INSTALLMENT_AMOUNTS]
    columns.append(f"{_money(' + '.join('i.' + n for n in _INSTALLMENT_AMOUNTS))} AS total_due")
    columns += [f"{_money('i.' + name)} AS {name}" for name in _PAID]
    columns.append(f"{_money(' + '.join('i.' + n for n in _PAID))} AS total_paid")
    columns += [f"{_money('i.' + name)} AS {name}" for name in ("written_off", "rescheduled", "outstanding")]
    # As the contract or amendment drew it up (the columns the servicing state leaves alone).
    columns += [f"{_money('i.' + name)} AS scheduled_{name}" for name in ("principal", "interest", "fees", "total")]
    return ", ".join(columns)


def _installments_of(version: str) -> str:
    """The JSON array of one schedule's instalments."""
    return f"""(
        SELECT coalesce(json_agg(t ORDER BY t.number), '[]')
        FROM (SELECT {_installment_columns()} FROM loan_installments i
              WHERE i.loan_id = $1 AND i.schedule_version = {version}) AS t
    )"""


# Rows turned into JSON objects whole (json_agg of a row) cost PostgreSQL a third of building
# each object key by key; the column names are the keys. Transactions are already JSON: the
# statement read model (loan_statement_entries, ports.Transaction) keeps each event's entry,
# written with the event, and they are only concatenated here.
# ``v`` lists the loan's schedules (LoanStatement.schedules in Python): the contract's (version 0)
# and each reschedule's (version = its event's sequence, terms in the event's details), in the
# order they took over; the one never replaced is the live one.
SCHEDULE_DOCUMENT_SQL = f"""
WITH c AS MATERIALIZED (SELECT {_digits_case()} AS digits FROM loans WHERE id = $1),
v AS MATERIALIZED (
    SELECT s.version, row_number() OVER w - 1 AS amendment, s.starts_on,
           lead(s.starts_on) OVER w AS replaced_on, s.rate, s.apr
    FROM (
        SELECT d.version, coalesce(e.value_date, l.disbursed_on) AS starts_on,
               CASE WHEN d.version = 0 THEN l.annual_interest_rate
                    ELSE (e.details ->> 'annual_interest_rate')::numeric END AS rate,
               CASE WHEN d.version = 0 THEN l.apr ELSE (e.details ->> 'apr')::numeric END AS apr
        FROM (SELECT DISTINCT schedule_version AS version FROM loan_installments WHERE loan_id = $1) AS d
        JOIN loans l ON l.id = $1
        LEFT JOIN loan_events e ON e.loan_id = $1 AND e.sequence = d.version
    ) AS s
    WINDOW w AS (ORDER BY s.starts_on, s.version)
)
SELECT a.borrower_id, json_build_object(
    'id', l.id, 'currency', l.currency, 'principal', {_money("l.principal")},
    'annual_interest_rate', {rate_sql("live.rate")}, 'apr', {rate_sql("live.apr")},
    'amendment', live.amendment, 'schedule_starts_on', live.starts_on,
    'status', l.status, 'disbursed_on', l.disbursed_on, 'as_of', l.state_as_of,
    'outstanding_principal', {_money("l.outstanding_principal")}, 'credit_balance', {_money("l.credit_balance")},
    'days_past_due', l.days_past_due, 'arrears_bucket', l.arrears_bucket, 'next_due_date', l.next_due_date,
    'closed_on', l.closed_on, 'written_off_on', l.written_off_on,
    'installments', {_installments_of("live.version")},
    'earlier_schedules', (
        SELECT coalesce(json_agg(json_build_object(
            'amendment', v.amendment, 'starts_on', v.starts_on, 'replaced_on', v.replaced_on,
            'annual_interest_rate', {rate_sql("v.rate")}, 'apr', {rate_sql("v.apr")},
            'installments', {_installments_of("v.version")}
        ) ORDER BY v.amendment), '[]')
        FROM v WHERE v.replaced_on IS NOT NULL
    )
)::text
-- The transactions are spliced in as text after the last key (a cast to json would parse them all).
-- The object above ends with a closing brace: the API drops it, appends the array and closes again.
AS head, (
    SELECT coalesce(string_agg(s.entry, ',' ORDER BY s.sequence), '')
    FROM loan_statement_entries s WHERE s.loan_id = l.id
) AS transactions
FROM loans l
JOIN applicants a ON a.id = l.applicant_id
JOIN v AS live ON live.replaced_on IS NULL
WHERE l.id = $1
"""


async def fetch_schedule_document(connection: Any, loan_id: uuid.UUID) -> ScheduleDocument | None:
    row = await connection.fetchrow(SCHEDULE_DOCUMENT_SQL, loan_id)
    if row is None:
        return None
    borrower_id, head, transactions = row
    return ScheduleDocument(borrower_id, f'{head[:-1]}, "transactions" : [{transactions}]}}')
