"""Use cases on a person's data: export (art. 15/20), erasure on request (art. 17), the nightly
retention run, holds (dispute, longer retention agreed), the audit trail, the referral consent."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import structlog

from domain.errors import Conflict, NotFound
from domain.privacy.rectification import RectifiableField, corrected_value
from domain.privacy.retention import Action, PersonFacts, RetentionPolicy, due_actions, erasure_refusal
from service.privacy.ports import (
    AuditEntry,
    AuditTrail,
    Consent,
    Consents,
    PersonExport,
    PersonRecords,
    Rectification,
    Rectifications,
    RetentionReport,
)

log = structlog.get_logger()

RETENTION_BATCH = 200


def _person_not_found() -> NotFound:
    return NotFound("no such person (or erased)", code="privacy.person_not_found")


async def export_person(applicant_id: uuid.UUID, *, records: PersonRecords) -> PersonExport:
    export = await records.export(applicant_id)
    if export is None:
        raise _person_not_found()
    return export


async def erase_person(applicant_id: uuid.UUID, *, records: PersonRecords, now: datetime) -> None:
    """Erasure on request: refused (Conflict naming why) while a legal period runs."""
    if not await records.erase(applicant_id, now=now, check=erasure_refusal):
        raise _person_not_found()
    log.info("person_erased", applicant_id=str(applicant_id), on="request")


async def hold_person(
    applicant_id: uuid.UUID,
    *,
    dispute_open: bool,
    longer_retention_until: date | None,
    records: PersonRecords,
    now: datetime,
) -> None:
    if not await records.hold(
        applicant_id, dispute_open=dispute_open, longer_retention_until=longer_retention_until, now=now
    ):
        raise _person_not_found()


async def run_retention(
    *, records: PersonRecords, policy: RetentionPolicy, today: date, now: datetime, batch: int = RETENTION_BATCH
) -> RetentionReport:
    """Erases or anonymises what passed its period on ``today``, in batches. Idempotent: what was
    done is not due again (erased people and scrubbed notes are skipped)."""
    run_id = await records.start_run(as_of=today, now=now)
    counts = {"examined": 0, Action.ERASE_IDENTITY.value: 0, Action.SCRUB_FOLLOW_UP.value: 0, "no_longer_due": 0}
    after: uuid.UUID | None = None
    while True:
        people = await records.candidates(after=after, limit=batch)
        for applicant_id, facts in people:
            counts["examined"] += 1
            actions = due_actions(facts, policy, today)
            if Action.ERASE_IDENTITY in actions:
                # Checked again under the row lock: a loan opened or a dispute raised since is not erased.
                try:
                    await records.erase(applicant_id, now=now, check=lambda f: _still_due(f, policy, today))
                except Conflict:
                    counts["no_longer_due"] += 1
                    continue
                counts[Action.ERASE_IDENTITY.value] += 1
            elif Action.SCRUB_FOLLOW_UP in actions:
                await records.scrub_follow_up(applicant_id, now=now)
                counts[Action.SCRUB_FOLLOW_UP.value] += 1
        if len(people) < batch:
            break
        after = people[-1][0]
    counts["idempotency_keys_purged"] = await _purge_idempotency_keys(records, policy, now, batch)
    await records.finish_run(run_id, counts=counts, now=now)
    log.info("retention_run_finished", run_id=str(run_id), as_of=today.isoformat(), **counts)
    return RetentionReport(run_id=run_id, as_of=today, counts=counts)


async def _purge_idempotency_keys(records: PersonRecords, policy: RetentionPolicy, now: datetime, batch: int) -> int:
    """Replies older than the replay window go, a batch per transaction (a short lock each)."""
    before = now - timedelta(hours=policy.idempotency_hours)
    purged = 0
    while (done := await records.purge_idempotency_keys(before=before, limit=batch)) > 0:
        purged += done
        if done < batch:
            break
    return purged


def _still_due(facts: PersonFacts, policy: RetentionPolicy, today: date) -> None:
    if Action.ERASE_IDENTITY not in due_actions(facts, policy, today):
        raise Conflict("no longer due for erasure", code="privacy.not_due")


async def rectify_person(
    applicant_id: uuid.UUID,
    *,
    field: RectifiableField,
    value: str,
    reason: str,
    rectifications: Rectifications,
    staff_id: uuid.UUID,
    now: datetime,
) -> Rectification:
    done = await rectifications.rectify(
        applicant_id,
        field=field,
        value=corrected_value(field, value),
        reason=reason,
        staff_id=staff_id,
        now=now,
    )
    if done is None:
        raise _person_not_found()
    log.info("person_rectified", applicant_id=str(applicant_id), field=field.value)
    return done


async def audit_of_person(
    applicant_id: uuid.UUID, *, trail: AuditTrail, after: uuid.UUID | None, limit: int
) -> Sequence[AuditEntry]:
    return await trail.of_person(applicant_id, after=after, limit=limit)


async def audit_of_staff(
    staff_id: uuid.UUID, *, trail: AuditTrail, after: uuid.UUID | None, limit: int
) -> Sequence[AuditEntry]:
    return await trail.of_staff(staff_id, after=after, limit=limit)


async def referral_consent(referral_id: uuid.UUID, *, consents: Consents) -> Consent:
    consent = await consents.of_referral(referral_id)
    if consent is None:
        raise NotFound("no such referral", code="referral.not_found")
    return consent
