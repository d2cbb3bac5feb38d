"""What a partner may be told, and webhook rules, as worked examples."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import RuleViolation
from domain.partners.model import (
    EventType,
    FollowedReferral,
    PartnerEvent,
    checkpoint_reached,
    count_by_referral_month,
    shared_details,
    sharing_allowed,
)
from domain.partners.webhooks import (
    WEBHOOK_RETRY,
    Attempt,
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
    check_webhook_url,
    endpoint_after,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def referral(**changes: object) -> FollowedReferral:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "partner_id": uuid.uuid4(),
        "applicant_id": uuid.uuid4(),
        "referred_at": NOW,
        **changes,
    }
    return FollowedReferral(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("contacted_on", "months"),
    [
        (date(2026, 3, 1), None),  # four months after the start
        (date(2026, 6, 1), 6),  # a month early still counts for the sixth
        (date(2026, 12, 31), 12),
        (date(2027, 1, 15), 12),
        (date(2028, 1, 10), 24),
        (date(2029, 6, 1), 36),
    ],
)
def test_a_contact_reports_on_the_latest_anniversary_it_reached(contacted_on: date, months: int | None) -> None:
    assert checkpoint_reached(date(2026, 1, 1), contacted_on) == months


def test_nothing_is_shared_from_the_moment_consent_is_withdrawn() -> None:
    assert sharing_allowed(referral(), NOW)
    withdrawn = referral(consent_withdrawn_at=NOW)
    assert sharing_allowed(withdrawn, NOW - timedelta(seconds=1))
    assert not sharing_allowed(withdrawn, NOW)


def test_the_amount_lent_is_kept_back_without_its_own_consent() -> None:
    lent = {"loan_amount": {"amount": "6000.00", "currency": "EUR"}}
    assert shared_details(referral(), EventType.LOAN_DISBURSED, lent) == {}
    assert shared_details(referral(share_loan_amount=True), EventType.LOAN_DISBURSED, lent) == lent


def test_figures_count_each_referral_once_per_milestone_by_month_of_referral() -> None:
    november, december = referral(), referral(referred_at=NOW + timedelta(days=5))

    def event(of: FollowedReferral, kind: EventType, **data: object) -> PartnerEvent:
        return PartnerEvent(
            id=uuid.uuid4(),
            partner_id=of.partner_id,
            position=1,
            type=kind,
            occurred_on=NOW.date(),
            recorded_at=NOW,
            referral_id=of.id,
            partner_reference=None,
            data=data,
        )

    events = [
        event(november, EventType.TRAINING_STARTED),
        event(november, EventType.TRAINING_STARTED),  # a second session: still one person
        event(december, EventType.BUSINESS_CHECKPOINT, months=6, business_status="in_difficulty"),
    ]
    figures = count_by_referral_month([november, december], events)
    assert list(figures) == ["2026-11", "2026-12"]
    assert figures["2026-11"][0] == 1 and figures["2026-11"][1]["training_started"] == 1
    assert figures["2026-12"][1]["business_in_difficulty_6_months"] == 1
    assert figures["2026-12"][1]["training_started"] == 0


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://partner.example/hooks", "webhook.https_required"),
        ("https://127.0.0.1/hooks", "webhook.private_address"),
        ("https://10.1.2.3/hooks", "webhook.private_address"),
        ("https://[::ffff:192.168.1.1]/hooks", "webhook.private_address"),
        ("https://169.254.169.254/latest/meta-data", "webhook.private_address"),
        ("https://localhost/hooks", "webhook.private_address"),
        ("https://metadata.internal/hooks", "webhook.private_address"),
        ("file:///etc/passwd", "webhook.invalid_url"),
    ],
)
def test_production_refuses_what_the_service_must_not_call(url: str, code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_webhook_url(url, require_https=True, allow_private=False)
    assert refused.value.code == code and refused.value.field == "url"


def test_production_accepts_a_public_https_url_and_development_a_local_one() -> None:
    assert check_webhook_url("https://hooks.partner.example/in", require_https=True, allow_private=False)
    assert check_webhook_url("http://127.0.0.1:8080/in", require_https=False, allow_private=True)


def test_a_delivery_backs_off_then_fails_and_a_resend_starts_again_with_the_same_id() -> None:
    delivery = WebhookDelivery(id=uuid.uuid4(), endpoint_id=uuid.uuid4(), event_id=uuid.uuid4())
    failure = Attempt(ok=False, error="http_500")
    delivery = delivery.after(failure, NOW)
    assert delivery.status is DeliveryStatus.PENDING and delivery.next_attempt_at == NOW + timedelta(seconds=30)
    delivery = delivery.after(failure, NOW)
    assert delivery.next_attempt_at == NOW + timedelta(minutes=2)
    for _ in range(WEBHOOK_RETRY.max_attempts - 2):
        delivery = delivery.after(failure, NOW)
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == WEBHOOK_RETRY.max_attempts
    resent = delivery.resent(NOW)
    assert (resent.id, resent.status, resent.attempts) == (delivery.id, DeliveryStatus.PENDING, 0)
    with pytest.raises(RuleViolation):
        resent.resent(NOW)


def test_an_endpoint_is_disabled_after_so_many_failed_deliveries_in_a_row() -> None:
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        partner_id=uuid.uuid4(),
        url="https://x.example",
        event_types=frozenset(),
        secret="s",
        created_at=NOW,
    )
    failed = WebhookDelivery(
        id=uuid.uuid4(), endpoint_id=endpoint.id, event_id=uuid.uuid4(), status=DeliveryStatus.FAILED
    )
    sent = WebhookDelivery(id=uuid.uuid4(), endpoint_id=endpoint.id, event_id=uuid.uuid4(), status=DeliveryStatus.SENT)
    once = endpoint_after(endpoint, failed, disable_after=2)
    assert (once.status, once.failed_in_a_row) == (EndpointStatus.ACTIVE, 1)
    assert endpoint_after(once, sent, disable_after=2).failed_in_a_row == 0
    assert endpoint_after(once, failed, disable_after=2).status is EndpointStatus.DISABLED


def test_during_a_rotation_both_secrets_sign_until_the_overlap_ends() -> None:
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        partner_id=uuid.uuid4(),
        url="https://x.example",
        event_types=frozenset(),
        secret="old",
        created_at=NOW,
    )
    rotated = endpoint.rotated("new", at=NOW, overlap=timedelta(hours=24))
    assert rotated.signing_secrets(NOW + timedelta(hours=23)) == ("new", "old")
    assert rotated.signing_secrets(NOW + timedelta(hours=24)) == ("new",)
