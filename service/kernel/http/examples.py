"""Examples for the contract, built from a schema where a route gives none of its own.

A field's own example (``msgspec.Meta(examples=[...])``) wins, then its enum's first value, its
default, then a value of its format. Request examples hold the required fields only (optional ones
may exclude each other); response examples hold every field. tests/contract/test_examples.py checks
each example against its schema and sends the request examples to the service.
"""

from __future__ import annotations

from typing import Any

from service.kernel.http import messages
from service.kernel.http.problems import HTTP_CODES

_BY_FORMAT: dict[str, Any] = {
    "uuid": "0190a5c4-7b1e-7c3a-9f2d-3e4b5a6c7d8e",
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:30:00Z",
    "email": "amina.diallo@example.org",
    "uri": "https://partner.example.org/",
    "binary": "",
}
# A plain string field's example by its name, where its schema says no more (amounts and rates in
# answers are strings without a pattern): the first hint found in the name wins.
_BY_NAME: tuple[tuple[tuple[str, ...], str], ...] = (
    (("currency",), "EUR"),
    (("rate", "percent", "apr"), "7.45"),
    (("multiple",), "0.01"),
    (("amount", "principal", "interest", "fee", "total", "outstanding", "due", "paid", "balance", "penalt"), "1000.00"),
    (("email",), "amina.diallo@example.org"),
    (("phone",), "+33612345678"),
    (("full_name", "applicant_name", "borrower_name"), "Amina Diallo"),
    (("code",), "CREATION-2026"),
    (("siret",), "12345678900012"),
)
_PROBLEM_CODES = {**HTTP_CODES, 500: "internal_error", 422: "rule.violated"}


def example_of(schema: dict[str, Any], contract: dict[str, Any], *, request: bool = False) -> Any:
    """A value valid against ``schema`` (whose ``$ref`` point into ``contract``'s components)."""
    return _Builder(contract, request).build(schema, depth=0)


def problem_example(status: int) -> dict[str, Any]:
    """The problem a client gets with ``status`` (in English, as with ``Accept-Language: en``)."""
    code = _PROBLEM_CODES.get(status, "request.invalid")
    example: dict[str, Any] = {
        "type": f"urn:microcredit:problem:{code}",
        "title": messages.TITLES[status][1],
        "status": status,
        "code": code,
        "request_id": "9f0c1d2e3a4b5c6d",
    }
    if status == 400:
        example["errors"] = [{"field": "body", "reason": "Object missing required field `full_name`"}]
    return example


class _Builder:
    def __init__(self, contract: dict[str, Any], request: bool) -> None:
        self.schemas = contract["components"]["schemas"]
        self.request = request

    def build(self, schema: dict[str, Any], depth: int, name: str = "") -> Any:
        if ref := schema.get("$ref"):
            return self.build(self.schemas[ref.rsplit("/", 1)[1]], depth + 1, name)
        for given in ("examples", "example", "const", "enum"):
            if given in schema:
                values = schema[given]
                return values[0] if given in ("examples", "enum") else values
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        # ``allOf`` holds a single ``$ref`` where Litestar gives a named enum the field's own description.
        for combined in ("oneOf", "anyOf", "allOf"):
            if options := schema.get(combined):
                chosen = next((o for o in options if o.get("type") != "null"), options[0])
                return self.build(chosen, depth, name)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in schema:
            return self._object(schema, depth)
        if kind == "array":
            item = schema.get("items", {})
            return [self.build(item, depth + 1, name) for _ in range(max(1, schema.get("minItems", 1)))]
        if kind == "string":
            return self._string(schema, name)
        if kind in ("integer", "number"):
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1)
            return int(low) if kind == "integer" else low
        if kind == "boolean":
            return True
        return None

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        required = set(schema.get("required", ()))
        return {
            name: self.build(field, depth + 1, name)
            for name, field in schema.get("properties", {}).items()
            if name in required or not self.request
        }

    def _string(self, schema: dict[str, Any], name: str) -> str:
        if (fmt := schema.get("format")) and fmt in _BY_FORMAT:
            return str(_BY_FORMAT[fmt])
        hinted = next((text for hints, text in _BY_NAME if any(h in name for h in hints)), None)
        text = hinted if hinted is not None and "pattern" not in schema else "Atelier de couture"
        return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")
