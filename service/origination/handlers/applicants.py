"""Referrals from partners, applicants (walk-ins too) and their business projects."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.errors import Conflict, NotFound, RuleViolation
from domain.identity.model import Principal, Role, normalise_email, normalise_phone
from domain.ids import new_id
from domain.origination.applicants import (
    Applicant,
    BusinessProject,
    Referral,
    Situation,
    Stage,
    next_stage,
    stage_for_partner,
)
from domain.origination.applications import Status
from domain.partners.model import EventType, FollowedReferral
from domain.schedules.validation import check_business_date
from service.kernel.idempotency import IdempotencyKey
from service.origination.ports import ApplicantSearch, OriginationUnitOfWork, PartnerReferralLine


@dataclass(frozen=True, kw_only=True)
class ReferPerson:
    full_name: str
    email: str | None
    phone: str | None
    situation: Situation
    project_idea: str
    partner_contact_name: str
    partner_contact_email: str
    consent_given: bool
    consent_given_on: date
    consent_text_version: str | None = None
    partner_reference: str | None = None
    # A consent of its own: the partner may see the amount lent only if the person agreed to it.
    share_loan_amount: bool = False
    test: bool = False  # made with a sandbox key: followed apart from live referrals


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    stage: Stage
    linked_to_existing: bool
    partner_reference: str | None = None  # the partner's own, kept by the partners context


def _contact(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """The e-mail address and phone number, checked (the API says where they are in its request)."""
    normalised_email = normalise_email(email) if email else None
    normalised_phone = normalise_phone(phone) if phone else None
    if not normalised_email and not normalised_phone:
        raise RuleViolation(
            "an e-mail address or a phone number is required", code="applicant.no_contact", field="email"
        )
    return normalised_email, normalised_phone


async def refer_person(
    cmd: ReferPerson,
    *,
    partner_id: uuid.UUID,
    idempotency: IdempotencyKey,
    uow: OriginationUnitOfWork,
    now: datetime,
    today: date,
) -> ReferralView:
    """Record a partner's referral. The same person (same e-mail or phone) is linked, not duplicated;
    the same Idempotency-Key and body replays the first answer."""
    if not cmd.consent_given:
        raise RuleViolation(
            "the person must have consented to the transfer of their data",
            code="referral.no_consent",
            field="consent.given",
        )
    check_business_date(cmd.consent_given_on, "consent.given_on")
    if cmd.consent_given_on > today:
        raise RuleViolation(
            "consent cannot be dated in the future", code="referral.consent_in_future", field="consent.given_on"
        )
    email, phone = _contact(cmd.email, cmd.phone)
    partner_contact_email = normalise_email(cmd.partner_contact_email, field="partner_contact_email")
    async with uow:
        replay = await uow.idempotency.begin(idempotency.scope, idempotency.key, idempotency.request_hash)
        if replay is not None:
            return await _replayed(uow, uuid.UUID(replay["referral_id"]), bool(replay["linked_to_existing"]))
        await uow.applicants.lock_contact(email, phone)
        applicant = await uow.applicants.find_by_contact(email, phone, test=cmd.test)
        linked = applicant is not None
        if applicant is None:
            applicant = Applicant(
                id=new_id(),
                full_name=cmd.full_name.strip(),
                email=email,
                phone=phone,
                situation=cmd.situation,
                stage=Stage.REFERRED,
                created_at=now,
                partner_id=partner_id,
                test=cmd.test,
            )
            await uow.applicants.add(applicant)
        referral = Referral(
            id=new_id(),
            partner_id=partner_id,
            applicant_id=applicant.id,
            situation=cmd.situation,
            project_idea=cmd.project_idea.strip(),
            partner_contact_name=cmd.partner_contact_name.strip(),
            partner_contact_email=partner_contact_email,
            consent_given_on=cmd.consent_given_on,
            created_at=now,
            consent_text_version=cmd.consent_text_version.strip() if cmd.consent_text_version else None,
        )
        await uow.referrals.add(referral)
        reference = cmd.partner_reference.strip() if cmd.partner_reference else None
        await uow.partner_events.follow(
            FollowedReferral(
                id=referral.id,
                partner_id=partner_id,
                applicant_id=applicant.id,
                referred_at=now,
                partner_reference=reference,
                share_loan_amount=cmd.share_loan_amount,
                test=cmd.test,
            )
        )
        await uow.idempotency.record(
            idempotency.scope,
            idempotency.key,
            idempotency.request_hash,
            {"referral_id": str(referral.id), "linked_to_existing": linked},
            subject=applicant.id,
        )
        await uow.commit()
    return ReferralView(referral, Stage.REFERRED if linked else applicant.stage, linked, reference)


async def _replayed(uow: OriginationUnitOfWork, referral_id: uuid.UUID, linked: bool) -> ReferralView:
    referral = await uow.referrals.get(referral_id)
    assert referral is not None
    applicant = await uow.applicants.get(referral.applicant_id)
    assert applicant is not None
    return ReferralView(
        referral,
        stage_for_partner(applicant.stage, applicant.stage_changed_at, referral.created_at),
        linked,
        await _partner_reference(uow, referral_id),
    )


async def _partner_reference(uow: OriginationUnitOfWork, referral_id: uuid.UUID) -> str | None:
    followed = await uow.partner_events.followed(referral_id)
    return followed.partner_reference if followed else None


async def get_referral(referral_id: uuid.UUID, *, actor: Principal, uow: OriginationUnitOfWork) -> ReferralView:
    """A partner reads only its own referrals; anyone else's is a 404, as for a missing one."""
    async with uow:
        referral = await uow.referrals.get(referral_id)
        applicant = await uow.applicants.get(referral.applicant_id) if referral else None
        # A sandbox key sees its test referrals only, a live key its live ones only.
        own = (
            referral is not None
            and applicant is not None
            and (actor.partner_id, actor.test) == (referral.partner_id, applicant.test)
        )
        if referral is None or not (actor.is_staff or own):
            raise NotFound("referral not found", code="referral.not_found")
        reference = await _partner_reference(uow, referral_id)
    assert applicant is not None
    stage = (
        applicant.stage
        if actor.is_staff
        else stage_for_partner(applicant.stage, applicant.stage_changed_at, referral.created_at)
    )
    return ReferralView(referral, stage, False, reference)


async def list_partner_referrals(
    partner_id: uuid.UUID,
    *,
    test: bool = False,
    uow: OriginationUnitOfWork,
    after: uuid.UUID | None,
    limit: int,
    updated_since: datetime | None = None,
) -> Sequence[PartnerReferralLine]:
    async with uow:
        return await uow.referrals.page_for_partner(
            partner_id, test=test, after=after, limit=limit, updated_since=updated_since
        )


@dataclass(frozen=True, kw_only=True)
class RegisterApplicant:
    full_name: str
    email: str | None
    phone: str | None
    situation: Situation
    officer_id: uuid.UUID | None = None
    postal_address: str | None = None


def acting_officer(actor: Principal | None) -> uuid.UUID | None:
    """The caller when a loan officer: the officer who creates or takes a file owns it until reassigned."""
    return actor.subject_id if actor is not None and actor.has_any_role(Role.LOAN_OFFICER) else None


async def take_file(uow: OriginationUnitOfWork, applicant: Applicant, actor: Principal) -> None:
    """An officer working on a file nobody owns yet (a referral, say) becomes its officer."""
    officer_id = acting_officer(actor)
    if applicant.officer_id is None and officer_id is not None:
        await uow.applicants.claim(applicant.id, officer_id)


async def register_applicant(
    cmd: RegisterApplicant, *, uow: OriginationUnitOfWork, now: datetime, actor: Principal | None = None
) -> Applicant:
    """A walk-in: a person who came without a partner. Someone already known is a 409 naming them.
    Without ``officer_id``, an officer registering the person owns the file."""
    email, phone = _contact(cmd.email, cmd.phone)
    applicant = Applicant(
        id=new_id(),
        full_name=cmd.full_name.strip(),
        email=email,
        phone=phone,
        situation=cmd.situation,
        stage=Stage.CONTACTED,
        created_at=now,
        officer_id=cmd.officer_id or acting_officer(actor),
        postal_address=cmd.postal_address.strip() if cmd.postal_address else None,
    )
    async with uow:
        existing = await uow.applicants.find_by_contact(email, phone)
        if existing is not None:
            raise Conflict(f"this person is already known as applicant {existing.id}", code="applicant.duplicate")
        if cmd.officer_id is not None:
            await _check_officer(uow, cmd.officer_id)
        await uow.applicants.add(applicant)
        await uow.commit()
    return applicant


async def _check_officer(uow: OriginationUnitOfWork, officer_id: uuid.UUID) -> None:
    officer = await uow.staff_users.get(officer_id)
    if officer is None or not officer.active or Role.LOAN_OFFICER not in officer.roles:
        raise RuleViolation("not an active loan officer", code="applicant.unknown_officer", field="officer_id")


@dataclass(frozen=True, kw_only=True)
class UpdateApplicant:
    applicant_id: uuid.UUID
    expected_version: int
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    situation: Situation | None = None
    officer_id: uuid.UUID | None = None
    stage: Stage | None = None
    postal_address: str | None = None
    reason: str | None = None  # why identity or contact data is corrected (kept with who and when)


# Identity and contact data: a change to one of them is a rectification (GDPR art. 16), recorded.
RECTIFIED_FIELDS = ("full_name", "email", "phone", "postal_address")

# Stages an officer may set by hand; the others follow from trainings and applications.
MANUAL_STAGES = frozenset({Stage.CONTACTED, Stage.WITHDRAWN, Stage.DECLINED})


async def update_applicant(
    cmd: UpdateApplicant, *, uow: OriginationUnitOfWork, now: datetime, today: date, actor: Principal | None = None
) -> Applicant:
    """Change details, officer or stage; an officer changing a file nobody owns takes it."""
    async with uow:
        applicant = await get_applicant_in(uow, cmd.applicant_id)
        if applicant.version != cmd.expected_version:
            raise Conflict(
                f"the applicant is at version {applicant.version}, not {cmd.expected_version}",
                code="applicant.version_mismatch",
            )
        email = normalise_email(cmd.email) if cmd.email else applicant.email
        phone = normalise_phone(cmd.phone) if cmd.phone else applicant.phone
        if cmd.stage is not None and cmd.stage not in MANUAL_STAGES:
            raise RuleViolation(
                f"set by the process; an officer may set {', '.join(sorted(MANUAL_STAGES))}",
                code="applicant.stage_not_manual",
                field="stage",
            )
        if cmd.stage is not None and next_stage(applicant.stage, cmd.stage) is not cmd.stage:
            # The same rule as the process's own moves: never backwards, never out of FINANCED (a loan
            # was paid out; partners and reports must not see the person as merely contacted).
            raise RuleViolation(
                f"a person who is {applicant.stage.value} cannot be set {cmd.stage.value} by hand",
                code="applicant.stage_backwards",
                field="stage",
            )
        if cmd.officer_id is not None:
            await _check_officer(uow, cmd.officer_id)
        changed = replace(
            applicant,
            full_name=(cmd.full_name or applicant.full_name).strip(),
            email=email,
            phone=phone,
            situation=cmd.situation or applicant.situation,
            officer_id=cmd.officer_id or applicant.officer_id or acting_officer(actor),
            stage=cmd.stage or applicant.stage,
            postal_address=cmd.postal_address.strip() if cmd.postal_address else applicant.postal_address,
        )
        await uow.applicants.save(changed)
        # A value held before and changed is a correction; filling in a missing one (the address
        # first given) is not, as the privacy route records only corrections of what is held.
        corrected = [
            f
            for f in RECTIFIED_FIELDS
            if getattr(applicant, f) is not None and getattr(changed, f) != getattr(applicant, f)
        ]
        if corrected and actor is not None:
            await uow.rectifications.record(
                applicant.id, fields=corrected, reason=cmd.reason, by=actor.subject_id, at=now
            )
        await _correct_borrower_account(uow, applicant, changed)
        events = {Stage.CONTACTED: EventType.CONTACTED, Stage.WITHDRAWN: EventType.WITHDRAWN}
        event = events.get(cmd.stage) if cmd.stage is not None else None
        if event is not None and cmd.stage is not applicant.stage:
            await uow.partner_events.record(applicant.id, event, on=today, at=now)
        await uow.commit()
    return changed


# What the borrower account (identity) keeps a copy of, for the sign-in code and the notices.
BORROWER_ACCOUNT_FIELDS = ("full_name", "email", "phone")


async def _correct_borrower_account(uow: OriginationUnitOfWork, before: Applicant, after: Applicant) -> None:
    """A borrower signs in with the applicant's e-mail address: a correction of the person's name or
    contact reaches their account in the same transaction, so the old address no longer gets a code."""
    if before.borrower_id is None or after.email is None:
        return  # no account yet (opened at the first disbursement, only for a person with an e-mail)
    if all(getattr(before, f) == getattr(after, f) for f in BORROWER_ACCOUNT_FIELDS):
        return
    await uow.borrowers.correct_contact(
        before.borrower_id, full_name=after.full_name, email=after.email, phone=after.phone
    )


async def get_applicant_in(uow: OriginationUnitOfWork, applicant_id: uuid.UUID) -> Applicant:
    applicant = await uow.applicants.get(applicant_id)
    if applicant is None:
        raise NotFound("applicant not found", code="applicant.not_found")
    return applicant


async def get_applicant(applicant_id: uuid.UUID, *, uow: OriginationUnitOfWork) -> Applicant:
    async with uow:
        return await get_applicant_in(uow, applicant_id)


async def applicant_referrals(applicant_id: uuid.UUID, *, uow: OriginationUnitOfWork) -> Sequence[Referral]:
    """How the person came to the programme: each partner's referral, with its consent date (staff)."""
    async with uow:
        await get_applicant_in(uow, applicant_id)
        return await uow.referrals.of_applicant(applicant_id)


async def search_applicants(
    criteria: ApplicantSearch, *, uow: OriginationUnitOfWork, after: uuid.UUID | None, limit: int
) -> Sequence[Applicant]:
    normalised = replace(
        criteria,
        email=normalise_email(criteria.email) if criteria.email else None,
        phone=normalise_phone(criteria.phone) if criteria.phone else None,
        siret="".join(criteria.siret.split()) if criteria.siret else None,  # as stored: 14 digits, no spaces
    )
    async with uow:
        return await uow.applicants.search(normalised, after=after, limit=limit)


# From the committee's referral on, a file is decided (and then priced, signed and paid out) on the
# project as it stood: the plan may change again only if the committee sends the file back to review
# (request changes) or the file ends (rejected or withdrawn). A paid-out loan keeps its plan.
PROJECT_UNDER_DECISION = frozenset(
    {
        Status.AT_COMMITTEE,
        Status.APPROVED,
        Status.OFFER_ISSUED,
        Status.OFFER_EXPIRED,
        Status.CONTRACT_SIGNED,
        Status.DISBURSED,
    }
)


async def save_project(
    project: BusinessProject,
    *,
    expected_version: int | None,
    uow: OriginationUnitOfWork,
    actor: Principal | None = None,
) -> BusinessProject:
    """Create the applicant's project (no version) or replace it (the version you read, else 409);
    refused while an application is before the committee or past it (see ``PROJECT_UNDER_DECISION``).
    An officer saving the project of a file nobody owns takes the file."""
    project.check_dates()
    async with uow:
        applicant = await get_applicant_in(uow, project.applicant_id)
        for application_id, status in await uow.applications.statuses_of_applicant(project.applicant_id):
            if status in PROJECT_UNDER_DECISION:
                raise Conflict(
                    f"application {application_id} is {status.value}: the project it is decided on cannot "
                    "change (the committee may send the file back to review, or the application be withdrawn)",
                    code="project.under_decision",
                )
        current = await uow.projects.get(project.applicant_id)
        if current is not None and expected_version != current.version:
            raise Conflict(
                f"the project is at version {current.version}; send it as version", code="project.version_mismatch"
            )
        if current is None and expected_version is not None:
            raise Conflict("the applicant has no project yet; send no version", code="project.version_mismatch")
        await uow.projects.save(replace(project, version=current.version if current else 1))
        if actor is not None:
            await take_file(uow, applicant, actor)
        await uow.commit()
        saved = await uow.projects.get(project.applicant_id)
    assert saved is not None
    return saved


async def get_project(applicant_id: uuid.UUID, *, uow: OriginationUnitOfWork) -> BusinessProject:
    async with uow:
        project = await uow.projects.get(applicant_id)
    if project is None:
        raise NotFound("this applicant has no business project yet", code="project.not_found")
    return project
