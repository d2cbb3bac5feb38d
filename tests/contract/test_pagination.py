"""One pagination style on every list: ``cursor`` and ``limit`` in, ``items`` and ``next_cursor`` out,
the cursor given back of the type it is sent in. Generic over the contract."""

from __future__ import annotations

from typing import Any

from tests.contract.test_openapi import generated_contract


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return _resolve(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas) if "$ref" in schema else schema


def pagination_faults(contract: dict[str, Any]) -> list[str]:
    schemas = contract["components"]["schemas"]
    faults = []
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            parameters = {p["name"]: p for p in operation.get("parameters", [])}
            body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
            properties = _resolve(body.get("schema", {}), schemas).get("properties", {})
            paged = {"cursor", "limit", "after", "offset", "page"} & set(parameters) or "next_cursor" in properties
            if not paged:
                continue
            if {"after", "offset", "page"} & set(parameters):
                faults.append(f"{where}: pages with {sorted({'after', 'offset', 'page'} & set(parameters))}")
            if not {"cursor", "limit"} <= set(parameters) or set(properties) & {"items", "next_cursor"} != {
                "items",
                "next_cursor",
            }:
                faults.append(f"{where}: not cursor/limit in and items/next_cursor out")
                continue
            sent = {k: v for k, v in parameters["cursor"]["schema"].items() if k != "description"}
            given = {k: v for k, v in properties["next_cursor"].items() if k != "description"}
            if sent != given:
                faults.append(f"{where}: cursor {sent} but next_cursor {given}")
    return faults


def test_every_list_pages_the_same_way() -> None:
    assert not pagination_faults(generated_contract())


def test_a_list_with_another_style_is_found() -> None:
    contract = {
        "components": {"schemas": {}},
        "paths": {
            "/v1/things": {
                "get": {
                    "parameters": [{"name": "after", "schema": {"type": "string"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"items": {}}}}}}},
                }
            }
        },
    }
    assert len(pagination_faults(contract)) == 2
