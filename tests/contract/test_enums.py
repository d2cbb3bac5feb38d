"""Every closed set on the wire is an enum in the contract: a field named like a state, a kind or a
role lists its values, so that a partner's generated client gets an enum and not a free string."""

from __future__ import annotations

import re
from typing import Any

from tests.contract.test_openapi import generated_contract

# Field names that hold one of a fixed set of values wherever they appear.
CLOSED_SET_NAMES = re.compile(
    r"^(stage|status|.*_status|kind|.*_kind|roles?|channel|situation|category|decision|vote|component"
    r"|language|repayment_unit|interest_method|amortization|interest_period|day_count|rounding|collection"
    r"|overpayment|group_by|start_source|business_status|revenue_band|actions?)$"
)


def _enum_values(schema: dict[str, Any], schemas: dict[str, Any]) -> list[Any] | None:
    if ref := schema.get("$ref"):
        return _enum_values(schemas[ref.rsplit("/", 1)[1]], schemas)
    if "enum" in schema:
        return [v for v in schema["enum"] if v is not None]
    if schema.get("type") == "array":
        return _enum_values(schema.get("items", {}), schemas)
    if len(schema.get("allOf", ())) == 1:  # Litestar's form of a $ref with the field's own description
        return _enum_values(schema["allOf"][0], schemas)
    for combined in ("oneOf", "anyOf"):
        options = [o for o in schema.get(combined, []) if o.get("type") != "null"]
        if options:
            found = [_enum_values(o, schemas) for o in options]
            return None if any(f is None for f in found) else [v for f in found for v in f or ()]
    return None


def free_closed_sets(contract: dict[str, Any]) -> list[str]:
    schemas = contract["components"]["schemas"]
    free = []
    for name, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            is_text = prop.get("type") != "integer" and field != "legal_status"  # a legal form is free text
            if is_text and CLOSED_SET_NAMES.match(field) and _enum_values(prop, schemas) is None:
                free.append(f"{name}.{field}")
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if CLOSED_SET_NAMES.match(parameter["name"]) and _enum_values(parameter["schema"], schemas) is None:
                    free.append(f"{method.upper()} {path} ?{parameter['name']}")
    return free


def test_closed_sets_are_enums_in_the_contract() -> None:
    free = free_closed_sets(generated_contract())
    assert not free, "closed sets published as free strings:\n" + "\n".join(free)


def test_a_free_string_status_is_found() -> None:
    contract = {"components": {"schemas": {"X": {"properties": {"status": {"type": "string"}}}}}, "paths": {}}
    assert free_closed_sets(contract) == ["X.status"]


def test_domain_enums_are_the_contract_enums() -> None:
    from domain.identity.model import Role
    from domain.origination.applicants import Stage

    schemas = generated_contract()["components"]["schemas"]
    assert _enum_values(schemas["ReferralSummary"]["properties"]["stage"], schemas) == [s.value for s in Stage]
    roles = schemas["CreateStaffUserRequest"]["properties"]["roles"]
    assert _enum_values(roles, schemas) == [r.value for r in Role]
