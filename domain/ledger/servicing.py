"""The ledger side of servicing: what the accounts of a loan must show for its replayed state,
and the one balanced transaction that brings them there after an event.

Income is recognised when paid (cash basis): a payment moves money from the bank into the
borrower's credit, and its allocation moves it from the credit to principal, interest, fees,
penalties or recoveries. A back-dated payment or a reversal changes earlier allocations too; the
transaction of that event carries the difference, so the ledger always equals the replay and
nothing posted is ever changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from domain.ledger.model import Account, Entry, LedgerTransaction
from domain.servicing import Component, LoanState

__all__ = ["SERVICING_ACCOUNTS", "servicing_balances", "servicing_transaction"]

SERVICING_ACCOUNTS = (
    Account.BANK,
    Account.BORROWER_CREDIT,
    Account.LOAN_PRINCIPAL,
    Account.INTEREST_INCOME,
    Account.FEE_INCOME,
    Account.PENALTY_INCOME,
    Account.RECOVERY_INCOME,
    Account.LOAN_LOSSES,
)

_INCOME = {
    Component.INTEREST: Account.INTEREST_INCOME,
    Component.FEES: Account.FEE_INCOME,
    Component.PENALTIES: Account.PENALTY_INCOME,
    Component.RECOVERY: Account.RECOVERY_INCOME,
}


def servicing_balances(state: LoanState) -> dict[Account, Decimal]:
    """What the servicing transactions of a loan add up to per account (debit positive) for
    ``state``: the bank holds what was received; principal falls by what was repaid and written
    off; income accounts are credited with what paid them; the credit is owed back."""
    allocated = dict.fromkeys(Component, Decimal(0))
    for allocation in state.allocations:
        allocated[allocation.component] += allocation.amount
    balances = {
        Account.BANK: state.total_received,
        Account.BORROWER_CREDIT: -state.credit_balance,
        Account.LOAN_PRINCIPAL: -(allocated[Component.PRINCIPAL] + state.written_off_principal),
        Account.LOAN_LOSSES: state.written_off_principal,
    }
    for component, account in _INCOME.items():
        balances[account] = -allocated[component]
    return balances


def servicing_transaction(
    transaction_id: uuid.UUID,
    loan_id: uuid.UUID,
    *,
    kind: str,
    value_date: date,
    posted: Mapping[Account, Decimal],
    state: LoanState,
) -> LedgerTransaction | None:
    """The transaction that moves the loan's servicing balances from ``posted`` (what earlier
    servicing transactions add up to) to those of ``state``; None when nothing changes.
    Balanced by construction: every euro received is either allocated or still a credit."""
    target = servicing_balances(state)
    entries = tuple(
        Entry(account, target[account] - posted.get(account, Decimal(0)), state.currency, loan_id)
        for account in SERVICING_ACCOUNTS
        if target[account] != posted.get(account, Decimal(0))
    )
    if not entries:
        return None
    return LedgerTransaction(transaction_id, kind, value_date, entries, loan_id)
