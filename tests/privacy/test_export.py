"""The export holds every table that can hold a person's data: a table linked to a person (a foreign
key to applicants, borrowers, loans, applications...) or with columns that look personal must be
declared in ``PERSONAL_TABLES`` (exported) or ``NOT_PERSONAL`` (with the reason)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import Table

from service.metadata import metadata
from service.privacy.read import NOT_PERSONAL, PERSONAL_TABLES
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.origination.test_scenario import step
from tests.privacy.path import PERSON, Client, whole_path

# Tables whose rows are a person's (a foreign key to one of them makes a table personal too).
PERSON_TABLES = {
    "applicants",
    "borrowers",
    "loans",
    "applications",
    "referrals",
    "enrolments",
    "follow_up_plans",
    "partner_referrals",
    "partner_events",
}
LOOKS_PERSONAL = re.compile(
    r"name|e_?mail|phone|address|birth|iban|bic|note|comment|reason|difficult|siret|situation|guarantor|"
    r"purpose|idea|payload|document|trainer|location|evidence|details"
)


def looks_personal(table: Table) -> list[str]:
    why = [
        f"{fk.parent.name} -> {fk.column.table.name}"
        for fk in table.foreign_keys
        if fk.column.table.name in PERSON_TABLES
    ]
    why += [c.name for c in table.columns if LOOKS_PERSONAL.search(c.name)]
    return why


def test_every_table_that_may_hold_personal_data_is_exported_or_said_not_to_be() -> None:
    undeclared = {
        table.name: reasons
        for table in metadata.sorted_tables
        if (reasons := looks_personal(table)) and table.name not in PERSONAL_TABLES and table.name not in NOT_PERSONAL
    }
    assert not undeclared, (
        f"tables that may hold personal data, neither exported nor declared not personal: {undeclared}"
    )
    assert set(PERSONAL_TABLES) <= set(metadata.tables) and set(NOT_PERSONAL) <= set(metadata.tables)
    assert not set(PERSONAL_TABLES) & set(NOT_PERSONAL)


def test_a_new_personal_table_fails_the_check() -> None:
    from sqlalchemy import Column, ForeignKey, MetaData, String, Uuid

    scratch = MetaData()
    Table("applicants", scratch, Column("id", Uuid, primary_key=True))
    added = Table(
        "bank_accounts", scratch, Column("applicant_id", Uuid, ForeignKey("applicants.id")), Column("iban", String)
    )
    assert looks_personal(added) == ["applicant_id -> applicants", "iban"]


async def test_the_export_reads_every_declared_table_and_the_pdf_speaks_the_persons_language(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)
    export = await step(await client.get(f"/v1/privacy/persons/{path.applicant_id}/export", headers=admin.headers))
    assert set(export["records"]) == set(PERSONAL_TABLES)
    assert export["language"] == "fr"
    pdf = await client.get(f"/v1/privacy/persons/{path.applicant_id}/export.pdf", headers=admin.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Vos données personnelles" in text and "Identité et coordonnées" in text
    for value in (PERSON["email"], PERSON["activity"]):
        assert value in text.replace("\n", "")
    assert (
        await client.get(f"/v1/privacy/persons/{path.applicant_id}/export", headers=officer.headers)
    ).status_code == 403
