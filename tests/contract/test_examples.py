"""Every operation is described, has examples, and its examples hold: against the schemas of the
contract, and against the running service (a request example is accepted by its decoder and answered
with a status the operation documents). Generic over the contract: a new route is checked as it comes."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.kernel.http.contract import METHODS, published_contract, route_handlers
from service.kernel.http.guards import callers_of
from tests.conftest import Caller
from tests.contract.test_access_matrix import callers, concrete_path  # noqa: F401 (a fixture)
from tests.contract.test_openapi import generated_contract


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    return generated_contract()


def operations(contract: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def closed(node: Any) -> Any:
    """The schemas with no room for fields they do not name: an example must not show any."""
    if isinstance(node, list):
        return [closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: closed(value) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


def validate(instance: Any, schema: dict[str, Any], contract: dict[str, Any]) -> None:
    # The schema is checked inside the whole contract, so that its $ref resolve to the components.
    resolver_root = {**contract, "components": closed(contract["components"]), "__checked__": closed(schema)}
    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/__checked__"}, resolver=jsonschema.RefResolver.from_schema(resolver_root)
    )
    validator.validate(instance)


def test_every_operation_has_a_description_and_examples(contract: dict[str, Any]) -> None:
    missing = []
    for path, method, operation in operations(contract):
        where = f"{method.upper()} {path}"
        if len(operation.get("description", "").removesuffix(".").split("Callers:")[0].strip()) < 20:
            missing.append(f"{where}: no description of its own (a docstring on its handler)")
        body = operation.get("requestBody", {}).get("content", {})
        missing.extend(f"{where}: request {media} without example" for media, c in body.items() if "example" not in c)
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                if "schema" in content and "example" not in content and media.endswith("json"):
                    missing.append(f"{where}: {status} {media} without example")
    assert not missing, "\n".join(missing)


def test_partner_operations_have_examples_of_their_own(app: Litestar) -> None:
    """What partners build on is shown with realistic values written for it, not built from schemas:
    give a new partner route ``request_example=`` (with a body) and ``response_example=``."""
    missing = []
    for (path, method), handler in route_handlers(app).items():
        if "partner" in callers_of(handler):
            wanted = [
                "response_example",
                *(["request_example"] if handler.resolve_data_dto() or _has_body(handler) else []),
            ]
            missing.extend(f"{method.upper()} {path}: no {w}" for w in wanted if w not in handler.opt)
    assert not missing, "\n".join(missing)


def _has_body(handler: Any) -> bool:
    return "data" in handler.parsed_fn_signature.parameters


def test_every_example_matches_its_schema(contract: dict[str, Any]) -> None:
    failures = []
    for path, method, operation in operations(contract):
        contents = [("request", operation.get("requestBody", {}).get("content", {}))]
        contents += [(status, response.get("content", {})) for status, response in operation["responses"].items()]
        for where, content in contents:
            for media, media_object in content.items():
                if "example" in media_object and "schema" in media_object:
                    try:
                        validate(media_object["example"], media_object["schema"], contract)
                    except jsonschema.ValidationError as error:
                        failures.append(
                            f"{method.upper()} {path} {where} {media}: {error.message} at {error.json_path}"
                        )
    assert not failures, "\n".join(failures)


def test_an_example_that_breaks_its_schema_is_found(contract: dict[str, Any]) -> None:
    schema = contract["paths"]["/v1/referrals"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    with pytest.raises(jsonschema.ValidationError):
        validate({"full_name": 12}, schema, contract)
    example = contract["paths"]["/v1/referrals"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    with pytest.raises(jsonschema.ValidationError, match="situation"):  # a field the schema does not know
        validate(
            {**example, "items": [{**example["items"][0], "situation": "other"}]}, _page_schema(contract), contract
        )


def _page_schema(contract: dict[str, Any]) -> dict[str, Any]:
    return contract["paths"]["/v1/referrals"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]


def first_caller(allowed: list[str], known: dict[str, Caller]) -> Caller:
    """Who sends an operation's example: anyone for a public route, else a partner, staff, a borrower."""
    if "public" in allowed:
        return known["anonymous"]
    if "partner" in allowed:
        return known["partner_a"]
    staff = [c.removeprefix("staff:") for c in allowed if c.startswith("staff:")]
    return known[staff[0] if staff else "borrower_a"]


def query_of(operation: dict[str, Any], contract: dict[str, Any]) -> dict[str, str]:
    from service.kernel.http.examples import example_of

    return {
        p["name"]: str(p.get("example", example_of(p["schema"], contract, request=True)))
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


def headers_of(operation: dict[str, Any], caller: Caller) -> dict[str, str]:
    headers = dict(caller.headers)
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key":
            headers["Idempotency-Key"] = f"example-{caller.name}"
    return headers


async def test_request_examples_are_answered_as_documented(
    client: AsyncTestClient[Litestar],
    callers: dict[str, Caller],  # noqa: F811 (the fixture)
) -> None:
    contract = published_contract(client.app)
    failures = []
    for path, method, operation in operations(contract):
        caller = first_caller(operation["x-callers"], callers)
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        response = await client.request(
            method.upper(),
            concrete_path(path, callers),
            params=query_of(operation, contract),
            headers=headers_of(operation, caller),
            **({"json": body["example"]} if "example" in body else {}),
        )
        status = str(response.status_code)
        where = f"{method.upper()} {path} as {caller.name}: {status}"
        if status not in operation["responses"]:
            failures.append(f"{where} is not documented ({sorted(operation['responses'])})")
        elif status == "400":  # the example does not pass the service's own decoding
            failures.append(f"{where} {response.text}")
        elif "X-Request-ID" not in response.headers:
            failures.append(f"{where} without X-Request-ID")
        elif status == "201" and "Location" not in response.headers:
            failures.append(f"{where} without Location")
    assert not failures, "\n".join(failures)
