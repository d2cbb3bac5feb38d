"""Routes for loan applications: checks, committee, offer, contract and disbursement."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter

from domain.identity.model import Role
from domain.origination.applications import Action, Application, CommitteeDecision, Status
from domain.origination.committee import Vote
from domain.origination.contract import ContractDocument
from domain.partners.model import DeclineCategory
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, AuthedRequest, allow
from service.kernel.http.idempotency import IdempotencyHeader, idempotency_key
from service.kernel.http.problems import problems
from service.kernel.http.schemas import Page, next_cursor, published_as
from service.kernel.http.wire import AmountOut, InstallmentOut, MoneyIn, RateOut, amount_of, money_of, rate_text
from service.kernel.pdf import render_off_the_loop
from service.origination.handlers import applications as uc
from service.origination.ports import ApplicationFilter, CommitteeVote
from service.services import Services
from service.servicing.handlers.loans import get_loan, loans_of_applications

OFFICERS = (Role.ADMIN, Role.LOAN_OFFICER)
COMMITTEE = (Role.ADMIN, Role.COMMITTEE_MEMBER)
Version = Annotated[int, msgspec.Meta(ge=1, description="the version you read; a stale one is a 409")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Installments = Annotated[int, msgspec.Meta(ge=1, le=600)]
StatusName = Status


class CreateApplicationRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    applicant_id: uuid.UUID
    product_id: uuid.UUID
    amount: MoneyIn
    number_of_installments: Installments
    principal_grace_installments: Annotated[int, msgspec.Meta(ge=0, le=24)] = 0
    purpose: Text


class TransitionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    reason: Text | None = None


class VoteRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    vote: Vote
    comment: Text


class DecisionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The committee's decision. Approval may change the amount or the term and add conditions."""

    version: Version
    decision: Vote
    comment: Text
    amount: MoneyIn | None = None
    number_of_installments: Installments | None = None
    conditions: Annotated[list[Text], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    reasons: Annotated[list[Text], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    against_votes_reason: Annotated[
        Text | None,
        msgspec.Meta(description="required when the majority of the round's votes does not back the decision"),
    ] = None
    decline_category: Annotated[
        DeclineCategory,
        msgspec.Meta(description="with a rejection: the category the referring partner is told (never the reasons)"),
    ] = DeclineCategory.OTHER


class MeetConditionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    evidence: Annotated[Text, msgspec.Meta(description="what shows the condition is met (document, date, reference)")]


class OfferRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    disbursement_date: date
    first_due_date: date | None = None
    validity_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 30


class SignatureRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    signed_on: date


class DisbursementRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    amount: MoneyIn
    value_date: date


class CheckOut(msgspec.Struct, frozen=True):
    name: str
    passed: bool
    detail: str


class ConditionOut(msgspec.Struct, frozen=True):
    number: int
    text: str
    met: bool
    met_by: uuid.UUID | None
    met_at: datetime | None
    evidence: str | None


class OfferOut(msgspec.Struct, frozen=True):
    product_version: int
    amount: AmountOut
    currency: str
    number_of_installments: int
    annual_interest_rate: RateOut
    apr: RateOut
    net_disbursed: AmountOut
    total_interest: AmountOut
    total_fees: AmountOut
    total_repayable: AmountOut
    disbursement_date: date
    first_due_date: date
    issued_on: date
    expires_on: date
    installments: list[InstallmentOut]


class ApplicationResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    applicant_id: uuid.UUID
    officer_id: uuid.UUID
    product_id: uuid.UUID
    product_version: int
    amount: AmountOut
    currency: str
    number_of_installments: int
    principal_grace_installments: int
    purpose: str
    status: Status
    conditions: list[ConditionOut]
    rejection_reasons: list[str]
    eligibility: list[CheckOut]
    offer: OfferOut | None
    signed_on: date | None
    disbursed_amount: AmountOut
    committee_round: Annotated[int, msgspec.Meta(description="times the file went before the committee")]
    created_at: datetime
    version: int
    # The loan made at the first disbursement (null before): GET /v1/loans/{loan_id}.
    loan_id: uuid.UUID | None = None


class VoteResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    member_id: uuid.UUID
    vote: Action
    comment: str
    at: datetime
    round: int
    current: Annotated[bool, msgspec.Meta(description="counts in the current round (not replaced by a later vote)")]
    member_name: Annotated[
        str | None, msgspec.Meta(description="the member's full name (null if no longer on staff); since 1.2.0")
    ] = None


class HistoryEntryOut(msgspec.Struct, frozen=True):
    at: datetime
    actor_id: uuid.UUID
    action: Action
    from_status: Status
    to_status: Status
    reason: str | None
    details: dict[str, Any]
    actor_name: Annotated[
        str | None, msgspec.Meta(description="who made the change, by name (null for the system); since 1.2.0")
    ] = None


class DisbursementResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    application_id: uuid.UUID
    loan_id: uuid.UUID
    tranche: int
    amount: AmountOut
    fees_withheld: AmountOut
    paid_out: AmountOut
    value_date: date
    application_status: Status


def vote_out(v: CommitteeVote, *, current: bool, member_name: str | None) -> VoteResponse:
    return VoteResponse(v.id, v.member_id, Action(v.vote), v.comment, v.at, v.round, current, member_name)


def application_out(a: Application, loan_id: uuid.UUID | None = None) -> ApplicationResponse:
    offer = None
    if a.offer is not None:
        o = a.offer
        offer = OfferOut(
            product_version=o.product_version,
            amount=o.amount,
            currency=o.currency,
            number_of_installments=o.number_of_installments,
            annual_interest_rate=rate_text(o.annual_interest_rate),
            apr=rate_text(o.apr),
            net_disbursed=o.net_disbursed,
            total_interest=o.total_interest,
            total_fees=o.total_fees,
            total_repayable=o.total_repayable,
            disbursement_date=o.disbursement_date,
            first_due_date=o.first_due_date,
            issued_on=o.issued_on,
            expires_on=o.expires_on,
            installments=[
                InstallmentOut(i.number, i.due_date, i.principal, i.interest, i.fees, i.total, i.principal_remaining)
                for i in o.installments
            ],
        )
    return ApplicationResponse(
        id=a.id,
        applicant_id=a.applicant_id,
        officer_id=a.officer_id,
        product_id=a.product_id,
        product_version=a.product_version,
        amount=a.amount,
        currency=a.currency,
        number_of_installments=a.number_of_installments,
        principal_grace_installments=a.principal_grace_installments,
        purpose=a.purpose,
        status=a.status,
        conditions=[
            ConditionOut(number, c.text, c.met, c.met_by, c.met_at, c.evidence)
            for number, c in enumerate(a.conditions, start=1)
        ],
        rejection_reasons=list(a.rejection_reasons),
        eligibility=[CheckOut(c.name, c.passed, c.detail) for c in a.eligibility],
        offer=offer,
        signed_on=a.signed_on,
        disbursed_amount=a.disbursed_amount,
        committee_round=a.committee_round,
        created_at=a.created_at,
        version=a.version,
        loan_id=loan_id,
    )


# The published names of the pages (see ``published_as``).
ApplicationPage = Annotated[
    Page[ApplicationResponse], published_as("Page_service.api.applications.ApplicationResponse_")
]


async def _contract_file(document: ContractDocument, services: Services) -> Response[bytes]:
    return Response(
        await render_off_the_loop(services.contract_renderer.render, document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="contrat-{document.contract_number}.pdf"'},
    )


class ApplicationController(Controller):
    path = "/v1/applications"
    tags = ["applications"]

    @post(
        "/",
        guards=[allow(*OFFICERS)],
        operation_id="createApplication",
        summary="Open a loan application (draft) for an applicant and a product",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def create(
        self, data: JSONBody[CreateApplicationRequest], services: NamedDependency[Services], request: AuthedRequest
    ) -> ApplicationResponse:
        """Opens a draft for an applicant and a product version; the amount and instalments are checked
        against the product's limits."""
        cmd = uc.CreateApplication(
            applicant_id=data.applicant_id,
            product_id=data.product_id,
            amount=money_of(data.amount, "amount"),
            number_of_installments=data.number_of_installments,
            principal_grace_installments=data.principal_grace_installments,
            purpose=data.purpose,
        )
        return application_out(
            await uc.create_application(cmd, actor=request.user, uow=services.uow(), now=services.now())
        )

    @get(
        "/",
        guards=[allow(*ALL_STAFF)],
        operation_id="listApplications",
        summary="List applications by status, applicant or officer",
        responses=problems(400, 401, 403),
    )
    async def list_all(
        self,
        services: NamedDependency[Services],
        status: StatusName | None = None,
        applicant_id: uuid.UUID | None = None,
        officer_id: uuid.UUID | None = None,
        include_test: Annotated[
            bool, Parameter(description="also the files of partners' sandbox (made-up) people (left out by default)")
        ] = False,
        cursor: uuid.UUID | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> ApplicationPage:
        """Applications filtered by status, applicant or officer, a page at a time with `cursor` and
        `limit`."""
        criteria = ApplicationFilter(
            status=Status(status) if status else None,
            applicant_id=applicant_id,
            officer_id=officer_id,
            include_test=include_test,
        )
        found = list(await uc.list_applications(criteria, uow=services.uow(), after=cursor, limit=limit))
        loans = await loans_of_applications([a.id for a in found], uow=services.uow())
        return Page(
            items=[application_out(a, loans.get(a.id)) for a in found],
            next_cursor=next_cursor([a.id for a in found], limit),
        )

    @get(
        "/{application_id:uuid}",
        guards=[allow(*ALL_STAFF)],
        operation_id="getApplication",
        opt=audited("application"),
        summary="Read an application with its checks and offer",
        responses=problems(400, 401, 403, 404),
    )
    async def read(self, application_id: uuid.UUID, services: NamedDependency[Services]) -> ApplicationResponse:
        """The application's status, amounts, eligibility checks, committee conditions, offer and loan once
        disbursed."""
        application = await uc.get_application(application_id, uow=services.uow())
        loans = await loans_of_applications([application.id], uow=services.uow())
        return application_out(application, loans.get(application.id))

    async def _move(
        self,
        application_id: uuid.UUID,
        action: Action,
        data: TransitionRequest,
        services: Services,
        request: AuthedRequest,
    ) -> ApplicationResponse:
        return application_out(
            await uc.transition(
                application_id,
                action,
                expected_version=data.version,
                actor=request.user,
                uow=services.uow(),
                now=services.now(),
                today=services.today(),
                reason=data.reason,
            )
        )

    @post(
        "/{application_id:uuid}/submission",
        guards=[allow(*OFFICERS)],
        operation_id="submitApplication",
        summary="Submit the application (the eligibility checks run and must all pass)",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def submit(
        self,
        application_id: uuid.UUID,
        data: JSONBody[TransitionRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """Runs the named eligibility checks (training, project, product limits, legal ceilings); each
        failing check is listed in a 422."""
        return await self._move(application_id, Action.SUBMIT, data, services, request)

    @post(
        "/{application_id:uuid}/review",
        guards=[allow(*OFFICERS)],
        operation_id="startApplicationReview",
        summary="Start reviewing a submitted application",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def review(
        self,
        application_id: uuid.UUID,
        data: JSONBody[TransitionRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """An officer starts reviewing a submitted application; it can then go to the committee."""
        return await self._move(application_id, Action.START_REVIEW, data, services, request)

    @post(
        "/{application_id:uuid}/committee-referral",
        guards=[allow(*OFFICERS)],
        operation_id="sendApplicationToCommittee",
        summary="Put the application before the credit committee",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def to_committee(
        self,
        application_id: uuid.UUID,
        data: JSONBody[TransitionRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """Moves a reviewed application before the credit committee; a new voting round starts."""
        return await self._move(application_id, Action.SEND_TO_COMMITTEE, data, services, request)

    @post(
        "/{application_id:uuid}/withdrawal",
        guards=[allow(*OFFICERS)],
        operation_id="withdrawApplication",
        summary="Withdraw the application (the applicant gave up)",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def withdraw(
        self,
        application_id: uuid.UUID,
        data: JSONBody[TransitionRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """Closes the application at the applicant's request; it can no longer move on."""
        return await self._move(application_id, Action.WITHDRAW, data, services, request)

    @post(
        "/{application_id:uuid}/votes",
        guards=[allow(*COMMITTEE)],
        operation_id="voteOnApplication",
        summary="A committee member's vote with a comment (a later vote in the same round replaces it)",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def vote(
        self,
        application_id: uuid.UUID,
        data: JSONBody[VoteRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> VoteResponse:
        """A committee member approves or declines with a comment; members who prepared the file may not
        vote."""
        cast = await uc.vote(
            application_id, data.vote, data.comment, actor=request.user, uow=services.uow(), now=services.now()
        )
        return vote_out(cast.vote, current=cast.current, member_name=cast.member_name)

    @get(
        "/{application_id:uuid}/votes",
        guards=[allow(*ALL_STAFF)],
        operation_id="listApplicationVotes",
        summary="The committee's votes on an application",
        responses=problems(400, 401, 403),
    )
    async def votes(self, application_id: uuid.UUID, services: NamedDependency[Services]) -> list[VoteResponse]:
        """Every vote of every round, later votes replacing earlier ones in the same round but both kept."""
        return [
            vote_out(cast.vote, current=cast.current, member_name=cast.member_name)
            for cast in await uc.application_votes(application_id, uow=services.uow())
        ]

    @post(
        "/{application_id:uuid}/decision",
        guards=[allow(*COMMITTEE)],
        operation_id="decideOnApplication",
        summary="The committee's decision: by a member who did not prepare, review or refer the file, once the "
        "round's votes reach the quorum and a majority backs it (or with the reason for deciding against them)",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def decide(
        self,
        application_id: uuid.UUID,
        data: JSONBody[DecisionRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """Approves (with optional conditions) or declines with reasons; the maker-checker rule and the
        quorum are checked."""
        decision = CommitteeDecision(
            decision=Action(data.decision),
            comment=data.comment,
            amount=money_of(data.amount, "amount") if data.amount else None,
            number_of_installments=data.number_of_installments,
            conditions=tuple(data.conditions),
            reasons=tuple(data.reasons),
            against_votes_reason=data.against_votes_reason,
            decline_category=DeclineCategory(data.decline_category),
        )
        return application_out(
            await uc.decide(
                application_id,
                decision,
                expected_version=data.version,
                actor=request.user,
                rules=services.settings.committee_rules,
                uow=services.uow(),
                now=services.now(),
                today=services.today(),
            )
        )

    @post(
        "/{application_id:uuid}/conditions/{number:int}/fulfilment",
        guards=[allow(*OFFICERS)],
        operation_id="meetApplicationCondition",
        summary="Mark one of the committee's conditions met, with the evidence (no disbursement while one is open)",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def meet_condition(
        self,
        application_id: uuid.UUID,
        number: Annotated[int, Parameter(ge=1, le=20)],
        data: JSONBody[MeetConditionRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """Records who met a committee condition, when, and the evidence; money goes out only when every
        condition is met."""
        return application_out(
            await uc.meet_condition(
                application_id,
                number,
                evidence=data.evidence,
                expected_version=data.version,
                actor=request.user,
                uow=services.uow(),
                now=services.now(),
            )
        )

    @post(
        "/{application_id:uuid}/offer",
        guards=[allow(*OFFICERS)],
        operation_id="issueOffer",
        summary="Issue the offer: schedule and TAEG fixed, checks run again, valid for some days",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def offer(
        self,
        application_id: uuid.UUID,
        data: JSONBody[OfferRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """Prices the approved application from its planned disbursement date: the schedule and TAEG are
        fixed until the offer expires."""
        return application_out(
            await uc.issue_offer(
                application_id,
                expected_version=data.version,
                disbursement_date=data.disbursement_date,
                first_due_date=data.first_due_date,
                validity_days=data.validity_days,
                actor=request.user,
                uow=services.uow(),
                now=services.now(),
                today=services.today(),
            )
        )

    @post(
        "/{application_id:uuid}/signature",
        guards=[allow(*OFFICERS)],
        operation_id="signContract",
        summary="Record the borrower's signature of the offer",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def sign(
        self,
        application_id: uuid.UUID,
        data: JSONBody[SignatureRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ApplicationResponse:
        """Records the date the borrower signed the offer; it must not precede the offer nor lie in the
        future."""
        return application_out(
            await uc.sign_contract(
                application_id,
                expected_version=data.version,
                signed_on=data.signed_on,
                actor=request.user,
                uow=services.uow(),
                now=services.now(),
                today=services.today(),
            )
        )

    @get(
        "/{application_id:uuid}/contract",
        guards=[allow(*ALL_STAFF)],
        operation_id="downloadContract",
        opt=audited("application_contract"),
        summary="The credit contract as a PDF, with the schedule and the TAEG",
        media_type="application/pdf",
        responses={
            **problems(400, 401, 403, 404, 422),
            200: ResponseSpec(
                data_container=bytes, media_type="application/pdf", description="the PDF", generate_examples=False
            ),
        },
    )
    async def contract(self, application_id: uuid.UUID, services: NamedDependency[Services]) -> Response[bytes]:
        """The credit contract of the current offer as a PDF (lender, borrower, guarantors, schedule,
        TAEG); 422 while there is no offer."""
        document = await uc.contract_document(
            application_id, lender=services.settings.lender, uow=services.uow(), today=services.today()
        )
        return await _contract_file(document, services)

    @post(
        "/{application_id:uuid}/disbursements",
        guards=[allow(*OFFICERS)],
        operation_id="disburseApplication",
        summary="Pay out a tranche (the first creates the loan); takes an Idempotency-Key",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def disburse(
        self,
        application_id: uuid.UUID,
        data: JSONBody[DisbursementRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
        idempotency: IdempotencyHeader,
    ) -> DisbursementResponse:
        """Pays out a tranche of a signed offer; the first tranche creates the loan and goes out on the
        offer's date. Replayed with the same Idempotency-Key."""
        amount, currency = amount_of(data.amount, "amount")
        result = await uc.disburse(
            application_id,
            currency=currency,
            amount=amount,
            value_date=data.value_date,
            actor=request.user,
            idempotency=idempotency_key(
                request.user, idempotency, data, operation=f"disburseApplication:{application_id}"
            ),
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )
        d = result.disbursement
        return DisbursementResponse(
            id=d.id,
            application_id=d.application_id,
            loan_id=d.loan_id,
            tranche=d.tranche,
            amount=d.amount,
            fees_withheld=d.fees_withheld,
            paid_out=d.amount - d.fees_withheld,
            value_date=d.value_date,
            application_status=result.application.status,
        )

    @get(
        "/{application_id:uuid}/history",
        guards=[allow(Role.ADMIN)],
        operation_id="getApplicationHistory",
        opt=audited("application"),
        summary="The append-only history of an application (admins)",
        responses=problems(400, 401, 403, 404),
    )
    async def history(self, application_id: uuid.UUID, services: NamedDependency[Services]) -> list[HistoryEntryOut]:
        """Every state change of the application with who made it and when, from the append-only history."""
        return [history_out(named) for named in await uc.application_history(application_id, uow=services.uow())]

    @get(
        "/{application_id:uuid}/decisions",
        guards=[allow(*ALL_STAFF)],
        operation_id="listCommitteeDecisions",
        opt=audited("application"),
        summary="The committee's decisions on an application, with who decided",
        responses=problems(400, 401, 403, 404),
    )
    async def decisions(self, application_id: uuid.UUID, services: NamedDependency[Services]) -> list[HistoryEntryOut]:
        """The history's lines where the committee decided (approve, reject, request changes), one per
        round, with the decider's name and comment (`reason`)."""
        return [history_out(named) for named in await uc.committee_decisions(application_id, uow=services.uow())]


def history_out(named: uc.NamedHistoryEntry) -> HistoryEntryOut:
    entry = named.entry
    return HistoryEntryOut(
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        from_status=entry.from_status,
        to_status=entry.to_status,
        reason=entry.reason,
        details=entry.details,
        actor_name=named.actor_name,
    )


class LoanContractController(Controller):
    """A disbursed loan's credit contract, under the loan's path for the borrower's self-service:
    servicing finds the loan and who may read it, origination writes the contract."""

    path = "/v1/loans"
    tags = ["self-service"]

    @get(
        "/{loan_id:uuid}/contract.pdf",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="downloadLoanContract",
        opt=audited("loan_contract"),
        summary="The loan's credit contract as a PDF (the borrower downloads their own)",
        media_type="application/pdf",
        responses={
            **problems(400, 401, 403, 404),
            200: ResponseSpec(
                data_container=bytes,
                media_type="application/pdf",
                description="the contract PDF",
                generate_examples=False,
            ),
        },
    )
    async def contract(
        self, loan_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> Response[bytes]:
        """The signed credit contract of the loan as a PDF; a borrower downloads only their own."""
        loan, _ = await get_loan(loan_id, actor=request.user, uow=services.uow())
        document = await uc.contract_document(
            loan.application_id, lender=services.settings.lender, uow=services.uow(), today=services.today()
        )
        return await _contract_file(document, services)
