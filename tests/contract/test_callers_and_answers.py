"""Who may call each operation, and what it may answer, as the published contract says.

``x-callers`` is read from the routes' guards; the access matrix (test_access_matrix.py) is what the
service does. They must agree for every operation, so the contract cannot drift from the guards."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.kernel.http.contract import METHODS, published_contract
from tests.contract.test_access_matrix import MATRIX, STAFF
from tests.contract.test_openapi import generated_contract


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    return generated_contract()


def operations(contract: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, item in contract["paths"].items() for m, op in item.items() if m in METHODS]


def callers_in_matrix(row: dict[str, int]) -> list[str]:
    """The callers the matrix lets past the guards (a 401/403 is the guards' no)."""
    if row["anonymous"] != 401:
        return ["public"]
    allowed = [f"staff:{role}" for role in STAFF if row[role] not in (401, 403)]
    allowed += [kind for kind in ("partner", "borrower") if row[f"{kind}_a"] != 403]
    return allowed


def test_the_callers_of_every_operation_are_those_of_the_access_matrix(contract: dict[str, Any]) -> None:
    differences = []
    for path, method, operation in operations(contract):
        expected = callers_in_matrix(MATRIX[(method.upper(), path)])
        if sorted(operation["x-callers"]) != sorted(expected):
            differences.append(f"{method.upper()} {path}: contract {operation['x-callers']}, matrix {expected}")
        if "Callers:" not in operation["description"]:
            differences.append(f"{method.upper()} {path}: the description does not name its callers")
    assert not differences, "\n".join(differences)


def test_every_answer_the_service_can_give_is_documented_with_its_headers(contract: dict[str, Any]) -> None:
    faults = []
    for path, method, operation in operations(contract):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        needed = {"500", "503"} | ({"413", "415"} if "requestBody" in operation else set())
        faults.extend(f"{where}: {status} not documented" for status in sorted(needed - set(responses)))
        for status, response in responses.items():
            headers = set(response.get("headers", {}))
            wanted = {"X-Request-ID"} | ({"Location"} if status == "201" else set())
            wanted |= {"Retry-After"} if status in ("429", "503") else set()
            faults.extend(f"{where} {status}: no {h} header" for h in sorted(wanted - headers))
            if status[0] in "45" and path != "/health/ready":
                schema = response.get("content", {}).get("application/problem+json", {}).get("schema")
                if schema != {"$ref": "#/components/schemas/Problem"}:
                    faults.append(f"{where} {status}: not a problem+json")
    assert not faults, "\n".join(faults)


def test_the_rate_limited_operations_document_429(contract: dict[str, Any]) -> None:
    limited = {"/v1/loan-quotes", "/v1/apr-calculations", "/v1/auth/token", "/v1/borrower-auth/codes"}
    assert all("429" in contract["paths"][path]["post"]["responses"] for path in limited)


async def test_an_oversized_body_gets_the_documented_413(client: AsyncTestClient[Litestar]) -> None:
    body = b'{"x": "' + b"a" * (client.app.state.get("max_body", 1_048_576) + 10) + b'"}'
    response = await client.post("/v1/loan-quotes", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["X-Request-ID"]


async def test_the_served_contracts_are_the_published_ones(client: AsyncTestClient[Litestar]) -> None:
    served = (await client.get("/schema/openapi.json")).json()
    partner = await client.get("/schema/partner/openapi.json")
    assert partner.status_code == 200, "public, like the main contract"
    assert served == published_contract(client.app)
    view = partner.json()
    operations_of_partners = sorted(
        (m, p) for p, m, op in operations(served) if "partner" in op["x-callers"] and "public" not in op["x-callers"]
    )
    assert sorted((m, p) for p, m, _ in operations(view)) == operations_of_partners
    assert ("post", "/v1/referrals") in operations_of_partners
    assert set(view["components"]["securitySchemes"]) == {"apiKey"}
    text = partner.text
    missing = [name for name in served["components"]["schemas"] if f'schemas/{name}"' in text]
    assert all(name in view["components"]["schemas"] for name in missing), "every $ref of the view resolves"
