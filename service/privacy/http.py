"""Admin routes on a person's data: export (JSON and PDF), erasure on request, holds, the audit of
reads (by person or staff member), the referral consent (withdrawn through the partners
context, which holds it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from domain.identity.model import Role
from domain.privacy.rectification import RectifiableField
from service.kernel.http.audit import audited
from service.kernel.http.guards import OFFICERS, AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import Page, Request, next_cursor, published_as
from service.kernel.pdf import render_off_the_loop
from service.privacy import handlers as uc
from service.privacy.pdf import render_export
from service.privacy.ports import AuditEntry, Consent
from service.services import Services

Limit = Annotated[int, Parameter(ge=1, le=200, description="page size")]
# The kinds of file a read is recorded for (the ``audited(...)`` marks on the routes that read them).
AuditedKind = Literal[
    "applicant",
    "applicant_enrolments",
    "applicant_project",
    "application",
    "application_contract",
    "borrower",
    "loan",
    "loan_contract",
    "loan_schedule",
    "person_export",
]
Language = Literal["fr", "en"]
ADMIN = [allow(Role.ADMIN)]


class PersonExportResponse(msgspec.Struct, frozen=True):
    """Everything held about the person, by table: each row as column -> value."""

    applicant_id: uuid.UUID
    exported_at: datetime
    language: Language
    records: dict[str, list[dict[str, Any]]]


class HoldRequest(Request):
    """An open dispute keeps the file (no erasure); a longer retention the person agreed to delays it."""

    dispute_open: bool
    longer_retention_until: date | None = None


class RectifyRequest(Request):
    """A correction of identity or contact data, and why it is made (kept with who and when)."""

    field: RectifiableField
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]


class RectificationResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    applicant_id: uuid.UUID
    field: str
    reason: str | None
    recorded_by: uuid.UUID
    recorded_at: datetime


class ErasureResponse(msgspec.Struct, frozen=True):
    applicant_id: uuid.UUID
    erased: bool


class AuditEntryResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    at: datetime
    staff_id: uuid.UUID
    object_kind: AuditedKind
    object_id: uuid.UUID
    route: Literal["api", "ui"]
    request_id: str


class ConsentResponse(msgspec.Struct, frozen=True):
    """The referral consent: given on (the day the partner reported), withdrawn at (null while in force)
    and by whom (a staff user's or the partner's id; null when the person's erasure withdrew it), and
    the separate consent to share the loan amount. Withdrawn with ``POST
    /v1/partner/referrals/{id}/consent-withdrawal``. ``text_version`` is the consent wording's version
    the partner stated (null when it did not)."""

    referral_id: uuid.UUID
    applicant_id: uuid.UUID
    partner_id: uuid.UUID
    given_on: date
    text_version: str | None
    withdrawn_at: datetime | None
    withdrawn_by: uuid.UUID | None
    share_loan_amount: bool
    sharing_allowed: bool


def _audit_page(entries: Sequence[AuditEntry], limit: int) -> Page[AuditEntryResponse]:
    items = [AuditEntryResponse(**e.__dict__) for e in entries]
    return Page(items=items, next_cursor=next_cursor([e.id for e in items], limit))


def _consent_out(c: Consent) -> ConsentResponse:
    return ConsentResponse(
        referral_id=c.referral_id,
        applicant_id=c.applicant_id,
        partner_id=c.partner_id,
        given_on=c.given_on,
        text_version=c.text_version,
        withdrawn_at=c.withdrawn_at,
        withdrawn_by=c.withdrawn_by,
        share_loan_amount=c.share_loan_amount,
        sharing_allowed=c.withdrawn_at is None and not c.person_erased,
    )


class PersonPrivacyController(Controller):
    path = "/v1/privacy/persons"
    tags = ["privacy"]

    @get(
        "/{applicant_id:uuid}/export",
        guards=ADMIN,
        operation_id="exportPerson",
        opt=audited("person_export"),
        summary="Everything held about a person (GDPR art. 15 and 20), as JSON",
        responses=problems(400, 401, 403, 404),
    )
    async def export(self, applicant_id: uuid.UUID, services: NamedDependency[Services]) -> PersonExportResponse:
        """Every table that holds the person's data, row by row (secrets withheld, encrypted fields
        decrypted); the read is audited. An erased person is a 404."""
        export = await uc.export_person(applicant_id, records=services.privacy_records)
        return PersonExportResponse(
            applicant_id=export.applicant_id,
            exported_at=services.now(),
            language="en" if export.language == "en" else "fr",
            records=export.records,
        )

    @get(
        "/{applicant_id:uuid}/export.pdf",
        guards=ADMIN,
        operation_id="exportPersonPdf",
        opt=audited("person_export"),
        summary="Everything held about a person, as a readable PDF in their language",
        media_type="application/pdf",
        responses={
            **problems(400, 401, 403, 404),
            200: ResponseSpec(
                data_container=bytes, media_type="application/pdf", description="the PDF", generate_examples=False
            ),
        },
    )
    async def export_pdf(self, applicant_id: uuid.UUID, services: NamedDependency[Services]) -> Response[bytes]:
        """The same export as a readable PDF in the person's language (French unless English)."""
        export = await uc.export_person(applicant_id, records=services.privacy_records)
        return Response(
            await render_off_the_loop(render_export, export),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="personal-data-{applicant_id}.pdf"'},
        )

    @post(
        "/{applicant_id:uuid}/erasure",
        guards=ADMIN,
        status_code=200,
        operation_id="erasePerson",
        summary="Erase a person on request (refused with the reason while a legal period runs)",
        responses=problems(400, 401, 403, 404, 409),
    )
    async def erase(self, applicant_id: uuid.UUID, services: NamedDependency[Services]) -> ErasureResponse:
        """Removes what identifies the person across every context, keeps the ledger (linked to an
        anonymous key), ends sharing with partners; a 409 names the legal period that still runs."""
        await uc.erase_person(applicant_id, records=services.privacy_records, now=services.now())
        return ErasureResponse(applicant_id=applicant_id, erased=True)

    @post(
        "/{applicant_id:uuid}/rectifications",
        guards=[allow(*OFFICERS)],
        operation_id="rectifyPerson",
        summary="Correct a person's identity or contact data, recorded with who, when and why",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def rectify(
        self,
        applicant_id: uuid.UUID,
        data: RectifyRequest,
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> RectificationResponse:
        """Corrects one field of identity or contact data (and the borrower account's copy), recorded
        with who, when and why; never the old or new value, never financial history."""
        done = await uc.rectify_person(
            applicant_id,
            field=data.field,
            value=data.value,
            reason=data.reason,
            rectifications=services.rectifications,
            staff_id=request.user.subject_id,
            now=services.now(),
        )
        return RectificationResponse(**done.__dict__)

    @put(
        "/{applicant_id:uuid}/hold",
        guards=ADMIN,
        operation_id="holdPerson",
        summary="Record an open dispute or a longer retention the person agreed to",
        responses=problems(400, 401, 403, 404),
    )
    async def hold(self, applicant_id: uuid.UUID, data: HoldRequest, services: NamedDependency[Services]) -> None:
        """An open dispute stops erasure; a longer retention the person agreed to delays it."""
        await uc.hold_person(
            applicant_id,
            dispute_open=data.dispute_open,
            longer_retention_until=data.longer_retention_until,
            records=services.privacy_records,
            now=services.now(),
        )

    @get(
        "/{applicant_id:uuid}/audit",
        guards=ADMIN,
        operation_id="listPersonReads",
        summary="Who read this person's file, newest first",
        responses=problems(400, 401, 403),
    )
    async def audit(
        self,
        applicant_id: uuid.UUID,
        services: NamedDependency[Services],
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> Annotated[Page[AuditEntryResponse], published_as("AuditEntryPage")]:
        """Each read of the person's file (who, when, what, which route), newest first, a page at a time."""
        entries = await uc.audit_of_person(applicant_id, trail=services.audit_trail, after=cursor, limit=limit)
        return _audit_page(entries, limit)


class StaffAuditController(Controller):
    path = "/v1/privacy/staff"
    tags = ["privacy"]

    @get(
        "/{staff_id:uuid}/audit",
        guards=ADMIN,
        operation_id="listStaffReads",
        summary="The person files a staff member read, newest first",
        responses=problems(400, 401, 403),
    )
    async def audit(
        self,
        staff_id: uuid.UUID,
        services: NamedDependency[Services],
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> Annotated[Page[AuditEntryResponse], published_as("AuditEntryPage")]:
        """Each person's file the staff member read, newest first, a page at a time."""
        entries = await uc.audit_of_staff(staff_id, trail=services.audit_trail, after=cursor, limit=limit)
        return _audit_page(entries, limit)


class ConsentController(Controller):
    path = "/v1/privacy/referrals"
    tags = ["privacy"]

    @get(
        "/{referral_id:uuid}/consent",
        guards=ADMIN,
        operation_id="getReferralConsent",
        summary="The referral consent: when given, whether withdrawn",
        responses=problems(400, 401, 403, 404),
    )
    async def consent(self, referral_id: uuid.UUID, services: NamedDependency[Services]) -> ConsentResponse:
        """The referral consent as the partners context records it: given on, withdrawn at and by whom,
        and the separate consent to share the loan amount."""
        return _consent_out(await uc.referral_consent(referral_id, consents=services.consents))


def routes() -> list[ControllerRouterHandler]:
    return [PersonPrivacyController, StaffAuditController, ConsentController]
