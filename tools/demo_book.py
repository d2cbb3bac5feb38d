"""The demo book: two years of a microcredit programme, played forward through the real use cases.

Every loan is walked through the real path (application, committee, offer, signature, payout),
its borrower pays (or stops paying) on the real payment use case, and the real close of business
ages the book once a week, so that the portfolio figures of past days (the dashboard's charts) are
those the service itself recorded. Time is simulated by handing each use case the ``today`` and
``now`` of the day it happens on; events are played week by week, loans of a week concurrently,
each week closed before the next starts.

What a newcomer finds: loans repaid, current, late in each arrears bucket and one written off;
applications at every stage; referrals from two partners; a training programme with a past and a
coming session; follow-up contacts done, due and handed to a volunteer mentor.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.followup.model import BusinessStatus, FollowUpAction, Outcome, RevenueBand
from domain.identity.model import Principal
from domain.loans.model import Loan
from domain.money import money
from domain.origination.applicants import BusinessProject, PlanLine, ResourceKind, ResourceLine, Situation
from domain.origination.applications import Action, CommitteeDecision
from domain.partners.model import DeclineCategory
from domain.products.model import LoanProduct
from domain.servicing import PaymentChannel
from service.followup import handlers as followup_uc
from service.kernel.idempotency import IdempotencyKey
from service.origination.handlers import applicants as applicants_uc
from service.origination.handlers import applications as applications_uc
from service.servicing.handlers import payments as payments_uc
from service.servicing.handlers.close_of_business import close_business_day, close_days_not_closed
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from service.settings import Settings
from service.training import handlers as training_uc
from service.wiring import SqlUnitOfWorkFactory

# Names for the book's people, space-separated.
FIRST_NAMES = (
    "Léa Hugo Inès Louis Chloé Nathan Yasmine Théo Fatou Lucas Sarah Mehdi Julie Karim Manon Omar "
    "Lina Paul Aïcha Jules Emma Samir Zoé Bilal Clara Moussa Anaïs Rayan Élodie Malik"
)
LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre "
    "Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert "
    "Bonnet François Benali Traoré Nguyen Haddad Diop Kone"
)
ACTIVITIES = (
    "Épicerie fine de quartier",
    "Salon de coiffure à domicile",
    "Food truck de cuisine du monde",
    "Atelier de réparation de vélos",
    "Couture et retouches",
    "Boulangerie artisanale",
    "Nettoyage professionnel",
    "Taxi conventionné",
)
# What each loan of the book does, by index modulo the cycle (every profile in the first loans,
# so that a small book already has each of them). The late ones stop paying so that, today, the
# oldest unpaid instalment is the given number of days late (the middle of an arrears bucket).
LATE_DAYS = {"1-30": 15, "31-60": 45, "61-90": 75, "over 90": 150}
PROFILE_CYCLE = (
    "late:1-30",
    "late:31-60",
    "late:61-90",
    "late:over 90",
    "paid_off",
    "on_time",
    "on_time",
    "late:1-30",
    "on_time",
    "late:31-60",
    "on_time",
    "late:61-90",
    "on_time",
    "late:over 90",
    "on_time",
    "on_time",
)
WRITTEN_OFF_INDEX = 17  # one loan of the book is written off
MENTOR = "Bernard Lefort (bénévole EGEE)"
FORGOTTEN_PER_OFFICER = 3  # loans per officer whose latest past contact was never written up
DEFAULT_LOANS = 240
WEEK = timedelta(days=7)


@dataclass
class BookContext:
    uow: SqlUnitOfWorkFactory
    settings: Settings
    engine: AsyncEngine
    product: LoanProduct
    officers: list[Principal]
    committee: tuple[Principal, Principal]
    partners: list[uuid.UUID]
    rng: random.Random
    progress: Callable[[str], None]
    lanes: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(4))


@dataclass
class PlannedLoan:
    index: int
    name: str
    email: str
    phone: str
    amount: Decimal
    installments: int
    disbursed_on: date
    profile: str
    officer: Principal
    partner_id: uuid.UUID | None
    loan: Loan | None = None


def at(day: date, hour: int = 10) -> datetime:
    """A moment of a simulated day (the use cases' ``now``)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _person(rng: random.Random, index: int) -> tuple[str, str, str]:
    first, last = rng.choice(FIRST_NAMES.split()), rng.choice(LAST_NAMES.split())
    email = f"{first.lower()}.{last.lower()}.{index}@example.org".replace("ï", "i").replace("é", "e")
    email = email.replace("è", "e").replace("ë", "e")
    return f"{first} {last}", email, f"06 {index // 10000 % 100:02d} {index // 100 % 100:02d} {index % 100:02d} 42"


def plan_loans(count: int, *, first_day: date, today: date, ctx: BookContext) -> list[PlannedLoan]:
    """``count`` loans paid out between ``first_day`` and three weeks ago, oldest first."""
    span = (today - timedelta(days=21) - first_day).days
    loans = []
    for index in range(count):
        profile = PROFILE_CYCLE[index % len(PROFILE_CYCLE)]
        # Late ones need time to fall behind; the others spread over the whole span.
        if index == WRITTEN_OFF_INDEX:
            profile = "written_off"
        high = span if not profile.startswith("late") else max(1, span - LATE_DAYS[profile[5:]] - 60)
        if profile == "written_off":
            high = 30  # three instalments paid, then months of silence before the write-off
        disbursed_on = first_day + timedelta(days=ctx.rng.randint(0, high))
        name, email, phone = _person(ctx.rng, index)
        loans.append(
            PlannedLoan(
                index=index,
                name=name,
                email=email,
                phone=phone,
                amount=Decimal(ctx.rng.randrange(2000, 12001, 500)),
                installments=12 if profile == "paid_off" or index % 5 == 0 else ctx.rng.choice((18, 24, 36)),
                disbursed_on=disbursed_on,
                profile=profile,
                officer=ctx.officers[index % len(ctx.officers)],
                partner_id=ctx.partners[index % 3] if index % 3 < len(ctx.partners) else None,
            )
        )
    return sorted(loans, key=lambda p: p.disbursed_on)


async def open_file(ctx: BookContext, person: PlannedLoan, *, on: date, purpose: str) -> uuid.UUID:
    """Referral (when a partner sent them) or registration, and the business project."""
    uow, now = ctx.uow, at(on, 9)
    if person.partner_id is not None:
        view = await applicants_uc.refer_person(
            applicants_uc.ReferPerson(
                full_name=person.name,
                email=person.email,
                phone=person.phone,
                situation=Situation.JOB_SEEKER,
                project_idea=purpose,
                partner_contact_name="Conseillère emploi",
                partner_contact_email="conseil@example.org",
                consent_given=True,
                consent_given_on=on,
            ),
            partner_id=person.partner_id,
            idempotency=IdempotencyKey(f"partner:{person.partner_id}", f"demo-referral-{person.index}", "demo"),
            uow=uow(),
            now=now,
            today=on,
        )
        applicant_id = view.referral.applicant_id
    else:
        applicant = await applicants_uc.register_applicant(
            applicants_uc.RegisterApplicant(
                full_name=person.name,
                email=person.email,
                phone=person.phone,
                situation=Situation.JOB_SEEKER,
                officer_id=person.officer.subject_id,
            ),
            uow=uow(),
            now=now,
        )
        applicant_id = applicant.id
    await applicants_uc.save_project(
        BusinessProject(
            applicant_id=applicant_id,
            activity=purpose,
            legal_status="micro-entreprise",
            currency="EUR",
            needs=(PlanLine("équipement et stock", person.amount),),
            resources=(ResourceLine("ce microcrédit", person.amount, ResourceKind.REQUESTED_MICROCREDIT),),
        ),
        expected_version=None,
        uow=uow(),
    )
    return applicant_id


STAGE_ACTIONS = {
    "draft": (),
    "submitted": (Action.SUBMIT,),
    "under_review": (Action.SUBMIT, Action.START_REVIEW),
    "at_committee": (Action.SUBMIT, Action.START_REVIEW, Action.SEND_TO_COMMITTEE),
}


async def walk_file(ctx: BookContext, person: PlannedLoan, *, stage: str, disburse_on: date) -> uuid.UUID:
    """One file from the first meeting to ``stage`` (``"disbursed"``: the money goes out on
    ``disburse_on``, the offer made three days before, signed the day before)."""
    uow, officer, committee = ctx.uow, person.officer, ctx.committee
    opened = disburse_on - timedelta(days=28)
    purpose = ACTIVITIES[person.index % len(ACTIVITIES)]
    applicant_id = await open_file(ctx, person, on=opened - timedelta(days=14), purpose=purpose)
    app = await applications_uc.create_application(
        applications_uc.CreateApplication(
            applicant_id=applicant_id,
            product_id=ctx.product.id,
            amount=money(person.amount, "EUR"),
            number_of_installments=person.installments,
            purpose=purpose,
        ),
        actor=officer,
        uow=uow(),
        now=at(opened),
    )
    actions = STAGE_ACTIONS.get(stage, STAGE_ACTIONS["at_committee"])
    for step, action in enumerate(actions):
        day = opened + timedelta(days=2 * step + 1)
        app = await applications_uc.transition(
            app.id, action, expected_version=app.version, actor=officer, uow=uow(), now=at(day), today=day
        )
    if stage in STAGE_ACTIONS:
        return applicant_id
    decided_on = opened + timedelta(days=14)
    rejected = stage == "rejected"
    for member in committee:
        vote = "reject" if rejected else "approve"
        await applications_uc.vote(app.id, vote, "avis du comité", actor=member, uow=uow(), now=at(decided_on, 9))
    app = await applications_uc.decide(
        app.id,
        CommitteeDecision(
            decision=Action.REJECT if rejected else Action.APPROVE,
            comment="projet fragile" if rejected else "projet solide",
            reasons=("apport insuffisant",) if rejected else (),
            decline_category=DeclineCategory.REPAYMENT_CAPACITY if rejected else DeclineCategory.OTHER,
        ),
        expected_version=app.version,
        actor=committee[0],
        rules=ctx.settings.committee_rules,
        uow=uow(),
        now=at(decided_on),
        today=decided_on,
    )
    if stage in ("approved", "rejected"):
        return applicant_id
    offered_on = disburse_on - timedelta(days=3)
    app = await applications_uc.issue_offer(
        app.id,
        expected_version=app.version,
        disbursement_date=disburse_on,
        first_due_date=None,
        validity_days=30,
        actor=officer,
        uow=uow(),
        now=at(offered_on),
        today=offered_on,
    )
    if stage == "offer_issued":
        return applicant_id
    signed_on = disburse_on - timedelta(days=1)
    app = await applications_uc.sign_contract(
        app.id,
        expected_version=app.version,
        signed_on=signed_on,
        actor=officer,
        uow=uow(),
        now=at(signed_on),
        today=signed_on,
    )
    if stage == "contract_signed":
        return applicant_id
    result = await applications_uc.disburse(
        app.id,
        amount=app.amount,
        currency="EUR",
        value_date=disburse_on,
        actor=officer,
        idempotency=IdempotencyKey(f"staff:{officer.subject_id}", f"demo-payout-{app.id}", "demo"),
        uow=uow(),
        now=at(disburse_on, 11),
        today=disburse_on,
    )
    person.loan = result.loan
    return applicant_id


async def pay(ctx: BookContext, person: PlannedLoan, amount: Decimal, on: date, n: int) -> None:
    assert person.loan is not None
    officer = person.officer
    await payments_uc.record_payment(
        person.loan.id,
        payments_uc.PaymentCommand(
            amount=amount,
            currency="EUR",
            value_date=on,
            channel=PaymentChannel.DIRECT_DEBIT if n % 4 else PaymentChannel.TRANSFER,
            confirm_overpayment=True,
        ),
        actor=officer,
        idempotency=IdempotencyKey(f"staff:{officer.subject_id}", f"demo-pay-{person.loan.id}-{n}", "demo"),
        uow=ctx.uow(),
        today=on,
    )


def servicing_events(person: PlannedLoan, today: date) -> list[tuple[date, Callable[[BookContext], Awaitable[None]]]]:
    """What the borrower does after the payout, as (day, action): a payment per instalment on its
    due date while they pay, then (by profile) nothing more, a payoff, or a write-off."""
    assert person.loan is not None
    due = [i for i in person.loan.installments if i.due_date < today]
    if person.profile.startswith("late"):
        late = LATE_DAYS[person.profile[5:]]
        # The instalment due closest to ``late`` days ago is the first one left unpaid.
        stop = min(range(len(due)), key=lambda n: abs((today - due[n].due_date).days - late), default=0)
        due = due[:stop]
    elif person.profile == "written_off":
        due = due[:3]
    elif person.profile == "paid_off":
        due = due[: max(1, len(due) // 2)]
    events: list[tuple[date, Callable[[BookContext], Awaitable[None]]]] = [
        (i.due_date, partial(pay, person=person, amount=i.total, on=i.due_date, n=n)) for n, i in enumerate(due)
    ]
    last = due[-1].due_date if due else person.disbursed_on
    if person.profile == "paid_off" and last + timedelta(days=10) < today:
        events.append((last + timedelta(days=10), partial(pay_off, person=person, on=last + timedelta(days=10))))
    if person.profile == "written_off" and last + timedelta(days=200) < today:
        events.append((last + timedelta(days=200), partial(write_off, person=person, on=last + timedelta(days=200))))
    return events


async def pay_off(ctx: BookContext, person: PlannedLoan, on: date) -> None:
    assert person.loan is not None
    quote, _ = await payments_uc.payoff(person.loan.id, on, actor=person.officer, uow=ctx.uow(), today=on)
    await pay(ctx, person, quote.amount, on, 999)


async def write_off(ctx: BookContext, person: PlannedLoan, on: date) -> None:
    assert person.loan is not None
    admin = ctx.committee[0]  # any admin would do; the committee member stands for the lender here
    await payments_uc.write_off(
        person.loan.id,
        value_date=on,
        reason="irrécouvrable après relances",
        actor=admin,
        idempotency=IdempotencyKey("demo", f"demo-write-off-{person.loan.id}", "demo"),
        uow=ctx.uow(),
        today=on,
    )


async def _in_lanes(ctx: BookContext, steps: list[Callable[[], Awaitable[object]]]) -> None:
    """Run one loan's steps in order; loans share ``ctx.lanes`` (a few at once, the pool and the
    machine's two cores are shared)."""
    async with ctx.lanes:
        for step in steps:
            await step()


async def play_loans(ctx: BookContext, plan: list[PlannedLoan], *, first_day: date, today: date) -> int:
    """Pay the loans out and service them week by week, closing each week's last day. Returns the
    number of servicing events played."""
    book = SqlCloseOfBusiness(ctx.engine)
    refresh = partial(payments_uc.refresh_loan_state, uow_factory=ctx.uow)
    pending: list[tuple[date, int, Callable[[BookContext], Awaitable[None]]]] = []
    played = 0
    started = time.monotonic()
    week_end = first_day + timedelta(days=6)
    while True:
        last_day = min(week_end, today - timedelta(days=1))
        payouts = [p for p in plan if week_end - WEEK < p.disbursed_on <= last_day]
        await asyncio.gather(
            *(
                _in_lanes(ctx, [partial(walk_file, ctx, p, stage="disbursed", disburse_on=p.disbursed_on)])
                for p in payouts
            )
        )
        for p in payouts:
            pending.extend((day, p.index, action) for day, action in servicing_events(p, today))
        due_now = sorted((e for e in pending if e[0] <= last_day), key=lambda e: (e[1], e[0]))
        pending = [e for e in pending if e[0] > last_day]
        by_loan: dict[int, list[Callable[[], Awaitable[object]]]] = {}
        for _, index, action in due_now:
            by_loan.setdefault(index, []).append(partial(action, ctx))
        await asyncio.gather(*(_in_lanes(ctx, steps) for steps in by_loan.values()))
        played += len(due_now)
        if last_day < week_end:
            break
        await close_business_day(week_end, today=week_end + timedelta(days=1), book=book, refresh=refresh)
        if (week_end - first_day).days % 91 == 90:
            ctx.progress(
                f"demo book: up to {week_end.isoformat()}, {sum(p.loan is not None for p in plan)} loans,"
                f" {played} payments and events, {time.monotonic() - started:.0f} s"
            )
        week_end += WEEK
    await close_days_not_closed(today=today, book=book, refresh=refresh)
    return played


def forgotten_loans(plan: list[PlannedLoan]) -> set[int]:
    """The loans whose officer let the latest past contact slip: each officer's oldest few, so every
    officer has a handful overdue beside the week's contacts not written up yet."""
    forgotten: set[int] = set()
    for officer in {p.officer.subject_id for p in plan}:
        theirs = [p.index for p in plan if p.officer.subject_id == officer]  # the plan is oldest first
        forgotten.update(theirs[:FORGOTTEN_PER_OFFICER])
    return forgotten


async def follow_up_contacts(ctx: BookContext, plan: list[PlannedLoan], *, today: date) -> None:
    """Every contact of the past done, as officers do (once a business closed, later visits find it
    still closed), but those of the last week, a few forgotten ones (``forgotten_loans``), and some
    handed to a volunteer mentor: the dashboard's agenda shows a realistic handful overdue."""
    rng = ctx.rng
    forgotten = forgotten_loans(plan)

    async def one_loan(person: PlannedLoan) -> None:
        assert person.loan is not None
        contacts = (await followup_uc.follow_up_plan(person.loan.id, uow=ctx.uow())).contacts
        to_do = [c for c in contacts if c.due_on is not None and c.outcome is None]
        last_past = max((c.due_on for c in to_do if c.due_on is not None and c.due_on < today), default=None)
        closed = False
        for contact in to_do:
            assert contact.due_on is not None
            slipped = person.index in forgotten and contact.due_on == last_past
            if contact.due_on > today - WEEK or slipped:
                if person.index % 5 == 0:
                    await followup_uc.assign_contact(contact.id, officer_id=None, mentor_name=MENTOR, uow=ctx.uow())
                break  # this one and the later ones are still to do
            contacted_on = contact.due_on + timedelta(days=2)
            closed = closed or person.profile == "late:over 90" or rng.random() < 0.08
            outcome = Outcome(
                contacted_on=contacted_on,
                business_status=BusinessStatus.CLOSED if closed else BusinessStatus.ACTIVE,
                revenue_band=RevenueBand.NONE if closed else rng.choice(list(RevenueBand)[1:3]),
                jobs_created=0 if closed else rng.choice((0, 0, 1, 1, 2)),
                difficulties="trésorerie tendue" if person.profile.startswith("late") else "",
                actions=frozenset({FollowUpAction.COACHING}) if person.profile.startswith("late") else frozenset(),
            )
            await followup_uc.record_outcome(
                contact.id, outcome, actor=person.officer, uow=ctx.uow(), now=at(contacted_on), today=contacted_on
            )

    await asyncio.gather(*(_in_lanes(ctx, [partial(one_loan, p)]) for p in plan if p.loan is not None))


PIPELINE = (
    "draft",
    "submitted",
    "under_review",
    "at_committee",
    "approved",
    "rejected",
    "offer_issued",
    "contract_signed",
)


async def pipeline_and_training(ctx: BookContext, *, today: date, first_index: int) -> None:
    """Files at each stage of the pipeline (two of each), and a training programme with a session
    that is over (attended and completed by some of those people) and one coming."""
    applicants = []
    for n, stage in enumerate(PIPELINE * 2):
        index = first_index + n
        name, email, phone = _person(ctx.rng, index)
        person = PlannedLoan(
            index=index,
            name=name,
            email=email,
            phone=phone,
            amount=Decimal(ctx.rng.randrange(2000, 12001, 500)),
            installments=24,
            disbursed_on=today + timedelta(days=1),
            profile="pipeline",
            officer=ctx.officers[n % len(ctx.officers)],
            partner_id=ctx.partners[n % len(ctx.partners)],
        )
        applicants.append(await walk_file(ctx, person, stage=stage, disburse_on=today + timedelta(days=1)))
    programme = await training_uc.create_programme(
        training_uc.CreateProgramme(
            name="Créer et gérer sa micro-entreprise", provider_name="BGE Paris", duration_days=3
        ),
        uow=ctx.uow(),
        now=at(today - timedelta(days=90)),
    )
    past_start, coming_start = today - timedelta(days=40), today + timedelta(days=12)
    sessions = []
    for starts in (past_start, coming_start):
        view = await training_uc.schedule_session(
            training_uc.ScheduleSession(
                programme_id=programme.id,
                starts_on=starts,
                ends_on=starts + timedelta(days=2),
                capacity=12,
                trainer="Nadia Ferhat",
                location="12 rue Oberkampf, Paris 11e",
            ),
            uow=ctx.uow(),
            now=at(starts - timedelta(days=30)),
            today=starts - timedelta(days=30),
        )
        sessions.append(view.session)
    past, coming = sessions
    for n, applicant_id in enumerate(applicants[:10]):
        session = past if n < 6 else coming
        enrolment = await training_uc.enrol_applicant(
            session.id, applicant_id, uow=ctx.uow(), now=at(session.starts_on - timedelta(days=14))
        )
        if session is coming:
            continue
        for day in range(3):
            on = past_start + timedelta(days=day)
            await training_uc.record_attendance(
                enrolment.id, on, n != 5 or day == 0, actor=ctx.officers[0], uow=ctx.uow(), now=at(on, 18), today=on
            )
        if n != 5:  # the sixth missed two days of three: not completed
            finished = past_start + timedelta(days=2)
            await training_uc.complete_enrolment(
                enrolment.id, finished, uow=ctx.uow(), now=at(finished, 18), today=finished
            )


async def load_book(ctx: BookContext, *, loans: int, today: date) -> None:
    started = time.monotonic()
    first_day = today - timedelta(days=720)
    plan = plan_loans(loans, first_day=first_day, today=today, ctx=ctx)
    played = await play_loans(ctx, plan, first_day=first_day, today=today)
    await follow_up_contacts(ctx, plan, today=today)
    await pipeline_and_training(ctx, today=today, first_index=loans)
    ctx.progress(f"demo book: {loans} loans, {played} payments and events, in {time.monotonic() - started:.0f} s")
