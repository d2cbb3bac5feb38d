"""The contract keeps its promises: compared with the last released contract (openapi/released/),
a breaking change fails unless the major version changed; every version is in openapi/CHANGELOG.md.

Releasing: set CONTRACT_VERSION (service/kernel/http/contract.py), say what changed in the
CHANGELOG, run `make openapi` and copy openapi/openapi.json to openapi/released/<version>.json."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from service.cli import ROOT
from service.kernel.http.contract import CONTRACT_VERSION
from tests.contract.compatibility import breaking_changes
from tests.contract.test_openapi import generated_contract

RELEASED = ROOT / "openapi" / "released"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def last_released() -> dict[str, Any]:
    newest = max(RELEASED.glob("*.json"), key=lambda p: _version(p.stem))
    return json.loads(newest.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    return generated_contract()


def test_no_breaking_change_without_a_new_major_version(contract: dict[str, Any]) -> None:
    released = last_released()
    assert _version(contract["info"]["version"]) >= _version(released["info"]["version"])
    if _version(contract["info"]["version"])[0] == _version(released["info"]["version"])[0]:
        assert not breaking_changes(released, contract), "breaking changes need a new major version"


def test_every_version_is_in_the_changelog(contract: dict[str, Any]) -> None:
    changelog = (ROOT / "openapi" / "CHANGELOG.md").read_text()
    assert f"## {CONTRACT_VERSION}" in changelog
    assert contract["info"]["version"] == CONTRACT_VERSION


def _referral_request(contract: dict[str, Any]) -> dict[str, Any]:
    return contract["components"]["schemas"]["CreateReferralRequest"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c["paths"]["/v1/referrals"].pop("get"), "GET /v1/referrals: operation removed"),
        (lambda c: c["components"]["schemas"]["ReferralSummary"]["properties"].pop("stage"), "field stage removed"),
        (lambda c: _referral_request(c)["required"].append("extra"), "field extra now required"),
        (
            lambda c: c["components"]["schemas"]["Stage"]["enum"].remove("trained"),
            "enum value 'trained' removed",
        ),
        (lambda c: _referral_request(c)["properties"]["project_idea"].update(maxLength=5), "maxLength"),
        (lambda c: _referral_request(c)["properties"]["project_idea"].update(type="integer"), "narrowed"),
        (
            lambda c: c["paths"]["/v1/referrals"]["get"]["parameters"].append(
                {"in": "query", "name": "since", "required": True, "schema": {"type": "string"}}
            ),
            "parameter since (query) now required",
        ),
    ],
)
def test_a_breaking_change_is_found(contract: dict[str, Any], change: Any, expected: str) -> None:
    changed = copy.deepcopy(contract)
    change(changed)
    assert any(expected in line for line in breaking_changes(contract, changed)), breaking_changes(contract, changed)


def test_additions_are_not_breaking(contract: dict[str, Any]) -> None:
    changed = copy.deepcopy(contract)
    changed["paths"]["/v1/new-things"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    changed["components"]["schemas"]["ReferralSummary"]["properties"]["note"] = {"type": "string"}
    changed["components"]["schemas"]["ReferralSummary"]["required"].append("note")  # an answer says more
    changed["components"]["schemas"]["Stage"]["enum"].append("retired")
    assert breaking_changes(contract, changed) == []


def _inlined(contract: dict[str, Any], schema: str, field: str) -> dict[str, Any]:
    """``contract`` as it was before ``schema.field`` named its closed set: the component written inline."""
    before = copy.deepcopy(contract)
    prop = before["components"]["schemas"][schema]["properties"][field]
    ref = (prop.get("allOf") or [prop])[0]["$ref"]
    component = before["components"]["schemas"][ref.rsplit("/", 1)[1]]
    kept = {k: v for k, v in prop.items() if k not in ("$ref", "allOf")}
    before["components"]["schemas"][schema]["properties"][field] = {
        "type": "string",
        "enum": list(component["enum"]),
        **kept,
    }
    return before


@pytest.mark.parametrize(
    ("schema", "field"),
    [("CreateLoanQuoteRequest", "repayment_unit"), ("CreateApiKeyRequest", "mode")],  # $ref, allOf: [$ref]
)
def test_an_inline_enum_named_as_a_component_is_the_same_contract(
    contract: dict[str, Any], schema: str, field: str
) -> None:
    assert breaking_changes(_inlined(contract, schema, field), contract) == []


@pytest.mark.parametrize(
    ("schema", "field", "component", "value"),
    [
        ("CreateLoanQuoteRequest", "repayment_unit", "RepaymentUnit", "day"),
        ("CreateApiKeyRequest", "mode", "KeyMode", "test"),
    ],
)
def test_a_value_lost_when_naming_an_enum_is_a_break(
    contract: dict[str, Any], schema: str, field: str, component: str, value: str
) -> None:
    before = _inlined(contract, schema, field)
    changed = copy.deepcopy(contract)
    changed["components"]["schemas"][component]["enum"].remove(value)
    assert f"schema {schema}.{field}: enum value {value!r} removed" in breaking_changes(before, changed)
