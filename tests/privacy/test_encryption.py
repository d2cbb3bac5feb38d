"""Personal fields nobody searches on are encrypted at rest; a key rotation re-encrypts them."""

from __future__ import annotations

import uuid

from cryptography.fernet import Fernet
from sqlalchemy import text

from service.kernel.db.encryption import EncryptedText, reencrypt_column, use_encryption_keys
from service.kernel.db.engine import create_engine
from service.metadata import metadata
from service.privacy.read import ENCRYPTED_COLUMNS, PERSONAL_TABLES
from service.settings import Settings
from tests.conftest import Caller, truncate_all
from tests.origination.test_scenario import step
from tests.privacy.path import Client
from tests.test_cli import run_cli

ADDRESS = "17 rue des Orteaux, 75020 Paris"


def encrypted_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    }


def test_the_export_decrypts_every_encrypted_column() -> None:
    exported = {(table, column) for table, column in encrypted_columns() if table in PERSONAL_TABLES}
    assert exported == {(table, column) for table, columns in ENCRYPTED_COLUMNS.items() for column in columns}


def test_webhook_secrets_are_encrypted_and_so_rotated_with_the_key() -> None:
    # The rotation command re-encrypts every ``EncryptedText`` column of the metadata.
    assert {("webhook_endpoints", "secret"), ("webhook_endpoints", "previous_secret")} <= encrypted_columns()


async def test_the_address_is_stored_encrypted_and_read_back_plain(
    client: Client, admin: Caller, officer: Caller, settings: Settings
) -> None:
    body = {"full_name": "Awa", "email": "awa@example.org", "situation": "other", "postal_address": ADDRESS}
    applicant = await step(await client.post("/v1/applicants", headers=officer.headers, json=body), 201)
    assert applicant["postal_address"] == ADDRESS
    read = await step(await client.get(f"/v1/applicants/{applicant['id']}", headers=officer.headers))
    assert read["postal_address"] == ADDRESS
    export = await step(await client.get(f"/v1/privacy/persons/{applicant['id']}/export", headers=admin.headers))
    assert export["records"]["applicants"][0]["postal_address"] == ADDRESS
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(text("SELECT postal_address FROM applicants"))
    finally:
        await engine.dispose()
    assert stored.startswith("gAAAAA") and "Orteaux" not in stored


async def test_rotation_re_encrypts_every_value_with_the_new_key_in_batches(settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            for n in range(3):
                address = Fernet(old).encrypt(f"{n} rue du Test".encode()).decode() if n else "0 rue en clair"
                await connection.execute(
                    text("""INSERT INTO applicants
                                (id, full_name, search_name, email, situation, stage, postal_address, version)
                            VALUES (:id, 'x', 'x', :email, 'other', 'contacted', :address, 1)"""),
                    {"id": uuid.uuid4(), "email": f"r{n}@example.org", "address": address},
                )
        rotated = run_cli(settings, "rotate-encryption-key", ENCRYPTION_KEYS=f"{new},{old}")
        assert rotated.returncode == 0, rotated.stderr
        assert "applicants.postal_address: 3 values re-encrypted" in rotated.stdout
        again = run_cli(settings, "rotate-encryption-key", ENCRYPTION_KEYS=f"{new},{old}")
        assert "applicants.postal_address: 0 values re-encrypted" in again.stdout  # resumable, idempotent
        async with engine.connect() as connection:
            stored = (await connection.execute(text("SELECT postal_address FROM applicants"))).scalars().all()
        assert sorted(Fernet(new).decrypt(v.encode()).decode() for v in stored) == [
            "0 rue en clair",
            "1 rue du Test",
            "2 rue du Test",
        ]
        third = Fernet.generate_key().decode()
        use_encryption_keys((third, new))
        assert await reencrypt_column(engine, "applicants", "postal_address", batch=1) == 3  # one row a transaction
        async with engine.connect() as connection:
            stored = (await connection.execute(text("SELECT postal_address FROM applicants"))).scalars().all()
        assert all(Fernet(third).decrypt(v.encode()) for v in stored)
    finally:
        use_encryption_keys(settings.encryption_keys)
        await engine.dispose()
        await truncate_all(settings.database_url, settings.redis_url)


def test_a_bad_key_stops_the_start_naming_the_setting(settings: Settings) -> None:
    refused = run_cli(settings, "retention", ENCRYPTION_KEYS="not-a-key")
    assert refused.returncode == 2 and "ENCRYPTION_KEYS" in refused.stderr
