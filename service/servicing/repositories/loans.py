"""Repositories for loans and disbursements, the ledger and the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import Boolean, ColumnElement, String, Table, Uuid, column, func, insert, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ids import new_id
from domain.ledger.model import Account, LedgerTransaction
from domain.loans.model import Disbursement, Loan
from domain.money import quantize
from service.kernel.db.codec import to_jsonb
from service.kernel.db.gateway import in_transaction
from service.kernel.db.mapping import search_form
from service.servicing.ports import LoanListItem, LoanSearch
from service.servicing.repositories.mapping import contract_installment, loan_from_row
from service.servicing.tables.loans import (
    DisbursementRow,
    LedgerEntryRow,
    LoanInstallmentRow,
    LoanRow,
)

# Other contexts' tables, read here by name for a few columns and never written: Core references,
# so that this context imports none of their code (README, "Where things live").
_applicants = table(
    "applicants",
    column("id", Uuid),
    column("full_name", String),
    column("phone", String),
    column("search_name", String),
    column("test", Boolean),
)
_loan_products = table("loan_products", column("id", Uuid), column("name", String))
_staff_users = table("staff_users", column("id", Uuid), column("full_name", String))
_partners = table("partners", column("id", Uuid), column("name", String))


LOANS: Table = LoanRow.__table__  # type: ignore[assignment]
INSTALLMENTS: Table = LoanInstallmentRow.__table__  # type: ignore[assignment]
DISBURSEMENTS: Table = DisbursementRow.__table__  # type: ignore[assignment]
LEDGER_ENTRIES: Table = LedgerEntryRow.__table__  # type: ignore[assignment]


class SqlLoans:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, loan: Loan) -> None:
        await self.session.execute(
            insert(LOANS).values(
                id=loan.id,
                application_id=loan.application_id,
                applicant_id=loan.applicant_id,
                officer_id=loan.officer_id,
                product_id=loan.product_id,
                product_version=loan.product_version,
                currency=loan.currency,
                principal=loan.principal,
                annual_interest_rate=loan.annual_interest_rate,
                apr=loan.apr,
                status=loan.status,
                disbursed_on=loan.disbursed_on,
                partner_id=loan.partner_id,
                servicing=to_jsonb(loan.servicing_terms, omit=("currency",)),
                outstanding_principal=loan.principal,
                next_due_date=loan.installments[0].due_date,
                state_as_of=loan.disbursed_on,
            )
        )
        await self.session.execute(
            insert(INSTALLMENTS),
            [
                {
                    "loan_id": loan.id,
                    "number": i.number,
                    "due_date": i.due_date,
                    "principal": i.principal,
                    "interest": i.interest,
                    "fees": i.fees,
                    "total": i.total,
                    "principal_remaining": i.principal_remaining,
                    # Nothing paid yet: the instalment asks for its contract amounts.
                    "principal_due": i.principal,
                    "interest_due": i.interest,
                    "fees_due": i.fees,
                    "outstanding": i.total,
                }
                for i in loan.installments
            ],
        )

    async def get(self, loan_id: uuid.UUID) -> Loan | None:
        return await self._load(LOANS.c.id == loan_id)

    async def ids_for_applications(self, application_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, uuid.UUID]:
        rows = await self.session.execute(
            select(LOANS.c.application_id, LOANS.c.id).where(LOANS.c.application_id.in_(set(application_ids)))
        )
        return dict(rows.all())

    async def for_application(self, application_id: uuid.UUID) -> Loan | None:
        return await self._load(LOANS.c.application_id == application_id)

    async def _load(self, condition: ColumnElement[bool]) -> Loan | None:
        row = (await self.session.execute(select(LOANS).where(condition))).mappings().first()
        if row is None:
            return None
        lines = await self.session.execute(
            select(INSTALLMENTS)
            .where(INSTALLMENTS.c.loan_id == row["id"], INSTALLMENTS.c.origin == "contract")
            .order_by(INSTALLMENTS.c.number)
        )
        return loan_from_row(
            row, tuple(contract_installment(r, row["currency"]) for r in lines.mappings()), row["currency"]
        )

    async def add_disbursement(self, disbursement: Disbursement) -> None:
        await self.session.execute(
            insert(DISBURSEMENTS).values(
                id=disbursement.id,
                application_id=disbursement.application_id,
                loan_id=disbursement.loan_id,
                tranche=disbursement.tranche,
                amount=disbursement.amount,
                fees_withheld=disbursement.fees_withheld,
                value_date=disbursement.value_date,
                ledger_transaction_id=disbursement.ledger_transaction_id,
                created_by=disbursement.created_by,
            )
        )

    async def disbursements(self, application_id: uuid.UUID) -> Sequence[Disbursement]:
        rows = await self.session.execute(
            select(DISBURSEMENTS, LOANS.c.currency)
            .join(LOANS, LOANS.c.id == DISBURSEMENTS.c.loan_id)
            .where(DISBURSEMENTS.c.application_id == application_id)
            .order_by(DISBURSEMENTS.c.tranche)
        )
        return [
            Disbursement(
                id=r["id"],
                application_id=r["application_id"],
                loan_id=r["loan_id"],
                tranche=r["tranche"],
                amount=quantize(r["amount"], r["currency"]),
                fees_withheld=quantize(r["fees_withheld"], r["currency"]),
                value_date=r["value_date"],
                ledger_transaction_id=r["ledger_transaction_id"],
                created_by=r["created_by"],
            )
            for r in rows.mappings()
        ]

    async def outstanding_principal_of_applicant(self, applicant_id: uuid.UUID, currency: str) -> Decimal:
        """Principal still owed on the applicant's loans, from the ledger (the source of truth)."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(LEDGER_ENTRIES.c.amount), 0))
            .join(LOANS, LOANS.c.id == LEDGER_ENTRIES.c.loan_id)
            .where(
                LOANS.c.applicant_id == applicant_id,
                LEDGER_ENTRIES.c.account == Account.LOAN_PRINCIPAL.value,
                LEDGER_ENTRIES.c.currency == currency,
            )
        )
        return Decimal(total or 0)

    async def search(self, criteria: LoanSearch, *, after: uuid.UUID | None, limit: int) -> Sequence[LoanListItem]:
        """The staff's loan list in id order (ids are time-ordered: oldest first), after a cursor id."""
        query = (
            select(
                LOANS,
                _applicants.c.full_name.label("borrower_name"),
                _applicants.c.phone.label("borrower_phone"),
                _staff_users.c.full_name.label("officer_name"),
                _loan_products.c.name.label("product_name"),
                _partners.c.name.label("partner_name"),
            )
            .join(_applicants, _applicants.c.id == LOANS.c.applicant_id)
            .join(_staff_users, _staff_users.c.id == LOANS.c.officer_id)
            .join(_loan_products, _loan_products.c.id == LOANS.c.product_id)
            .outerjoin(_partners, _partners.c.id == LOANS.c.partner_id)
            .order_by(LOANS.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(LOANS.c.id > after)
        for filtered, wanted in (
            (LOANS.c.officer_id, criteria.officer_id),
            (LOANS.c.product_id, criteria.product_id),
            (LOANS.c.partner_id, criteria.partner_id),
            (LOANS.c.applicant_id, criteria.applicant_id),
            (LOANS.c.status, criteria.status),
            (LOANS.c.arrears_bucket, criteria.arrears_bucket),
        ):
            if wanted is not None:
                query = query.where(filtered == wanted)
        if not criteria.include_test:
            query = query.where(_applicants.c.test.is_(False))
        if criteria.borrower_name:
            # autoescape: a % or _ in the name is a letter to find, not a wildcard matching everyone.
            query = query.where(
                _applicants.c.search_name.contains(search_form(criteria.borrower_name), autoescape=True)
            )
        rows = await self.session.execute(query)
        return [
            LoanListItem(
                id=r["id"],
                application_id=r["application_id"],
                applicant_id=r["applicant_id"],
                borrower_name=r["borrower_name"],
                borrower_phone=r["borrower_phone"],
                officer_id=r["officer_id"],
                officer_name=r["officer_name"],
                product_id=r["product_id"],
                product_name=r["product_name"],
                partner_id=r["partner_id"],
                partner_name=r["partner_name"],
                currency=r["currency"],
                principal=quantize(r["principal"], r["currency"]),
                outstanding_principal=quantize(r["outstanding_principal"], r["currency"]),
                status=r["status"],
                days_past_due=r["days_past_due"],
                arrears_bucket=r["arrears_bucket"],
                next_due_date=r["next_due_date"],
                disbursed_on=r["disbursed_on"],
                state_as_of=r["state_as_of"],
            )
            for r in rows.mappings()
        ]


_POST_TRANSACTION = """
WITH posted AS (
    INSERT INTO ledger_transactions (id, kind, loan_id, value_date, reverses_id) VALUES ($1, $2, $3, $4, $5)
)
INSERT INTO ledger_entries (id, transaction_id, account, loan_id, amount, currency)
SELECT e.id, $1, e.account, e.loan_id, e.amount, e.currency
FROM unnest($6::uuid[], $7::text[], $8::uuid[], $9::numeric[], $10::text[]) AS e(id, account, loan_id, amount, currency)
"""


class SqlLedger:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def post(self, transaction: LedgerTransaction) -> None:
        """The transaction and its entries in one statement (the balance check runs at commit)."""
        entries = transaction.entries
        connection = await in_transaction(self.session)
        await connection.execute(
            _POST_TRANSACTION,
            transaction.id,
            transaction.kind,
            transaction.loan_id,
            transaction.value_date,
            transaction.reverses_id,
            [new_id() for _ in entries],
            [e.account.value for e in entries],
            [e.loan_id for e in entries],
            [e.amount for e in entries],
            [e.currency for e in entries],
        )

    async def balance(self, account: Account, *, loan_id: uuid.UUID | None = None) -> Decimal:
        query = select(func.coalesce(func.sum(LEDGER_ENTRIES.c.amount), 0)).where(
            LEDGER_ENTRIES.c.account == account.value
        )
        if loan_id is not None:
            query = query.where(LEDGER_ENTRIES.c.loan_id == loan_id)
        return Decimal(await self.session.scalar(query) or 0)


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, topic: str, aggregate_id: uuid.UUID, payload: dict[str, Any]) -> None:
        connection = await in_transaction(self.session)
        await connection.execute(
            "INSERT INTO outbox_events (id, topic, aggregate_id, payload) VALUES ($1, $2, $3, $4)",
            new_id(),
            topic,
            aggregate_id,
            msgspec.json.encode(payload).decode(),
        )
