"""The hand-written JSON functions the codec (``service.kernel.db.codec``) replaced, copied as they
were: the oracle for the form of the rows already in the database. Tests only."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, get_args

from domain.money import Money, money
from domain.notifications import NoticeContent, NoticeKind
from domain.origination.applicants import DocumentInfo, DocumentKind, ResourceKind, ResourceLine
from domain.origination.applications import Condition, Offer
from domain.schedules import Fee, FeeCollection, Installment
from domain.servicing import Component, ServicingTerms


def servicing_to_json(terms: ServicingTerms) -> dict[str, Any]:
    return {
        "allocation_order": [c.value for c in terms.allocation_order],
        "overpayment": terms.overpayment.value,
        "grace_days_before_late": terms.grace_days_before_late,
        "late_fee": str(terms.late_fee),
        "penalty_annual_rate": str(terms.penalty_annual_rate),
        "arrears_buckets": list(terms.arrears_buckets),
        "rounding": terms.rounding.value,
    }


def servicing_from_json(currency: str, data: dict[str, Any]) -> ServicingTerms:
    values: dict[str, Any] = {}
    if "allocation_order" in data:
        values["allocation_order"] = tuple(Component(c) for c in data["allocation_order"])
    for name in ("overpayment", "grace_days_before_late", "rounding"):
        if name in data:
            values[name] = data[name]
    for name in ("late_fee", "penalty_annual_rate"):
        if name in data:
            values[name] = Decimal(data[name])
    if "arrears_buckets" in data:
        values["arrears_buckets"] = tuple(data["arrears_buckets"])
    return ServicingTerms(currency=currency, **values)


def fee_to_json(fee: Fee) -> dict[str, Any]:
    return {
        "name": fee.name,
        "collection": fee.collection.value,
        "percent_of_principal": None if fee.percent_of_principal is None else str(fee.percent_of_principal),
        "amount": None if fee.amount is None else str(fee.amount),
    }


def fee_from_json(data: dict[str, Any]) -> Fee:
    def dec(v: str | None) -> Decimal | None:
        return None if v is None else Decimal(v)

    return Fee(
        name=data["name"],
        collection=FeeCollection(data["collection"]),
        percent_of_principal=dec(data["percent_of_principal"]),
        amount=dec(data["amount"]),
    )


_INSTALLMENT_FIELDS = ("principal", "interest", "fees", "total", "principal_remaining")
_OFFER_DECIMALS = (
    "amount",
    "annual_interest_rate",
    "apr",
    "net_disbursed",
    "total_repayable",
    "total_interest",
    "total_fees",
)
_OFFER_DATES = ("disbursement_date", "first_due_date", "issued_on", "expires_on")


def offer_to_json(offer: Offer) -> dict[str, Any]:
    scalars = {k: str(getattr(offer, k)) for k in _OFFER_DECIMALS}
    dates = {k: getattr(offer, k).isoformat() for k in _OFFER_DATES}
    rows = [
        [i.number, i.due_date.isoformat(), *(str(getattr(i, f)) for f in _INSTALLMENT_FIELDS)]
        for i in offer.installments
    ]
    return {
        **scalars,
        **dates,
        "product_version": offer.product_version,
        "currency": offer.currency,
        "number_of_installments": offer.number_of_installments,
        "installments": rows,
    }


def offer_from_json(data: dict[str, Any]) -> Offer:
    rows = tuple(
        Installment(r[0], date.fromisoformat(r[1]), *(Decimal(v) for v in r[2:])) for r in data["installments"]
    )
    values: dict[str, Any] = {k: Decimal(data[k]) for k in _OFFER_DECIMALS}
    values.update({k: date.fromisoformat(data[k]) for k in _OFFER_DATES})
    return Offer(
        product_version=data["product_version"],
        currency=data["currency"],
        number_of_installments=data["number_of_installments"],
        installments=rows,
        **values,
    )


def condition_to_json(condition: Condition) -> dict[str, Any]:
    return {
        "text": condition.text,
        "met_by": str(condition.met_by) if condition.met_by else None,
        "met_at": condition.met_at.isoformat() if condition.met_at else None,
        "evidence": condition.evidence,
    }


def condition_from_json(data: dict[str, Any]) -> Condition:
    return Condition(
        text=data["text"],
        met_by=uuid.UUID(data["met_by"]) if data.get("met_by") else None,
        met_at=datetime.fromisoformat(data["met_at"]) if data.get("met_at") else None,
        evidence=data.get("evidence"),
    )


def installment_json(i: Installment) -> dict[str, Any]:
    return {
        "number": i.number,
        "due_date": i.due_date.isoformat(),
        "principal": str(i.principal),
        "interest": str(i.interest),
        "fees": str(i.fees),
        "total": str(i.total),
        "principal_remaining": str(i.principal_remaining),
    }


def installment_from_json(data: dict[str, Any]) -> Installment:
    return Installment(
        data["number"],
        date.fromisoformat(data["due_date"]),
        Decimal(data["principal"]),
        Decimal(data["interest"]),
        Decimal(data["fees"]),
        Decimal(data["total"]),
        Decimal(data["principal_remaining"]),
    )


_KIND_ENUMS: dict[type, type[Enum]] = {ResourceLine: ResourceKind, DocumentInfo: DocumentKind}


def plan_lines_from_json(data: list[dict[str, Any]], kind: type) -> tuple[Any, ...]:
    result = []
    for item in data:
        values = dict(item)
        for key in ("amount", "amount_guaranteed"):
            if key in values:
                values[key] = Decimal(values[key])
        if "kind" in values:
            values["kind"] = _KIND_ENUMS[kind](values["kind"])
        if "received_on" in values:
            values["received_on"] = date.fromisoformat(values["received_on"])
        result.append(kind(**values))
    return tuple(result)


def _stored(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, (str, type(None))) else str(value)


def plan_lines_to_json(items: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{k: _stored(v) for k, v in dataclasses.asdict(item).items()} for item in items]


def notice_to_payload(content: NoticeContent) -> dict[str, Any]:
    """The content as JSON-ready values: money as ``{"amount": "1234.56", "currency": "EUR"}``, dates ISO."""
    payload: dict[str, Any] = {"kind": content.kind.value}
    for f in dataclasses.fields(content):
        value = getattr(content, f.name)
        if isinstance(value, Money):
            payload[f.name] = {"amount": str(value.amount), "currency": value.currency.code}
        elif isinstance(value, date):
            payload[f.name] = value.isoformat()
        else:
            payload[f.name] = value
    return payload


def notice_from_payload(payload: dict[str, Any]) -> NoticeContent:
    """The content ``notice_to_payload`` wrote; an unknown kind or a missing field is a ValueError."""
    content_type = {c.kind: c for c in get_args(NoticeContent)}[NoticeKind(payload["kind"])]
    values: dict[str, Any] = {}
    for f in dataclasses.fields(content_type):
        if f.name not in payload:
            continue  # a field with a default; a missing required one fails in the constructor
        raw = payload[f.name]
        if f.type == "Money":
            values[f.name] = money(raw["amount"], raw["currency"])
        elif f.type == "date":
            values[f.name] = date.fromisoformat(raw)
        else:
            values[f.name] = raw
    try:
        return content_type(**values)
    except TypeError as exc:
        raise ValueError(f"incomplete {content_type.kind.value} payload: {exc}") from None
