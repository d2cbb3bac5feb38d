"""Partner routes: the outcomes of its referrals, figures by month, the change feed (issue 14)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import Parameter

from domain.identity.model import Role
from service.kernel.http.guards import AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import Page, next_cursor
from service.partners.handlers import outcomes as uc
from service.partners.http import examples as ex
from service.partners.http.schemas import (
    EventFeedPage,
    EventFeedResponse,
    FeedCursor,
    Limit,
    MilestoneCount,
    MilestoneName,
    MonthFiguresResponse,
    OutcomePage,
    ReferralOutcomeResponse,
    event_out,
    outcome_out,
)
from service.services import Services

PARTNER = [allow(partners=True)]
NOT_FOUND = problems(400, 401, 403, 404)


class PartnerOutcomesController(Controller):
    path = "/v1/partner"
    tags = ["partner outcomes"]

    @get(
        "/referrals",
        guards=PARTNER,
        operation_id="listReferralOutcomes",
        response_example=ex.OUTCOMES,
        summary="The partner's referrals and the milestones each person reached",
        description="Milestones with their dates: contacted, training started/completed, application "
        "submitted, approved or declined (with a category), loan disbursed (the amount only with the "
        "person's consent), business status at 6/12/24/36 months, withdrawn. Never repayments or amounts "
        "owed. Filter by your own `partner_reference`. A sandbox key sees its test referrals only.",
        responses=problems(400, 401, 403),
    )
    async def list_outcomes(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        partner_reference: Annotated[str | None, Parameter(max_length=100)] = None,
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> OutcomePage:
        found = await uc.list_outcomes(
            uc.audience_of(request.user),
            partner_reference=partner_reference,
            after=cursor,
            limit=limit,
            uow=services.uow(),
            now=services.now(),
        )
        return Page(
            items=[outcome_out(o) for o in found],
            next_cursor=next_cursor([o.referral.id for o in found], limit),
        )

    @get(
        "/referrals/{referral_id:uuid}",
        guards=PARTNER,
        operation_id="getReferralOutcome",
        response_example=ex.OUTCOME,
        summary="One referral's milestones",
        description="Another partner's referral is a 404, as a missing one.",
        responses=NOT_FOUND,
    )
    async def get_outcome(
        self, referral_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> ReferralOutcomeResponse:
        audience = uc.audience_of(request.user)
        return outcome_out(await uc.get_outcome(referral_id, audience, uow=services.uow(), now=services.now()))

    @post(
        "/referrals/{referral_id:uuid}/consent-withdrawal",
        guards=[allow(Role.ADMIN, Role.LOAN_OFFICER, partners=True)],
        operation_id="withdrawReferralConsent",
        response_example=ex.WITHDRAWN,
        summary="The person withdrew consent to sharing with the partner",
        description="From now on nothing more about the person reaches the partner: no milestones, no "
        "feed events, and webhooks not yet delivered are cancelled. Said by the partner or by staff.",
        status_code=200,
        responses=NOT_FOUND,
    )
    async def withdraw_consent(
        self, referral_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> ReferralOutcomeResponse:
        outcome = await uc.withdraw_consent(referral_id, actor=request.user, uow=services.uow(), now=services.now())
        return outcome_out(outcome)

    @get(
        "/outcome-figures",
        guards=PARTNER,
        operation_id="getOutcomeFigures",
        response_example=ex.FIGURES,
        summary="By month of referral: how many referrals reached each milestone",
        description="Counts over the partner's own referrals whose person still consents to sharing.",
        responses=problems(401, 403),
    )
    async def figures(self, services: NamedDependency[Services], request: AuthedRequest) -> list[MonthFiguresResponse]:
        months = await uc.outcome_figures(uc.audience_of(request.user), uow=services.uow(), now=services.now())
        return [
            MonthFiguresResponse(
                m.month, m.referrals, [MilestoneCount(MilestoneName(k), v) for k, v in m.reached.items()]
            )
            for m in months
        ]

    @get(
        "/events",
        guards=PARTNER,
        operation_id="listPartnerEvents",
        response_example=ex.FEED,
        summary="The partner's change feed: events after a cursor, in order, each once",
        description="Poll with `cursor` = the last `next_cursor`. An event committed late never appears "
        "before an earlier position, so a poller misses nothing and sees nothing twice. Event ids are "
        "stable and equal the webhook payloads' `data.id`.",
        responses=problems(400, 401, 403),
    )
    async def events(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        cursor: FeedCursor = "0",
        limit: Limit = 100,
    ) -> EventFeedPage:
        page = await uc.read_feed(
            uc.audience_of(request.user), after=int(cursor), limit=limit, uow=services.uow(), now=services.now()
        )
        return EventFeedResponse([event_out(e) for e in page.events], str(page.next_cursor))
