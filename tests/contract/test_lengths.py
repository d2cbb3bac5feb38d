"""Every length the contract promises for a text a client sends is the length of the column it is
stored in: a longer value would pass the schema and then fail in PostgreSQL (a 500).

Each request-body string with a maxLength is classified here: stored in a column (compared), kept
in a JSON or unbounded text column, normalised to a shorter form first (the column must hold the
longest normal form), or not stored at all. A new field fails the test until it is classified.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import String, Text

import service.kernel.db.unit_of_work  # noqa: F401  (imports every table module)
from domain.identity.model import normalise_phone
from domain.privacy.rectification import MAX_LENGTH
from service.cli import write_openapi
from service.kernel.db.base import Base
from service.kernel.db.encryption import EncryptedText
from service.kernel.http.wire import DecimalString

JSON = "stored in a JSON column"
NOT_STORED = "not stored (looked up, hashed or computed with)"
# Normalised before storage: the longest normal form, which the column must hold.
PHONE = ("normalised", len(normalise_phone("+" + "9" * 15)))
SIRET = ("normalised", 14)
# One of several columns, chosen by another field: the length is checked per field in code.
PER_FIELD = "bounded per field in code (domain.privacy.rectification.MAX_LENGTH)"

STORED_IN: dict[tuple[str, str], str | tuple[str, int]] = {
    ("AddContactRequest", "difficulties"): "follow_up_contacts.difficulties",
    ("AddContactRequest", "mentor_name"): "follow_up_contacts.mentor_name",
    ("AssignContactRequest", "mentor_name"): "follow_up_contacts.mentor_name",
    ("CreateApiKeyRequest", "label"): "partner_api_keys.label",
    ("CreateApplicantRequest", "email"): "applicants.email",
    ("CreateApplicantRequest", "full_name"): "applicants.full_name",
    ("CreateApplicantRequest", "phone"): PHONE,
    ("CreateApplicantRequest", "postal_address"): "applicants.postal_address",
    ("CreateApplicationRequest", "purpose"): "applications.purpose",
    ("CreateBorrowerRequest", "email"): "borrowers.email",
    ("CreateBorrowerRequest", "full_name"): "borrowers.full_name",
    ("CreateBorrowerRequest", "phone"): PHONE,
    ("CreateLoanProductRequest", "code"): "loan_products.code",
    ("CreateLoanProductRequest", "name"): "loan_products.name",
    ("CreatePartnerRequest", "kind"): "partners.kind",
    ("CreatePartnerRequest", "name"): "partners.name",
    ("ConsentIn", "text_version"): "referrals.consent_text_version",
    ("CreateReferralRequest", "project_idea"): "referrals.project_idea",
    ("CreateReferralRequest", "partner_reference"): "partner_referrals.partner_reference",
    ("RegisterWebhookRequest", "url"): "webhook_endpoints.url",
    ("CreateStaffUserRequest", "full_name"): "staff_users.full_name",
    ("CreateStaffUserRequest", "password"): NOT_STORED,
    ("CreateStaffUserRequest", "username"): "staff_users.username",
    ("CreateTrainingProgrammeRequest", "name"): "training_programmes.name",
    ("CreateTrainingProgrammeRequest", "provider_name"): "training_programmes.provider_name",
    ("CreateTrainingSessionRequest", "location"): "training_sessions.location",
    ("CreateTrainingSessionRequest", "trainer"): "training_sessions.trainer",
    ("DecisionRequest", "comment"): "application_events.reason",
    ("UpdateApplicantRequest", "reason"): "privacy_rectifications.reason",
    ("MeetConditionRequest", "evidence"): JSON,
    ("DocumentIn", "filename"): JSON,
    ("ExchangeLoginCodeRequest", "email"): "borrowers.email",
    ("FeeIn", "name"): JSON,
    ("GuarantorIn", "full_name"): JSON,
    ("GuarantorIn", "relation"): JSON,
    ("IssueTokenRequest", "password"): NOT_STORED,
    ("IssueTokenRequest", "username"): "staff_users.username",
    ("LineIn", "label"): JSON,
    ("PartnerContactIn", "email"): "referrals.partner_contact_email",
    ("PartnerContactIn", "name"): "referrals.partner_contact_name",
    ("PaymentRequest", "external_reference"): "loan_events.external_reference",
    ("PersonIn", "email"): "applicants.email",
    ("PersonIn", "full_name"): "applicants.full_name",
    ("PersonIn", "phone"): PHONE,
    ("RecordOutcomeRequest", "difficulties"): "follow_up_contacts.difficulties",
    ("RectifyRequest", "reason"): "privacy_rectifications.reason",
    ("RectifyRequest", "value"): PER_FIELD,
    ("RequestLoginCodeRequest", "email"): "borrowers.email",
    ("RescheduleRequest", "reason"): "loan_events.reason",
    ("ResourceIn", "label"): JSON,
    ("ReversalRequest", "reason"): "loan_events.reason",
    ("SaveProjectRequest", "activity"): "business_projects.activity",
    ("SaveProjectRequest", "legal_status"): "business_projects.legal_status",
    ("SaveProjectRequest", "siret"): SIRET,
    ("TransitionRequest", "reason"): "application_events.reason",
    ("UpdateApplicantRequest", "postal_address"): "applicants.postal_address",
    ("UpdateApplicantRequest", "email"): "applicants.email",
    ("UpdateApplicantRequest", "full_name"): "applicants.full_name",
    ("UpdateApplicantRequest", "phone"): PHONE,
    ("UpdateStaffUserRequest", "full_name"): "staff_users.full_name",
    ("UpdateStaffUserRequest", "password"): NOT_STORED,
    ("VoteRequest", "comment"): "committee_votes.comment",
    ("WriteOffRequest", "reason"): "loan_events.reason",
}
# Decimal strings become NUMERIC values: their bound is checked in code (domain.money.AMOUNT_LIMIT).
DECIMAL_PATTERN = DecimalString.__metadata__[0].pattern  # type: ignore[attr-defined]


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _max_lengths(schema: Any) -> set[int]:
    """maxLength of a string property, through nullable ``oneOf``/``anyOf`` and arrays of strings."""
    if not isinstance(schema, dict) or schema.get("pattern") == DECIMAL_PATTERN:
        return set()
    # Litestar puts a nullable string's maxLength next to its oneOf: [string, null].
    found = {schema["maxLength"]} if "maxLength" in schema else set()
    for key in ("oneOf", "anyOf", "allOf"):
        for option in schema.get(key, ()):
            found |= _max_lengths(option)
    return found | _max_lengths(schema.get("items"))


def request_body_lengths(spec: dict[str, Any]) -> dict[tuple[str, str], int]:
    """(schema, property) -> maxLength for every string a request body may carry, nested ones too."""
    schemas = spec["components"]["schemas"]
    todo = [ref for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)
            for ref in _refs(op.get("requestBody", {}))]  # fmt: skip
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    lengths = {}
    for name in seen:
        for prop, schema in schemas[name].get("properties", {}).items():
            for length in _max_lengths(schema):
                lengths[name, prop] = length
    return lengths


def test_every_request_string_length_is_its_columns(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    write_openapi(target)
    lengths = request_body_lengths(json.loads(target.read_text()))
    unclassified = sorted(set(lengths) - set(STORED_IN))
    assert not unclassified, f"say where these are stored in STORED_IN: {unclassified}"
    assert not set(STORED_IN) - set(lengths), "STORED_IN names fields the contract no longer has"
    tables = Base.metadata.tables
    mismatches = []
    for (schema, prop), length in sorted(lengths.items()):
        home = STORED_IN[schema, prop]
        if home in (JSON, NOT_STORED, PER_FIELD):
            continue
        if isinstance(home, tuple):
            continue  # normalised: checked below against the column of the same name
        table, column = home.split(".")
        kind = tables[table].columns[column].type
        if isinstance(kind, Text | EncryptedText):
            continue  # unbounded (an encrypted column is TEXT)
        assert isinstance(kind, String), (schema, prop, kind)
        if kind.length != length:
            mismatches.append(f"{schema}.{prop}: contract {length}, {home} holds {kind.length}")
    assert not mismatches, mismatches
    for table, column, normal in (("applicants", "phone", PHONE), ("borrowers", "phone", PHONE)):
        assert tables[table].columns[column].type.length >= normal[1]  # type: ignore[attr-defined]
    assert tables["business_projects"].columns["siret"].type.length >= SIRET[1]  # type: ignore[attr-defined]
    for field, longest in MAX_LENGTH.items():
        kind = tables["applicants"].columns[field.value].type
        assert isinstance(kind, EncryptedText) or kind.length == longest, (field, kind)  # type: ignore[attr-defined]
