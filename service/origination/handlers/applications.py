"""Loan applications from draft to disbursement: checks, committee, offer, contract, money out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.errors import Conflict, NotFound, RuleViolation
from domain.identity.model import Borrower, Principal
from domain.ids import new_id
from domain.ledger.model import disbursement_transaction
from domain.loans.model import Disbursement, Loan
from domain.money import Money, money, quantize
from domain.origination.applicants import Stage, next_stage
from domain.origination.applications import (
    Action,
    Application,
    CommitteeDecision,
    HistoryEntry,
    NotEligibleError,
    Offer,
    Status,
    require_eligible,
)
from domain.origination.committee import CommitteeRules, check_committee_decider, check_committee_votes, current_votes
from domain.origination.contract import ContractDocument, Lender
from domain.origination.eligibility import (
    CheckResult,
    Commitment,
    EligibilityFacts,
    check_eligibility,
    newest_in_force_ceiling,
    newest_in_force_threshold,
)
from domain.partners.model import EventType
from domain.products.model import LegalCeiling, ProductCategory, ProductVersion, QuoteRequest
from domain.products.policies import check_whole_term, schedule_terms_for
from domain.schedules import FeeCollection, Schedule, build_schedule
from service.followup.handlers import start_follow_up
from service.kernel.idempotency import IdempotencyKey
from service.origination.handlers.applicants import take_file
from service.origination.ports import ApplicationFilter, CommitteeVote, OriginationUnitOfWork

SYSTEM_ACTOR = uuid.UUID(int=0)  # jobs act as this id in histories


@dataclass(frozen=True, kw_only=True)
class CreateApplication:
    applicant_id: uuid.UUID
    product_id: uuid.UUID
    amount: Money  # in the product's currency
    number_of_installments: int
    principal_grace_installments: int = 0
    purpose: str


async def _load(
    uow: OriginationUnitOfWork, application_id: uuid.UUID, expected_version: int | None = None
) -> Application:
    """The application, locked for this transaction; a stale ``expected_version`` is a conflict."""
    app = await uow.applications.get(application_id, for_update=True)
    if app is None:
        raise NotFound("application not found", code="application.not_found")
    if expected_version is not None and app.version != expected_version:
        raise Conflict(
            f"the application is at version {app.version}, not {expected_version}; reload it",
            code="application.version_mismatch",
        )
    return app


def _same_currency(given: str, expected: str) -> None:
    if given != expected:
        raise RuleViolation(f"this loan is in {expected}", code="money.currency_mismatch", field="currency")


async def _product_version(
    uow: OriginationUnitOfWork, product_id: uuid.UUID, version: int | None = None
) -> ProductVersion:
    product = await uow.products.get(product_id)
    if product is None:
        raise NotFound("loan product not found", code="product.not_found")
    if version is None:
        if not product.active:
            raise RuleViolation("this product is no longer offered", code="product.inactive", field="product_id")
        return product.current
    found = await uow.products.version(product_id, version)
    assert found is not None
    return found


async def create_application(
    cmd: CreateApplication, *, actor: Principal, uow: OriginationUnitOfWork, now: datetime
) -> Application:
    async with uow:
        applicant = await uow.applicants.get(cmd.applicant_id)
        if applicant is None:
            raise NotFound("applicant not found", code="applicant.not_found")
        await take_file(uow, applicant, actor)
        version = await _product_version(uow, cmd.product_id)
        _same_currency(cmd.amount.currency.code, version.terms.currency)
        if cmd.amount.amount <= 0:
            raise RuleViolation("must be more than zero", code="money.not_positive", field="amount")
        app = Application(
            id=new_id(),
            applicant_id=cmd.applicant_id,
            officer_id=actor.subject_id,
            product_id=cmd.product_id,
            product_version=version.version,
            currency=version.terms.currency,
            amount=cmd.amount.amount,
            number_of_installments=cmd.number_of_installments,
            principal_grace_installments=cmd.principal_grace_installments,
            purpose=cmd.purpose.strip(),
            status=Status.DRAFT,
            created_at=now,
        )
        await uow.applications.add(app)
        await uow.commit()
    return app


async def _eligibility(
    uow: OriginationUnitOfWork,
    app: Application,
    version: ProductVersion,
    *,
    on: date,
    apr: Decimal | None,
    apr_source: str,
    ceilings: Sequence[LegalCeiling] | None = None,
) -> list[CheckResult]:
    """Every check on what the records say now (the same checks at submission and before the offer);
    ``ceilings`` when the caller has read them already in this transaction."""
    terms = version.terms
    project = await uow.projects.get(app.applicant_id)
    legal = uow.legal_data
    if ceilings is None:
        ceilings = await legal.ceilings()
    ceiling = newest_in_force_ceiling(list(ceilings), terms.category, terms.currency, on)
    threshold = newest_in_force_threshold(
        list(await legal.usury_thresholds()), terms.category, terms.currency, app.amount, on
    )
    # Everything the person owes or has been promised in this currency, this application excepted;
    # the project adds other lenders' microcredit from its financing plan.
    commitments = (
        Commitment(
            "outstanding on loans with us",
            quantize(
                await uow.loans.outstanding_principal_of_applicant(app.applicant_id, terms.currency), terms.currency
            ),
        ),
        Commitment(
            "offered or signed with us, not yet paid out",
            quantize(
                await uow.applications.committed_undisbursed(app.applicant_id, terms.currency, excluding=app.id),
                terms.currency,
            ),
        ),
    )
    facts = EligibilityFacts(
        amount=app.amount,
        number_of_installments=app.number_of_installments,
        product=terms,
        training_completed=await uow.trainings.has_completed_training(app.applicant_id, None),
        project=project,
        commitments=commitments,
        ceiling=ceiling,
        usury_threshold=threshold,
        apr=apr,
        apr_source=apr_source,
        on=on,
    )
    return check_eligibility(facts)


def _schedule(
    app: Application, version: ProductVersion, *, disbursement_date: date, first_due_date: date | None, today: date
) -> Schedule:
    """The schedule the offer would fix (at submission: an indicative one, disbursed today)."""
    request = QuoteRequest(
        principal=app.amount,
        currency=app.currency,
        number_of_installments=app.number_of_installments,
        principal_grace_installments=app.principal_grace_installments or None,
        disbursement_date=disbursement_date,
        first_due_date=first_due_date,
    )
    return build_schedule(schedule_terms_for(request, version.terms, today=today))


def _indicative_apr(app: Application, version: ProductVersion, today: date) -> Decimal | None:
    """The TAEG the offer would have if the money went out today, so that the usury check runs at
    submission too (it binds personal loans only). None when the file is outside the product's
    limits: those checks fail by name instead of the quote's error hiding them."""
    if version.terms.category is not ProductCategory.PERSONAL_MICROCREDIT:
        return None
    try:
        return _schedule(app, version, disbursement_date=today, first_due_date=None, today=today).apr
    except RuleViolation:
        return None


# Published under its former name: the HTTP layer and tests catch it.
EligibilityError = NotEligibleError


async def transition(
    application_id: uuid.UUID,
    action: Action,
    *,
    expected_version: int,
    actor: Principal,
    uow: OriginationUnitOfWork,
    now: datetime,
    today: date,
    reason: str | None = None,
) -> Application:
    """Submit, start the review, send to committee or withdraw. Submission runs the eligibility checks."""
    async with uow:
        app = await _load(uow, application_id, expected_version)
        app.ensure_can(action)  # an illegal move is a 409 naming the state, before any check runs
        if action is Action.SUBMIT:
            version = await _product_version(uow, app.product_id, app.product_version)
            results = await _eligibility(
                uow,
                app,
                version,
                on=today,
                apr=_indicative_apr(app, version, today),
                apr_source="indicative TAEG (disbursed today)",
            )
            try:
                app.submit(results, actor_id=actor.subject_id, at=now)
            except NotEligibleError:
                await uow.applications.save(app)  # the failed checks stay visible on the file
                await uow.commit()
                raise
        else:
            details: dict[str, object] = {}
            if action is Action.SEND_TO_COMMITTEE:  # which plan the committee is given (it cannot change after)
                project = await uow.projects.get(app.applicant_id)
                details["project_version"] = project.version if project else None
            app.apply(action, actor_id=actor.subject_id, at=now, reason=reason, **details)
        await uow.applications.save(app)
        stage = {Action.SUBMIT: Stage.APPLYING, Action.WITHDRAW: Stage.WITHDRAWN}.get(action)
        if stage is not None:
            await _move_applicant(uow, app.applicant_id, stage)
        event = {Action.SUBMIT: EventType.APPLICATION_SUBMITTED, Action.WITHDRAW: EventType.WITHDRAWN}.get(action)
        if event is not None:
            await uow.partner_events.record(app.applicant_id, event, on=today, at=now)
        await uow.commit()
    return app


async def meet_condition(
    application_id: uuid.UUID,
    number: int,
    *,
    evidence: str,
    expected_version: int,
    actor: Principal,
    uow: OriginationUnitOfWork,
    now: datetime,
) -> Application:
    """Mark the committee's condition ``number`` met, with the evidence; the history keeps who and when."""
    async with uow:
        app = await _load(uow, application_id, expected_version)
        app.meet_condition(number, actor_id=actor.subject_id, at=now, evidence=evidence.strip())
        await uow.applications.save(app)
        await uow.commit()
    return app


async def _referring_partner(uow: OriginationUnitOfWork, applicant_id: uuid.UUID) -> uuid.UUID | None:
    applicant = await uow.applicants.get(applicant_id)
    return applicant.partner_id if applicant else None


async def _move_applicant(uow: OriginationUnitOfWork, applicant_id: uuid.UUID, stage: Stage) -> None:
    """Move the person along the path, never backwards (see ``next_stage``)."""
    applicant = await uow.applicants.get(applicant_id, for_update=True)
    assert applicant is not None
    await uow.applicants.set_stage(applicant_id, next_stage(applicant.stage, stage))


@dataclass(frozen=True)
class NamedHistoryEntry:
    """A line of the file's history with the name of who made the change (None for a job or a
    user no longer on staff)."""

    entry: HistoryEntry
    actor_name: str | None


@dataclass(frozen=True)
class CastVote:
    """A vote on the file, whether it counts now (cast in the current round and not replaced by the
    member's later vote), and the member's name."""

    vote: CommitteeVote
    current: bool
    member_name: str | None


async def vote(
    application_id: uuid.UUID,
    vote_value: str,
    comment: str,
    *,
    actor: Principal,
    uow: OriginationUnitOfWork,
    now: datetime,
) -> CastVote:
    async with uow:
        app = await _load(uow, application_id)
        if app.status is not Status.AT_COMMITTEE:
            raise Conflict(
                f"votes are taken at committee; the application is {app.status.value}",
                code="application.illegal_transition",
            )
        check_committee_decider(app, actor.subject_id, await uow.applications.history(app.id))
        # Kept beside the member's earlier votes of the round; only the latest counts (``current_votes``).
        cast = CommitteeVote(
            id=new_id(),
            application_id=app.id,
            member_id=actor.subject_id,
            vote=vote_value,
            comment=comment.strip(),
            at=now,
            round=app.committee_round,
        )
        await uow.applications.add_vote(cast)
        names = await uow.staff_names.of({actor.subject_id})
        await uow.commit()
    return CastVote(cast, current=True, member_name=names.get(actor.subject_id))


async def decide(
    application_id: uuid.UUID,
    decision: CommitteeDecision,
    *,
    expected_version: int,
    actor: Principal,
    rules: CommitteeRules,
    uow: OriginationUnitOfWork,
    now: datetime,
    today: date,
) -> Application:
    """The committee's decision, by a member independent of the file, once the round's votes reach the
    quorum and a majority backs it, or with the reason for deciding against them (``rules``, unless the
    product version sets its own). It may change the amount or term and set conditions."""
    async with uow:
        app = await _load(uow, application_id, expected_version)
        app.ensure_can(decision.decision)
        check_committee_decider(app, actor.subject_id, await uow.applications.history(app.id))
        version = await _product_version(uow, app.product_id, app.product_version)
        ballots = [
            (v.member_id, v.vote) for v in await uow.applications.votes(app.id) if v.round == app.committee_round
        ]
        reason = (decision.against_votes_reason or "").strip() or None
        tally = check_committee_votes(
            decision.decision, current_votes(ballots), rules.for_product(version.terms), reason
        )
        app.decide(decision, terms=version.terms, tally=tally, reason=reason, actor_id=actor.subject_id, at=now)
        await uow.applications.save(app)
        if decision.decision is Action.REJECT:
            await _move_applicant(uow, app.applicant_id, Stage.DECLINED)
        await _tell_partners_decision(uow, app, decision, now, today)
        await uow.commit()
    return app


async def _tell_partners_decision(
    uow: OriginationUnitOfWork, app: Application, decision: CommitteeDecision, now: datetime, today: date
) -> None:
    """Referring partners hear "approved", or "declined" with a category; nothing of the votes,
    comments, reasons or conditions."""
    if decision.decision is Action.APPROVE:
        await uow.partner_events.record(app.applicant_id, EventType.APPROVED, on=today, at=now)
    elif decision.decision is Action.REJECT:
        details = {"decline_category": decision.decline_category.value}
        await uow.partner_events.record(app.applicant_id, EventType.DECLINED, on=today, at=now, details=details)


async def issue_offer(
    application_id: uuid.UUID,
    *,
    expected_version: int,
    disbursement_date: date,
    first_due_date: date | None,
    validity_days: int,
    actor: Principal,
    uow: OriginationUnitOfWork,
    now: datetime,
    today: date,
) -> Application:
    """Fix the product version, amount, schedule and TAEG in an offer; the checks run again first.

    The planned disbursement date must fall within the offer's validity: the schedule and the TAEG
    are computed from it, so the money goes out on that date only. A signed offer whose date passed
    with no money out is replaced by a new one, which the borrower signs again."""
    async with uow:
        app = await _load(uow, application_id, expected_version)
        app.offer_replaces(disbursement_date, validity_days=validity_days, today=today)
        # The person's other commitments count against the ceiling: serialise offers for one person.
        await uow.applicants.get(app.applicant_id, for_update=True)
        version = await _product_version(uow, app.product_id, app.product_version)
        schedule = _schedule(
            app, version, disbursement_date=disbursement_date, first_due_date=first_due_date, today=today
        )
        # The whole term, disbursement to last due date, as a reschedule counts it (one rule).
        ceilings = list(await uow.legal_data.ceilings())
        check_whole_term(
            version.terms,
            disbursed_on=disbursement_date,
            first_due_date=schedule.installments[0].due_date,
            installments=app.number_of_installments,
            principal_grace=app.principal_grace_installments,
            interest_grace=0,
            ceiling=newest_in_force_ceiling(ceilings, version.terms.category, version.terms.currency, today),
        )
        results = await _eligibility(
            uow, app, version, on=today, apr=schedule.apr, apr_source="the offer's TAEG", ceilings=ceilings
        )
        app.eligibility = tuple(results)
        require_eligible(results)
        offer = Offer.of(
            app,
            schedule,
            product_version=version.version,
            annual_interest_rate=version.terms.annual_interest_rate,
            disbursement_date=disbursement_date,
            issued_on=today,
            validity_days=validity_days,
        )
        app.issue_offer(offer, today=today, actor_id=actor.subject_id, at=now)
        await uow.applications.save(app)
        await uow.commit()
    return app


async def sign_contract(
    application_id: uuid.UUID,
    *,
    expected_version: int,
    signed_on: date,
    actor: Principal,
    uow: OriginationUnitOfWork,
    now: datetime,
    today: date,
) -> Application:
    """Record the borrower's signature of the offer, which must still be valid today (whatever date the
    signature carries) and on the signature date."""
    async with uow:
        app = await _load(uow, application_id, expected_version)
        app.sign(signed_on, today=today, actor_id=actor.subject_id, at=now)
        await uow.applications.save(app)
        await uow.commit()
    return app


async def expire_offers(*, uow: OriginationUnitOfWork, now: datetime, today: date, batch: int = 500) -> int:
    """Offers past their expiry date become expired (nightly job; running it twice changes nothing)."""
    expired = 0
    async with uow:
        for application_id in await uow.applications.offers_expired_before(today, limit=batch):
            app = await _load(uow, application_id)
            app.apply(Action.EXPIRE_OFFER, actor_id=SYSTEM_ACTOR, at=now, reason="offer validity ended")
            await uow.applications.save(app)
            expired += 1
        await uow.commit()
    return expired


@dataclass(frozen=True)
class DisbursementResult:
    application: Application
    loan: Loan
    disbursement: Disbursement


async def disburse(
    application_id: uuid.UUID,
    *,
    amount: Decimal,
    currency: str,
    value_date: date,
    actor: Principal,
    idempotency: IdempotencyKey,
    uow: OriginationUnitOfWork,
    now: datetime,
    today: date,
) -> DisbursementResult:
    """Pay out a tranche. The first creates the loan with the contract's schedule; fees withheld at
    disbursement are kept back from it. Ledger entries, the event and the key are one transaction."""
    async with uow:
        replay = await uow.idempotency.begin(idempotency.scope, idempotency.key, idempotency.request_hash)
        if replay is not None:
            return await _disbursement_view(uow, application_id, uuid.UUID(replay["disbursement_id"]))
        app = await _load(uow, application_id)
        app.ensure_can(Action.DISBURSE)  # a file that is not signed, or fully paid out, is a 409
        assert app.offer is not None
        paid_out = money(amount, currency)
        app.check_disbursement(paid_out, value_date)
        earlier = await uow.loans.disbursements(app.id)
        app.check_tranche_date(value_date, earlier=[d.value_date for d in earlier], today=today)
        version = await _product_version(uow, app.product_id, app.product_version)
        first = app.disbursed_amount == 0
        if first:  # the ceiling again, now that the money goes out (other files may have moved on)
            await uow.applicants.get(app.applicant_id, for_update=True)
            results = await _eligibility(
                uow, app, version, on=today, apr=app.offer.apr, apr_source="the signed offer's TAEG"
            )
            require_eligible(r for r in results if r.name == "legal_ceiling")
        withheld = (
            app.offer.amount - app.offer.net_disbursed
            if first and any(f.collection is FeeCollection.WITHHELD_AT_DISBURSEMENT for f in version.terms.fees)
            else quantize(Decimal(0), app.currency)
        )
        if withheld >= amount:
            raise RuleViolation(
                f"the first tranche must exceed the {withheld} of fees it withholds",
                code="disbursement.invalid_amount",
                field="amount",
            )
        loan = await uow.loans.for_application(app.id)
        if loan is None:
            loan = Loan(
                id=new_id(),
                application_id=app.id,
                applicant_id=app.applicant_id,
                officer_id=app.officer_id,
                product_id=app.product_id,
                product_version=app.product_version,
                currency=app.currency,
                principal=app.amount,
                annual_interest_rate=app.offer.annual_interest_rate,
                apr=app.offer.apr,
                status="active",
                disbursed_on=value_date,
                installments=app.offer.installments,
                servicing=version.terms.servicing_terms,
                partner_id=await _referring_partner(uow, app.applicant_id),
            )
            await uow.loans.add(loan)
            await start_follow_up(uow, loan)
        transaction = disbursement_transaction(
            new_id(), loan.id, amount=amount, fees_withheld=withheld, currency=app.currency, value_date=value_date
        )
        await uow.ledger.post(transaction)
        tranche = len(earlier) + 1
        disbursement = Disbursement(
            id=new_id(),
            application_id=app.id,
            loan_id=loan.id,
            tranche=tranche,
            amount=amount,
            fees_withheld=withheld,
            value_date=value_date,
            ledger_transaction_id=transaction.id,
            created_by=actor.subject_id,
        )
        await uow.loans.add_disbursement(disbursement)
        app.record_disbursement(
            paid_out, value_date, actor_id=actor.subject_id, at=now, tranche=tranche, loan_id=str(loan.id)
        )
        await uow.applications.save(app)
        await _move_applicant(uow, app.applicant_id, Stage.FINANCED)
        if first:
            await _open_borrower_space(uow, app.applicant_id, now)
            # The amount lent (the contract's), shared only with partners the person allowed to see it.
            lent = {"loan_amount": {"amount": str(app.amount), "currency": app.currency}}
            await uow.partner_events.record(
                app.applicant_id, EventType.LOAN_DISBURSED, on=value_date, at=now, details=lent
            )
        await uow.outbox.add(
            "loan.disbursed",
            loan.id,
            {
                "loan_id": str(loan.id),
                "application_id": str(app.id),
                "applicant_id": str(app.applicant_id),
                "tranche": tranche,
                "amount": str(amount),
                "currency": app.currency,
                "value_date": value_date.isoformat(),
            },
        )
        await uow.idempotency.record(
            idempotency.scope,
            idempotency.key,
            idempotency.request_hash,
            {"disbursement_id": str(disbursement.id)},
            subject=app.applicant_id,
        )
        await uow.commit()
    return DisbursementResult(app, loan, disbursement)


async def _open_borrower_space(uow: OriginationUnitOfWork, applicant_id: uuid.UUID, now: datetime) -> None:
    """Once money goes out, the person becomes a borrower who can sign in (one-time code by e-mail)
    and see their loans; an existing borrower with the same address is reused."""
    applicant = await uow.applicants.get(applicant_id, for_update=True)
    assert applicant is not None
    if applicant.borrower_id is not None or applicant.email is None:
        return
    borrower = await uow.borrowers.by_email(applicant.email)
    if borrower is None:
        borrower = Borrower(
            id=new_id(),
            full_name=applicant.full_name,
            email=applicant.email,
            phone=applicant.phone,
            language="fr",
            created_at=now,
        )
        await uow.borrowers.add(borrower)
    await uow.applicants.link_borrower(applicant_id, borrower.id)


async def _disbursement_view(
    uow: OriginationUnitOfWork, application_id: uuid.UUID, disbursement_id: uuid.UUID
) -> DisbursementResult:
    app = await _load(uow, application_id)
    loan = await uow.loans.for_application(application_id)
    found = [d for d in await uow.loans.disbursements(application_id) if d.id == disbursement_id]
    if loan is None or not found:
        raise RuleViolation(
            "this Idempotency-Key was used for another application",
            code="idempotency.key_reused",
            field="Idempotency-Key",
        )
    return DisbursementResult(app, loan, found[0])


async def get_application(application_id: uuid.UUID, *, uow: OriginationUnitOfWork) -> Application:
    async with uow:
        app = await uow.applications.get(application_id)
    if app is None:
        raise NotFound("application not found", code="application.not_found")
    return app


async def list_applications(
    criteria: ApplicationFilter, *, uow: OriginationUnitOfWork, after: uuid.UUID | None, limit: int
) -> Sequence[Application]:
    async with uow:
        return await uow.applications.page(criteria, after=after, limit=limit)


@dataclass(frozen=True)
class Pipeline:
    """Exact counts of people per stage and files per status, every stage and status listed."""

    stages: dict[Stage, int]
    statuses: dict[Status, int]


async def count_pipeline(officer_id: uuid.UUID | None, *, uow: OriginationUnitOfWork) -> Pipeline:
    """The pipeline's counts, all of them or those of ``officer_id``'s people and files."""
    async with uow:
        stages = await uow.pipeline_counts.by_stage(officer_id)
        statuses = await uow.pipeline_counts.by_status(officer_id)
    return Pipeline({s: stages.get(s, 0) for s in Stage}, {s: statuses.get(s, 0) for s in Status})


async def application_history(application_id: uuid.UUID, *, uow: OriginationUnitOfWork) -> list[NamedHistoryEntry]:
    async with uow:
        if await uow.applications.get(application_id) is None:
            raise NotFound("application not found", code="application.not_found")
        history = await uow.applications.history(application_id)
        names = await uow.staff_names.of({h.actor_id for h in history})
    return [NamedHistoryEntry(h, names.get(h.actor_id)) for h in history]


COMMITTEE_DECISIONS = frozenset({Action.APPROVE, Action.REJECT, Action.REQUEST_CHANGES})


async def committee_decisions(application_id: uuid.UUID, *, uow: OriginationUnitOfWork) -> list[NamedHistoryEntry]:
    """The committee's decisions on the file (one per round it went before the committee) with who
    decided: what every staff member may read of the history, which is the admins'."""
    return [h for h in await application_history(application_id, uow=uow) if h.entry.action in COMMITTEE_DECISIONS]


async def application_votes(application_id: uuid.UUID, *, uow: OriginationUnitOfWork) -> list[CastVote]:
    """Every vote cast on the file, in the order cast, with who cast it and whether it counts now."""
    async with uow:
        app = await uow.applications.get(application_id)
        if app is None:
            raise NotFound("application not found", code="application.not_found")
        votes = await uow.applications.votes(application_id)
        names = await uow.staff_names.of({v.member_id for v in votes})
    latest = current_votes((v.member_id, v.id) for v in votes if v.round == app.committee_round)
    return [CastVote(v, latest.get(v.member_id) == v.id, names.get(v.member_id)) for v in votes]


async def contract_document(
    application_id: uuid.UUID, *, lender: Lender, uow: OriginationUnitOfWork, today: date
) -> ContractDocument:
    async with uow:
        app = await uow.applications.get(application_id)
        if app is None:
            raise NotFound("application not found", code="application.not_found")
        if app.offer is None:
            raise RuleViolation("there is no offer yet, so no contract", code="contract.no_offer")
        applicant = await uow.applicants.get(app.applicant_id)
        project = await uow.projects.get(app.applicant_id)
        product = await uow.products.get(app.product_id)
        version = await _product_version(uow, app.product_id, app.product_version)
    assert applicant is not None and product is not None
    return ContractDocument(
        contract_number=f"MC-{app.id.hex[:12].upper()}",
        application_id=app.id,
        lender=lender,
        borrower_name=applicant.full_name,
        borrower_address=applicant.postal_address,
        business_activity=project.activity if project else None,
        product_name=product.name,
        offer=app.offer,
        fees=version.terms.fees,
        conditions=tuple(c.text for c in app.conditions),
        guarantors=project.guarantors if project else (),
        signed_on=app.signed_on,
        generated_on=today,
    )
