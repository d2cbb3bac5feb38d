"""Everything held about one person, read over every context's tables by name (no import of their
code), and the audit trail. ``PERSONAL_TABLES`` is THE declaration of which tables hold a person's
data and how a row links to them; ``NOT_PERSONAL`` says why the other tables that look personal are
left out. tests/privacy/test_export.py fails when a table is in neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.kernel.db.encryption import decrypt
from service.privacy.ports import AuditEntry, Consent, PersonExport

_APPLICATIONS = "SELECT id FROM applications WHERE applicant_id = :person"
_LOANS = "SELECT id FROM loans WHERE applicant_id = :person"
_BORROWER = "SELECT borrower_id FROM applicants WHERE id = :person"
_PARTNER_REFERRALS = "SELECT referral_id FROM partner_referrals WHERE applicant_id = :person"

# table -> the condition selecting the person's rows (``:person`` is the applicant id).
PERSONAL_TABLES: dict[str, str] = {
    "applicants": "id = :person",
    "borrowers": f"id = ({_BORROWER})",
    "referrals": "applicant_id = :person",
    "business_projects": "applicant_id = :person",
    "enrolments": "applicant_id = :person",
    "attendance": "enrolment_id IN (SELECT id FROM enrolments WHERE applicant_id = :person)",
    "applications": "applicant_id = :person",
    "application_events": f"application_id IN ({_APPLICATIONS})",
    "committee_votes": f"application_id IN ({_APPLICATIONS})",
    "disbursements": f"application_id IN ({_APPLICATIONS})",
    "loans": "applicant_id = :person",
    "loan_installments": f"loan_id IN ({_LOANS})",
    "loan_events": f"loan_id IN ({_LOANS})",
    "loan_statement_entries": f"loan_id IN ({_LOANS})",
    "ledger_transactions": f"loan_id IN ({_LOANS})",
    "ledger_entries": f"loan_id IN ({_LOANS})",
    "follow_up_plans": f"loan_id IN ({_LOANS})",
    "follow_up_contacts": f"loan_id IN ({_LOANS})",
    "notices": (
        "(recipient_kind = 'applicant' AND recipient_id = :person)"
        f" OR (recipient_kind = 'borrower' AND recipient_id = ({_BORROWER}))"
    ),
    "outbox_events": f"aggregate_id IN ({_LOANS} UNION {_APPLICATIONS})",
    "privacy_persons": "applicant_id = :person",
    "privacy_rectifications": "applicant_id = :person",
    # The referral as its partner follows it: the partner's own reference, the consents (the
    # one record of the consent's withdrawal), and the events the partner was told about the person.
    "partner_referrals": "applicant_id = :person",
    "partner_events": f"referral_id IN ({_PARTNER_REFERRALS})",
}

# Tables that look personal (a name-like column or a link to a person) but are not exported, and why.
NOT_PERSONAL: dict[str, str] = {
    "staff_users": "the lender's staff, not the people it lends to",
    "partners": "referring organisations",
    "partner_api_keys": "partners' credentials",
    "loan_products": "the lender's products",
    "loan_product_versions": "the products' terms (the guarantee a product asks for, no guarantor)",
    "training_programmes": "the training catalogue",
    "training_sessions": "sessions (trainer and place), not the people enrolled (enrolments)",
    "borrower_login_codes": "short-lived sign-in secrets (hashes), deleted at erasure, never exported",
    "privacy_read_audit": "staff reads of the file: ids only, kept after erasure for accountability",
    "idempotency_keys": "replay cache of answers, purged after IDEMPOTENCY_RETENTION_HOURS; each names the "
    "person it is about (subject_id) and erasure deletes theirs",
    "portfolio_daily": "aggregated figures per product, officer and partner",
    "webhook_deliveries": "delivery state of partner_events (ids, status; exported with the events' ids); "
    "erasure cancels the undelivered ones about the person",
    "webhook_endpoints": "partners' integration settings (URL, secret, event types)",
    "partner_feed_heads": "one counter per partner (the last feed position)",
}

# Columns that must never leave in an export (secrets).
_WITHHELD = {"borrowers": ("notification_channels",)}
# Columns encrypted at rest (``EncryptedText``; tests/privacy/test_encryption.py checks the list):
# read here with SQL, so decrypted here.
ENCRYPTED_COLUMNS = {
    "applicants": ("postal_address",),
    "referrals": ("project_idea",),
    "follow_up_contacts": ("difficulties",),
}


def _exportable(table: str, row: dict[str, Any]) -> dict[str, Any]:
    withheld = _WITHHELD.get(table, ())
    encrypted = ENCRYPTED_COLUMNS.get(table, ())
    return {k: decrypt(v) if k in encrypted and isinstance(v, str) else v for k, v in row.items() if k not in withheld}


async def export_person(connection: AsyncConnection, applicant_id: uuid.UUID) -> PersonExport | None:
    person = {"person": applicant_id}
    exists = await connection.scalar(text("SELECT 1 FROM applicants WHERE id = :person AND erased_at IS NULL"), person)
    if exists is None:
        return None
    records: dict[str, list[dict[str, Any]]] = {}
    for table, condition in PERSONAL_TABLES.items():
        result = await connection.execute(text(f"SELECT * FROM {table} WHERE {condition}"), person)
        records[table] = [_exportable(table, dict(row._mapping)) for row in result]
    borrower = records["borrowers"]
    language = str(borrower[0]["language"]) if borrower else "fr"
    return PersonExport(applicant_id=applicant_id, language=language, records=records)


_AUDIT_COLUMNS = "id, at, staff_id, object_kind, object_id, route, request_id"
# The kinds of file a read names (kernel ``audited``), and how they lead to the person.
_AUDIT_OF_PERSON = f"""
SELECT {_AUDIT_COLUMNS} FROM privacy_read_audit
WHERE ((object_kind IN ('applicant', 'applicant_project', 'applicant_enrolments', 'person_export')
         AND object_id = :person)
    OR (object_kind = 'borrower' AND object_id = ({_BORROWER}))
    OR (object_kind IN ('application', 'application_contract') AND object_id IN ({_APPLICATIONS}))
    OR (object_kind IN ('loan', 'loan_schedule', 'loan_contract') AND object_id IN ({_LOANS})))
  AND (CAST(:after AS uuid) IS NULL OR id < :after)
ORDER BY id DESC LIMIT :limit
"""
_AUDIT_OF_STAFF = f"""
SELECT {_AUDIT_COLUMNS} FROM privacy_read_audit
WHERE staff_id = :staff AND (CAST(:after AS uuid) IS NULL OR id < :after)
ORDER BY id DESC LIMIT :limit
"""


class SqlAuditTrail:
    """The audit of reads, newest first; the cursor is the last id seen (UUIDv7, time-ordered)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def of_person(self, applicant_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> Sequence[AuditEntry]:
        return await self._list(_AUDIT_OF_PERSON, {"person": applicant_id, "after": after, "limit": limit})

    async def of_staff(self, staff_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> Sequence[AuditEntry]:
        return await self._list(_AUDIT_OF_STAFF, {"staff": staff_id, "after": after, "limit": limit})

    async def _list(self, query: str, params: dict[str, Any]) -> Sequence[AuditEntry]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(text(query), params)
            return [AuditEntry(**row._mapping) for row in rows]


# The referral consent as the partners context records it (the one place of its withdrawal).
_CONSENT = """
SELECT r.id AS referral_id, r.applicant_id, r.partner_id, r.consent_given_on AS given_on,
       r.consent_text_version AS text_version,
       f.consent_withdrawn_at AS withdrawn_at, f.consent_withdrawn_by AS withdrawn_by,
       coalesce(f.share_loan_amount, false) AS share_loan_amount, a.erased_at IS NOT NULL AS person_erased
FROM referrals r JOIN applicants a ON a.id = r.applicant_id
LEFT JOIN partner_referrals f ON f.referral_id = r.id
WHERE r.id = :referral
"""


async def read_consent(connection: AsyncConnection, referral_id: uuid.UUID) -> Consent | None:
    row = (await connection.execute(text(_CONSENT), {"referral": referral_id})).first()
    return Consent(**row._mapping) if row else None
