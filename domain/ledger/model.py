"""Ledger transactions and entries. Debits are positive, credits negative; legs sum to zero per currency."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from domain.errors import RuleViolation


class Account(str, Enum):
    """The chart of accounts. Loan-level balances are the entries of an account for one loan."""

    LOAN_PRINCIPAL = "loan_principal"  # asset: principal the borrower owes
    BANK = "bank"  # asset: the association's bank account
    FEE_INCOME = "fee_income"  # income: fees withheld or charged
    INTEREST_INCOME = "interest_income"  # income: interest paid
    PENALTY_INCOME = "penalty_income"  # income: late fees and penalty interest paid
    BORROWER_CREDIT = "borrower_credit"  # liability: money received and not yet applied
    LOAN_LOSSES = "loan_losses"  # expense: principal written off
    RECOVERY_INCOME = "recovery_income"  # income: money recovered on written-off loans


@dataclass(frozen=True)
class Entry:
    account: Account
    amount: Decimal
    currency: str
    loan_id: uuid.UUID | None = None


@dataclass(frozen=True)
class LedgerTransaction:
    """A balanced money movement. Posted transactions never change; a correction is a reversal."""

    id: uuid.UUID
    kind: str
    value_date: date
    entries: tuple[Entry, ...]
    loan_id: uuid.UUID | None = None
    reverses_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for entry in self.entries:
            if entry.amount == 0:
                raise RuleViolation("a ledger entry cannot be zero", code="ledger.zero_entry")
            totals[entry.currency] += entry.amount
        if len(self.entries) < 2 or any(total != 0 for total in totals.values()):
            raise RuleViolation("a ledger transaction must balance in every currency", code="ledger.unbalanced")


def disbursement_transaction(
    transaction_id: uuid.UUID,
    loan_id: uuid.UUID,
    *,
    amount: Decimal,
    fees_withheld: Decimal,
    currency: str,
    value_date: date,
) -> LedgerTransaction:
    """Principal lent is owed in full; the bank pays out the amount less the fees kept back as income."""
    entries = [
        Entry(Account.LOAN_PRINCIPAL, amount, currency, loan_id),
        Entry(Account.BANK, -(amount - fees_withheld), currency),
    ]
    if fees_withheld:
        entries.append(Entry(Account.FEE_INCOME, -fees_withheld, currency, loan_id))
    return LedgerTransaction(transaction_id, "disbursement", value_date, tuple(entries), loan_id)
