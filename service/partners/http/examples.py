"""Realistic examples of the partner operations, written for partners (the contract shows them;
tests/contract/test_examples.py checks them against the schemas)."""

from __future__ import annotations

from typing import Any

REFERRAL_ID = "01a22a06-db6c-7041-be34-ec3ea6f324ac"
ENDPOINT_ID = "01a22a07-1c2d-7e3f-8a4b-5c6d7e8f9a0b"

EVENT: dict[str, Any] = {
    "id": "01a22a06-db9b-778e-9e33-be4b775d7762",
    "position": "42",
    "type": "referral.loan_disbursed",
    "occurred_on": "2026-11-20",
    "recorded_at": "2026-11-20T10:15:00Z",
    "referral_id": REFERRAL_ID,
    "partner_reference": "ML-2026-0042",
    "data": {"loan_amount": {"amount": "6000.00", "currency": "EUR"}},
    "test": False,
}
FEED = {"items": [EVENT], "next_cursor": "42"}

OUTCOME: dict[str, Any] = {
    "referral_id": REFERRAL_ID,
    "partner_reference": "ML-2026-0042",
    "referred_at": "2026-09-02T08:30:00Z",
    "consent_withdrawn": False,
    "test": False,
    "milestones": [
        {"type": "referral.contacted", "occurred_on": "2026-09-05", "data": {}},
        {"type": "referral.approved", "occurred_on": "2026-10-28", "data": {}},
        {
            "type": "referral.loan_disbursed",
            "occurred_on": "2026-11-20",
            "data": {"loan_amount": {"amount": "6000.00", "currency": "EUR"}},
        },
    ],
}
OUTCOMES = {"items": [OUTCOME], "next_cursor": None}
WITHDRAWN = {**OUTCOME, "consent_withdrawn": True, "milestones": []}

FIGURES = [
    {
        "month": "2026-09",
        "referrals": 12,
        "reached": [{"milestone": "contacted", "referrals": 11}, {"milestone": "approved", "referrals": 4}],
    }
]

ENDPOINT: dict[str, Any] = {
    "id": ENDPOINT_ID,
    "url": "https://partner.example.org/hooks/microcredit",
    "event_types": ["referral.approved", "referral.loan_disbursed"],
    "status": "active",
    "failed_in_a_row": 0,
    "previous_secret_until": None,
    "test": False,
    "created_at": "2026-11-02T09:00:00Z",
}
ENDPOINTS = {"items": [ENDPOINT], "next_cursor": None}
REGISTER = {"url": "https://partner.example.org/hooks/microcredit", "event_types": ["referral.approved"]}
# The secret is shown once, here; it signs every delivery (Standard Webhooks, ``whsec_`` prefix).
WITH_SECRET = {"endpoint": ENDPOINT, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
ROTATED = {
    "endpoint": {**ENDPOINT, "previous_secret_until": "2026-11-21T09:00:00Z"},
    "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
}

DELIVERY: dict[str, Any] = {
    "id": "01a22a08-2d3e-7f40-9b5c-6d7e8f9a0b1c",
    "endpoint_id": ENDPOINT_ID,
    "status": "failed",
    "attempts": 8,
    "last_error": "http 500",
    "event": EVENT,
}
FAILED = {"items": [DELIVERY], "next_cursor": None}
RESENT = {**DELIVERY, "status": "pending", "last_error": None}
