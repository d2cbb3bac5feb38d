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
from domain.money import minor_unit
from service.usecases.servicing_ports import ScheduleDocument


def _digits_case() -> str:
    """Decimals of every currency that does not have two, as a CASE on ``currency``."""
    exceptions = []
    for code in sorted(CURRENCIES):
        try:
            exponent = minor_unit(code).as_tuple().exponent
        except RuleViolation:  # codes the domain refuses never reach a loan
            continue
        digits = -exponent if isinstance(exponent, int) else 2
        if digits != 2:
            exceptions.append(f"WHEN '{code}' THEN {digits}")
    return f"CASE currency {' '.join(exceptions)} ELSE 2 END"


def _money(column: str) -> str:
    # ``digits`` is computed once (an InitPlan); written inline, the CASE would run for every amount.
    return f"round({column}, (SELECT digits FROM c))::text"


_INSTALLMENT_AMOUNTS = ("principal_due", "interest_due", "fees_due", "penalties_due")
_PAID = ("principal_paid", "interest_paid", "fees_paid", "penalties_paid")


def _installment_columns() -> str:
    columns = ["i.number", "i.due_date", "i.status", "i.days_past_due"]
    columns += [f"{_money('i.' + name)} AS {name}" for name in _INSTALLMENT_AMOUNTS]
    columns.append(f"{_money(' + '.join('i.' + n for n in _INSTALLMENT_AMOUNTS))} AS total_due")
    columns += [f"{_money('i.' + name)} AS {name}" for name in _PAID]
    columns.append(f"{_money(' + '.join('i.' + n for n in _PAID))} AS total_paid")
    columns += [f"{_money('i.' + name)} AS {name}" for name in ("written_off", "rescheduled", "outstanding")]
    return ", ".join(columns)


# Rows turned into JSON objects whole (json_agg of a row) cost PostgreSQL a third of building
# each object key by key; the column names are the keys. Transactions are already JSON: each
# event's entry is written with it (loan_events.document) and only concatenated here.
SCHEDULE_DOCUMENT_SQL = f"""
WITH c AS MATERIALIZED (SELECT {_digits_case()} AS digits FROM loans WHERE id = $1)
SELECT a.borrower_id, json_build_object(
    'id', l.id, 'currency', l.currency, 'principal', {_money("l.principal")},
    'annual_interest_rate', l.annual_interest_rate::text, 'apr', {_money("l.apr")},
    'status', l.status, 'disbursed_on', l.disbursed_on, 'as_of', l.state_as_of,
    'outstanding_principal', {_money("l.outstanding_principal")}, 'credit_balance', {_money("l.credit_balance")},
    'days_past_due', l.days_past_due, 'arrears_bucket', l.arrears_bucket, 'next_due_date', l.next_due_date,
    'closed_on', l.closed_on, 'written_off_on', l.written_off_on,
    'installments', (
        SELECT coalesce(json_agg(t ORDER BY t.number), '[]')
        FROM (SELECT {_installment_columns()} FROM loan_installments i WHERE i.loan_id = l.id) AS t
    )
)::text
-- The transactions are spliced in as text after the last key (a cast to json would parse them all).
-- The object above ends with a closing brace: the API drops it, appends the array and closes again.
AS head, (
    SELECT coalesce(string_agg(
        CASE WHEN e.id IN (
            SELECT x.reverses_id FROM loan_events x WHERE x.loan_id = $1 AND x.reverses_id IS NOT NULL
        ) THEN replace(e.document, '"reversed":false', '"reversed":true') ELSE e.document END,
        ',' ORDER BY e.sequence
    ), '')
    FROM loan_events e WHERE e.loan_id = l.id
) AS transactions
FROM loans l
JOIN applicants a ON a.id = l.applicant_id
WHERE l.id = $1
"""


async def fetch_schedule_document(connection: Any, loan_id: uuid.UUID) -> ScheduleDocument | None:
    row = await connection.fetchrow(SCHEDULE_DOCUMENT_SQL, loan_id)
    if row is None:
        return None
    borrower_id, head, transactions = row
    return ScheduleDocument(borrower_id, f'{head[:-1]}, "transactions" : [{transactions}]}}')
