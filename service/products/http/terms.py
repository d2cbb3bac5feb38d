"""How a product's loans are serviced, on the wire (part of the product terms)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from domain.servicing import Component, Overpayment, ServicingTerms
from service.kernel.http.wire import DecimalString, checked_amount, decimal_of, rate_text, text

# The four parts of an instalment a payment may be allocated to (``Component`` less recoveries).
ComponentName = Literal["penalties", "fees", "interest", "principal"]
BucketBound = Annotated[int, msgspec.Meta(ge=1, le=3650)]


class ServicingTermsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``allocation_order``: what a payment pays first within each instalment, oldest instalment
    first. ``overpayment``: money left once everything due is paid is kept as a credit, or prepays
    principal shortening the term or lowering the instalments. An instalment is late more than
    ``grace_days_before_late`` days after its due date: then ``late_fee`` once, and
    ``penalty_annual_rate`` percent a year on its overdue principal and interest.
    ``arrears_buckets``: upper bounds in days of the delinquency buckets."""

    allocation_order: Annotated[list[ComponentName], msgspec.Meta(min_length=4, max_length=4)] = msgspec.field(
        default_factory=lambda: ["penalties", "fees", "interest", "principal"]
    )
    overpayment: Overpayment = Overpayment.KEEP_AS_CREDIT
    grace_days_before_late: Annotated[int, msgspec.Meta(ge=0, le=365)] = 0
    late_fee: DecimalString = "0"
    penalty_annual_rate: DecimalString = "0"
    arrears_buckets: Annotated[
        list[Annotated[int, msgspec.Meta(ge=1, le=3650)]], msgspec.Meta(min_length=1, max_length=10)
    ] = msgspec.field(default_factory=lambda: [30, 60, 90])


class ServicingTermsOut(msgspec.Struct, frozen=True):
    allocation_order: list[Component]
    overpayment: Overpayment
    grace_days_before_late: int
    late_fee: str
    penalty_annual_rate: str
    arrears_buckets: list[int]


def servicing_from_wire(t: ServicingTermsIn, currency: str, prefix: str) -> ServicingTerms:
    """Domain servicing terms from the wire ``prefix`` object; a rule they break names their attribute
    (service.kernel.http.field_paths says where it is in the request)."""
    return ServicingTerms(
        currency=currency,
        allocation_order=tuple(Component(c) for c in t.allocation_order),
        overpayment=t.overpayment,
        grace_days_before_late=t.grace_days_before_late,
        late_fee=checked_amount(
            decimal_of(t.late_fee, f"{prefix}.late_fee"), currency, f"{prefix}.late_fee", allow_zero=True
        ),
        penalty_annual_rate=decimal_of(t.penalty_annual_rate, f"{prefix}.penalty_annual_rate", places=6),
        arrears_buckets=tuple(t.arrears_buckets),
    )


def servicing_out(t: ServicingTerms) -> ServicingTermsOut:
    return ServicingTermsOut(
        allocation_order=list(t.allocation_order),
        overpayment=t.overpayment,
        grace_days_before_late=t.grace_days_before_late,
        late_fee=text(t.late_fee),
        penalty_annual_rate=rate_text(t.penalty_annual_rate),
        arrears_buckets=list(t.arrears_buckets),
    )
