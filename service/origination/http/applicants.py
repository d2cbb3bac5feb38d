"""Routes for partner referrals, applicants and their business projects."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter, QueryParameter

from domain.identity.model import Principal
from domain.money import currency_of
from domain.origination.applicants import (
    Applicant,
    BusinessProject,
    DocumentInfo,
    DocumentKind,
    Guarantor,
    PlanLine,
    ResourceKind,
    ResourceLine,
    Situation,
    Stage,
    check_siret,
)
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, OFFICERS, AuthedRequest, allow
from service.kernel.http.idempotency import IdempotencyHeader, idempotency_key
from service.kernel.http.problems import problems
from service.kernel.http.schemas import NonEmptyText, Page, next_cursor, published_as
from service.kernel.http.wire import AmountOut, CurrencyCode, DecimalString, checked_amount, decimal_of
from service.origination.handlers import applicants as uc
from service.origination.ports import ApplicantSearch
from service.services import Services

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Phone = Annotated[str, msgspec.Meta(min_length=6, max_length=30)]


Limit = Annotated[int, Parameter(ge=1, le=200)]


class PersonIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    full_name: NonEmptyText
    email: Email | None = None
    phone: Phone | None = None


class PartnerContactIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: NonEmptyText
    email: Email


class ConsentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    given: bool
    given_on: date
    text_version: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=40,
                description="the version of the consent wording the person signed (the partner's form), kept with "
                "the consent and shown with it",
                examples=["FT-2026-01"],
            ),
        ]
        | None
    ) = None
    share_loan_amount: Annotated[
        bool,
        msgspec.Meta(
            description="the person also agreed that the partner sees the amount lent (a separate consent; "
            "without it the partner learns the disbursement date only)"
        ),
    ] = False


class CreateReferralRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person the partner refers, with their situation, project idea and recorded consent."""

    person: PersonIn
    situation: Situation
    project_idea: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    partner_contact: PartnerContactIn
    consent: ConsentIn
    partner_reference: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=100,
                pattern=r"\S",
                description="the partner's own reference for this person (its case number); "
                "outcomes and events carry it, and outcomes can be filtered by it",
            ),
        ]
        | None
    ) = None


# The contract's examples of a referral (service.kernel.http.contract): what a partner sends and gets.
REFERRAL_EXAMPLE = {
    "person": {"full_name": "Amina Diallo", "email": "amina.diallo@example.org", "phone": "06 12 34 56 78"},
    "situation": "job_seeker",
    "project_idea": "Traiteur africain à domicile",
    "partner_contact": {"name": "Claire Martin", "email": "claire.martin@francetravail.example"},
    "consent": {"given": True, "given_on": "2026-11-02"},
}
REFERRAL_ANSWER_EXAMPLE: dict[str, Any] = {
    "id": "01a229de-1a14-7514-b409-a30a7c8b2dd1",
    "situation": "job_seeker",
    "stage": "referred",
    "created_at": "2026-11-02T10:15:00Z",
}


class ReferralResponse(msgspec.Struct, frozen=True, omit_defaults=True):
    """A referral as its partner sees it: its own id, the situation it stated, and where the person
    stands since (``referred`` until something happens after the referral). Whether the lender or
    another partner already knew the person shows nowhere: the shared applicant record's id (time-ordered,
    so it would date the first contact) and its earlier history are not a partner's business.
    ``applicant_id`` is given to staff only."""

    id: uuid.UUID
    situation: Situation
    stage: Stage
    created_at: datetime
    applicant_id: Annotated[uuid.UUID, msgspec.Meta(description="the applicant record; staff only")] | None = None
    partner_reference: (
        Annotated[str, msgspec.Meta(description="the partner's own reference, as sent with the referral")] | None
    ) = None


class ApplicantReferralResponse(msgspec.Struct, frozen=True):
    """A referral as staff read it on the person's file: who referred them, why, and the consent."""

    id: uuid.UUID
    partner_id: uuid.UUID
    situation: Situation
    project_idea: str
    partner_contact_name: str
    partner_contact_email: str
    consent_given_on: date
    created_at: datetime
    consent_text_version: str | None


class ReferralSummary(msgspec.Struct, frozen=True):
    id: uuid.UUID
    stage: Stage
    created_at: datetime
    updated_at: Annotated[
        datetime, msgspec.Meta(description="when the partner's view last changed (its referral, a new stage)")
    ]


def referral_out(view: uc.ReferralView, actor: Principal) -> ReferralResponse:
    r = view.referral
    return ReferralResponse(
        id=r.id,
        situation=r.situation,
        stage=view.stage,
        created_at=r.created_at,
        applicant_id=r.applicant_id if actor.is_staff else None,
        partner_reference=view.partner_reference,
    )


PostalAddress = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=500, pattern=r"\S", description="postal address, printed on the contract"),
]


class CreateApplicantRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    full_name: NonEmptyText
    email: Email | None = None
    phone: Phone | None = None
    situation: Situation
    officer_id: uuid.UUID | None = None
    postal_address: PostalAddress | None = None


class UpdateApplicantRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: Annotated[int, msgspec.Meta(ge=1)]
    full_name: NonEmptyText | None = None
    email: Email | None = None
    phone: Phone | None = None
    situation: Situation | None = None
    officer_id: uuid.UUID | None = None
    stage: Literal["contacted", "withdrawn", "declined"] | None = None
    postal_address: PostalAddress | None = None
    reason: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=500,
                pattern=r"\S",
                description="why the name, e-mail, phone or address is corrected; optional here (kept, with "
                "who and when, in the person's rectifications; POST /v1/privacy/persons/{id}/rectifications "
                "requires it)",
            ),
        ]
        | None
    ) = None


class ApplicantResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    full_name: str
    email: str | None
    phone: str | None
    situation: Situation
    stage: Stage
    partner_id: uuid.UUID | None
    officer_id: uuid.UUID | None
    created_at: datetime
    version: int
    postal_address: str | None = None
    test: Annotated[bool, msgspec.Meta(description="referred with a partner's sandbox key")] = False


class LineIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    label: NonEmptyText
    amount: DecimalString


ResourceKindName = Annotated[
    ResourceKind,
    msgspec.Meta(
        description="own_funds: the founder's savings or contribution; honour_loan: interest-free personal loan "
        "to the founder (prêt d'honneur); bank_loan; grant; requested_microcredit: the loan this application "
        "asks for, here; other_microcredit: a microcredit from another lender, counted with this loan against "
        "the legal ceiling per enterprise; other"
    ),
]


class ResourceIn(LineIn, kw_only=True, forbid_unknown_fields=True):
    kind: ResourceKindName


class GuarantorIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    full_name: NonEmptyText
    relation: NonEmptyText
    amount_guaranteed: DecimalString


DocumentKindName = Annotated[
    DocumentKind,
    msgspec.Meta(
        description="identity_document: identity card or passport; proof_of_address; proof_of_situation: "
        "job-seeker or minimum-income certificate; business_plan; supplier_quote: a quote for something the "
        "plan buys; bank_statement; business_registration: SIRENE notice or trade register extract; "
        "honour_loan_agreement; guarantor_commitment: a guarantor's signed commitment; other: anything else "
        "(the filename says what)"
    ),
]


class DocumentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: DocumentKindName
    filename: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    received_on: date


class SaveProjectRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole project. ``version`` is the one you read (omit it to create the project)."""

    activity: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    legal_status: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    currency: CurrencyCode = "EUR"
    siret: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    start_date: date | None = None
    needs: Annotated[list[LineIn], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    resources: Annotated[list[ResourceIn], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    guarantors: Annotated[list[GuarantorIn], msgspec.Meta(max_length=10)] = msgspec.field(default_factory=list)
    documents: Annotated[list[DocumentIn], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class LineOut(msgspec.Struct, frozen=True):
    label: str
    amount: AmountOut


class ResourceOut(msgspec.Struct, frozen=True):
    label: str
    amount: AmountOut
    kind: ResourceKindName


class GuarantorOut(msgspec.Struct, frozen=True):
    full_name: str
    relation: str
    amount_guaranteed: AmountOut


class DocumentOut(msgspec.Struct, frozen=True):
    kind: DocumentKindName
    filename: str
    received_on: date


class ProjectResponse(msgspec.Struct, frozen=True):
    applicant_id: uuid.UUID
    activity: str
    legal_status: str
    currency: str
    siret: str | None
    start_date: date | None
    needs: list[LineOut]
    resources: list[ResourceOut]
    guarantors: list[GuarantorOut]
    documents: list[DocumentOut]
    total_needs: AmountOut
    total_resources: AmountOut
    version: int


def applicant_out(a: Applicant) -> ApplicantResponse:
    return ApplicantResponse(
        id=a.id,
        full_name=a.full_name,
        email=a.email,
        phone=a.phone,
        situation=a.situation,
        stage=a.stage,
        partner_id=a.partner_id,
        officer_id=a.officer_id,
        created_at=a.created_at,
        version=a.version,
        postal_address=a.postal_address,
        test=a.test,
    )


def project_out(p: BusinessProject) -> ProjectResponse:
    return ProjectResponse(
        applicant_id=p.applicant_id,
        activity=p.activity,
        legal_status=p.legal_status,
        currency=p.currency,
        siret=p.siret,
        start_date=p.start_date,
        needs=[LineOut(n.label, n.amount) for n in p.needs],
        resources=[ResourceOut(r.label, r.amount, r.kind) for r in p.resources],
        guarantors=[GuarantorOut(g.full_name, g.relation, g.amount_guaranteed) for g in p.guarantors],
        documents=[DocumentOut(d.kind, d.filename, d.received_on) for d in p.documents],
        total_needs=p.total_needs,
        total_resources=p.total_resources,
        version=p.version,
    )


def _amount(value: str, currency: str, field: str) -> Decimal:
    return checked_amount(decimal_of(value, field), currency, field, allow_zero=True)


def project_from_wire(applicant_id: uuid.UUID, data: SaveProjectRequest) -> BusinessProject:
    currency = currency_of(data.currency).code
    return BusinessProject(
        applicant_id=applicant_id,
        activity=data.activity.strip(),
        legal_status=data.legal_status.strip(),
        currency=currency,
        siret=check_siret(data.siret) if data.siret else None,
        start_date=data.start_date,
        needs=tuple(
            PlanLine(n.label, _amount(n.amount, currency, f"needs[{i}].amount")) for i, n in enumerate(data.needs)
        ),
        resources=tuple(
            ResourceLine(r.label, _amount(r.amount, currency, f"resources[{i}].amount"), r.kind)
            for i, r in enumerate(data.resources)
        ),
        guarantors=tuple(
            Guarantor(
                g.full_name, g.relation, _amount(g.amount_guaranteed, currency, f"guarantors[{i}].amount_guaranteed")
            )
            for i, g in enumerate(data.guarantors)
        ),
        documents=tuple(DocumentInfo(d.kind, d.filename, d.received_on) for d in data.documents),
    )


# The published names of the pages (see ``published_as``).
ReferralSummaryPage = Annotated[Page[ReferralSummary], published_as("Page_service.api.applicants.ReferralSummary_")]
ApplicantPage = Annotated[Page[ApplicantResponse], published_as("Page_service.api.applicants.ApplicantResponse_")]


class ReferralController(Controller):
    path = "/v1/referrals"
    tags = ["referrals"]

    @post(
        "/",
        guards=[allow(partners=True)],
        operation_id="createReferral",
        summary="Refer a person (a second referral of the same person links to the first)",
        responses=problems(400, 401, 403, 409, 422),
        request_example=REFERRAL_EXAMPLE,
        response_example=REFERRAL_ANSWER_EXAMPLE,
    )
    async def create(
        self,
        data: JSONBody[CreateReferralRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
        idempotency: IdempotencyHeader,
    ) -> ReferralResponse:
        """A partner refers a person who consented to share their data; the same person referred again is
        linked to their first record. Send an Idempotency-Key: a retry with the same key and body
        answers the first referral."""
        partner_id = request.user.partner_id
        assert partner_id is not None
        cmd = uc.ReferPerson(
            full_name=data.person.full_name,
            email=data.person.email,
            phone=data.person.phone,
            situation=data.situation,
            project_idea=data.project_idea,
            partner_contact_name=data.partner_contact.name,
            partner_contact_email=data.partner_contact.email,
            consent_given=data.consent.given,
            consent_given_on=data.consent.given_on,
            consent_text_version=data.consent.text_version,
            partner_reference=data.partner_reference,
            share_loan_amount=data.consent.share_loan_amount,
            test=request.user.test,
        )
        view = await uc.refer_person(
            cmd,
            partner_id=partner_id,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
            idempotency=idempotency_key(request.user, idempotency, data, operation="createReferral"),
        )
        return referral_out(view, request.user)

    @get(
        "/",
        guards=[allow(partners=True)],
        operation_id="listReferrals",
        response_example={
            "items": [
                {
                    "id": REFERRAL_ANSWER_EXAMPLE["id"],
                    "stage": "in_training",
                    "created_at": REFERRAL_ANSWER_EXAMPLE["created_at"],
                    "updated_at": "2026-11-20T08:00:00Z",
                }
            ],
            "next_cursor": None,
        },
        summary="The partner's own referrals and where each person stands",
        responses=problems(400, 401, 403),
    )
    async def list_own(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
        updated_since: Annotated[
            datetime | None,
            QueryParameter(description="only the referrals whose `updated_at` is this instant or later (RFC 3339)"),
        ] = None,
    ) -> ReferralSummaryPage:
        """The calling partner's referrals, each with the person's current stage; a page at a time with
        `cursor` and `limit`, and only those changed since `updated_since` when given."""
        partner_id = request.user.partner_id
        assert partner_id is not None
        since = updated_since.replace(tzinfo=UTC) if updated_since and updated_since.tzinfo is None else updated_since
        rows = await uc.list_partner_referrals(
            partner_id, test=request.user.test, uow=services.uow(), after=cursor, limit=limit, updated_since=since
        )
        return Page(
            items=[ReferralSummary(r.referral.id, r.stage, r.referral.created_at, r.updated_at) for r in rows],
            next_cursor=next_cursor([r.referral.id for r in rows], limit),
        )

    @get(
        "/{referral_id:uuid}",
        guards=[allow(*ALL_STAFF, partners=True)],
        operation_id="getReferral",
        response_example=REFERRAL_ANSWER_EXAMPLE,
        summary="Read a referral (a partner reads only its own)",
        responses=problems(400, 401, 403, 404),
    )
    async def read(
        self, referral_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> ReferralResponse:
        """One referral with the person's current stage; a partner reads only its own referrals (404
        otherwise)."""
        view = await uc.get_referral(referral_id, actor=request.user, uow=services.uow())
        return referral_out(view, request.user)


class ApplicantController(Controller):
    path = "/v1/applicants"
    tags = ["applicants"]

    @post(
        "/",
        guards=[allow(*OFFICERS)],
        operation_id="createApplicant",
        summary="Register a walk-in applicant",
        responses=problems(400, 401, 403, 409, 422),
    )
    async def create(
        self, data: JSONBody[CreateApplicantRequest], services: NamedDependency[Services], request: AuthedRequest
    ) -> ApplicantResponse:
        """Registers a person who came without a partner's referral; the officer who registers them owns
        the file until reassigned."""
        cmd = uc.RegisterApplicant(
            full_name=data.full_name,
            email=data.email,
            phone=data.phone,
            situation=data.situation,
            officer_id=data.officer_id,
            postal_address=data.postal_address,
        )
        return applicant_out(
            await uc.register_applicant(cmd, uow=services.uow(), now=services.now(), actor=request.user)
        )

    @get(
        "/",
        guards=[allow(*ALL_STAFF)],
        operation_id="searchApplicants",
        summary="Search applicants by name, e-mail, phone, SIRET, stage, officer or partner",
        description="Every criterion given must match. `name`: each of its words, in any order, accents and case "
        "ignored; `phone` and `email` as normalised on record; `siret`: spaces ignored.",
        responses=problems(400, 401, 403, 422),
    )
    async def search(
        self,
        services: NamedDependency[Services],
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        siret: str | None = None,
        stage: Stage | None = None,
        officer_id: uuid.UUID | None = None,
        partner_id: uuid.UUID | None = None,
        include_test: Annotated[
            bool, Parameter(description="also the made-up people of partners' sandbox keys (left out by default)")
        ] = False,
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> ApplicantPage:
        """Officers find a person again; filters combine, results come a page at a time with `cursor` and
        `limit`."""
        criteria = ApplicantSearch(
            name=name,
            email=email,
            phone=phone,
            siret=siret,
            stage=stage,
            officer_id=officer_id,
            partner_id=partner_id,
            include_test=include_test,
        )
        found = list(await uc.search_applicants(criteria, uow=services.uow(), after=cursor, limit=limit))
        return Page(items=[applicant_out(a) for a in found], next_cursor=next_cursor([a.id for a in found], limit))

    @get(
        "/{applicant_id:uuid}",
        guards=[allow(*ALL_STAFF)],
        operation_id="getApplicant",
        opt=audited("applicant"),
        summary="Read an applicant",
        responses=problems(400, 401, 403, 404),
    )
    async def read(self, applicant_id: uuid.UUID, services: NamedDependency[Services]) -> ApplicantResponse:
        """The applicant's identity, contact details, situation, stage and owning officer."""
        return applicant_out(await uc.get_applicant(applicant_id, uow=services.uow()))

    @patch(
        "/{applicant_id:uuid}",
        guards=[allow(*OFFICERS)],
        operation_id="updateApplicant",
        summary="Change an applicant's details, officer or stage",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def update(
        self,
        applicant_id: uuid.UUID,
        data: JSONBody[UpdateApplicantRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicantResponse:
        """Changes only the fields sent; takes the `version` read, so two officers changing the same person
        get one success and one 409. A change of name, e-mail, phone or address is recorded as a
        rectification (which field, who, when, and the optional `reason`), as the privacy route does."""
        cmd = uc.UpdateApplicant(
            applicant_id=applicant_id,
            expected_version=data.version,
            full_name=data.full_name,
            email=data.email,
            phone=data.phone,
            situation=Situation(data.situation) if data.situation else None,
            officer_id=data.officer_id,
            stage=Stage(data.stage) if data.stage else None,
            postal_address=data.postal_address,
            reason=data.reason.strip() if data.reason else None,
        )
        return applicant_out(
            await uc.update_applicant(
                cmd, uow=services.uow(), now=services.now(), today=services.today(), actor=request.user
            )
        )

    @put(
        "/{applicant_id:uuid}/project",
        guards=[allow(*OFFICERS)],
        operation_id="saveBusinessProject",
        summary="Create or replace the applicant's business project and financing plan",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def save_project(
        self,
        request: AuthedRequest,
        applicant_id: uuid.UUID,
        data: JSONBody[SaveProjectRequest],
        services: NamedDependency[Services],
    ) -> ProjectResponse:
        """Replaces the whole project; takes the `version` read (none for the first one). Refused while a
        committee decision is pending."""
        project = project_from_wire(applicant_id, data)
        saved = await uc.save_project(project, expected_version=data.version, uow=services.uow(), actor=request.user)
        return project_out(saved)

    @get(
        "/{applicant_id:uuid}/referrals",
        guards=[allow(*ALL_STAFF)],
        operation_id="listApplicantReferrals",
        summary="The partners' referrals of an applicant, oldest first, with the consent each partner stated",
        responses=problems(400, 401, 403, 404),
    )
    async def referrals(
        self, applicant_id: uuid.UUID, services: NamedDependency[Services]
    ) -> list[ApplicantReferralResponse]:
        """Who referred the person and when, with the consent each partner stated; staff only (a partner
        reads its own referrals under /v1/partner)."""
        return [
            ApplicantReferralResponse(
                id=r.id,
                partner_id=r.partner_id,
                situation=r.situation,
                project_idea=r.project_idea,
                partner_contact_name=r.partner_contact_name,
                partner_contact_email=r.partner_contact_email,
                consent_given_on=r.consent_given_on,
                consent_text_version=r.consent_text_version,
                created_at=r.created_at,
            )
            for r in await uc.applicant_referrals(applicant_id, uow=services.uow())
        ]

    @get(
        "/{applicant_id:uuid}/project",
        guards=[allow(*ALL_STAFF)],
        operation_id="getBusinessProject",
        opt=audited("applicant_project"),
        summary="Read the applicant's business project",
        responses=problems(400, 401, 403, 404),
    )
    async def read_project(self, applicant_id: uuid.UUID, services: NamedDependency[Services]) -> ProjectResponse:
        """The business project and financing plan the application is built on; 404 until the officer
        writes one."""
        return project_out(await uc.get_project(applicant_id, uow=services.uow()))
