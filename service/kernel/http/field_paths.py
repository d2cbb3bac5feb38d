"""Where a domain error's field is in the request the client sent: the one table.

The domain names its own attributes: a quote's ``principal`` and ``currency``, a disbursement's
``amount``, a product's ``min_amount``, a servicing term's ``late_fee``, a person's ``email``. A
request may hold them elsewhere: money is an object (``principal.amount``, ``amount.currency``), a
product's terms are the body's ``terms`` object, a referred person is its ``person`` object. This
table says, per request schema (the body's Struct, by its name in the contract), which JSON path a
domain attribute is at; ``service.kernel.http.problems`` applies it when a DomainError becomes a
problem, so the wire names the field as the client sent it and the domain never knows the wire.

A field the table does not name is on the wire as the domain named it (most attributes have the
same name in the request). tests/kernel/test_field_paths.py checks that every key is a request
schema of the app and that every field the domain names is either on the wire as is or here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# The attributes of domain.servicing.ServicingTerms that it names in its errors.
_SERVICING_TERMS = (
    "allocation_order",
    "overpayment",
    "grace_days_before_late",
    "late_fee",
    "penalty_annual_rate",
    "arrears_buckets",
)


@dataclass(frozen=True)
class RequestPaths:
    """The JSON paths of one request schema: ``renamed`` domain attributes, and ``within``, the body's
    object holding the attributes of the domain object the request describes (a product's terms)."""

    renamed: Mapping[str, str] = field(default_factory=dict)
    within: str | None = None

    def path(self, attribute: str) -> str:
        if attribute in self.renamed:
            return self.renamed[attribute]
        if self.within is None or attribute == self.within or attribute.startswith(f"{self.within}."):
            # Already a JSON path: the routes name the fields they parse from the body as sent.
            return attribute
        return f"{self.within}.{attribute}"


def _money(attribute: str) -> dict[str, str]:
    """A Money attribute travels as a MoneyIn object: its amount at ``<attribute>.amount``; a currency
    the domain refuses is the money's (the body has no other)."""
    return {attribute: f"{attribute}.amount", "currency": f"{attribute}.currency"}


def _under(prefix: str, attributes: Iterable[str]) -> dict[str, str]:
    return {a: f"{prefix}.{a}" for a in attributes}


_PRODUCT_TERMS = RequestPaths(
    renamed={**_under("terms.servicing", _SERVICING_TERMS), "servicing_terms": "terms.servicing"}, within="terms"
)

FIELD_PATHS: dict[str, RequestPaths] = {
    # Quotes: the principal is a MoneyIn; the domain's QuoteRequest has principal and currency.
    "CreateLoanQuoteRequest": RequestPaths(_money("principal")),
    # Applications: the amount asked, the committee's amount, a tranche paid out.
    "CreateApplicationRequest": RequestPaths(_money("amount")),
    "DecisionRequest": RequestPaths(_money("amount")),
    "DisbursementRequest": RequestPaths(_money("amount")),
    # Payments: the amount paid (domain.servicing names it ``amount``).
    "PaymentRequest": RequestPaths(_money("amount")),
    # Products: domain.products.ProductTerms is the body's ``terms``, its ServicingTerms ``terms.servicing``.
    "CreateLoanProductRequest": _PRODUCT_TERMS,
    "AddProductVersionRequest": _PRODUCT_TERMS,
    # Referrals: the person's contact details, and the partner's contact person's e-mail address.
    "CreateReferralRequest": RequestPaths(
        {"email": "person.email", "phone": "person.phone", "partner_contact_email": "partner_contact.email"}
    ),
}

_AS_NAMED = RequestPaths()


def json_path(schema: str | None, attribute: str) -> str:
    """The JSON path, in a body of ``schema``, of the domain attribute ``attribute``."""
    return FIELD_PATHS.get(schema or "", _AS_NAMED).path(attribute)
