"""The domain names its attributes; one table (service.kernel.http.field_paths) says where each is in
the request the client sent. Read from the app's request schemas and from the domain's source."""

from __future__ import annotations

import ast
from typing import Any

import msgspec
from litestar import Litestar

from service.cli import ROOT
from service.kernel.http.contract import route_handlers
from service.kernel.http.field_paths import FIELD_PATHS, RequestPaths, json_path

# Fields the domain names that are no field of any request body: the state of a file, loan or
# product the request acts on (the problem names what blocks it), or a command's own attribute
# that the API sets itself.
NOT_IN_A_BODY = {
    "day": "an attendance day: a path parameter of the attendance route",
    "eligibility": "the file's eligibility checks, computed on submission (application.not_eligible)",
    "events": "a loan's recorded history when it does not replay (servicing.invalid_history)",
}

# Helpers of the domain that take the field name as their second argument.
_FIELD_HELPERS = {"domain/schedules/validation.py": "_fail", "domain/servicing/model.py": "_invalid"}


def _request_schemas(app: Litestar) -> dict[str, type[msgspec.Struct]]:
    schemas = {}
    for handler in route_handlers(app).values():
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is not None and isinstance(data.annotation, type) and issubclass(data.annotation, msgspec.Struct):
            schemas[data.annotation.__name__] = data.annotation
    return schemas


def _paths(info: Any, prefix: str = "") -> set[str]:
    """Every JSON path of an object's fields (``principal.amount``, ``terms.servicing.late_fee``)."""
    if isinstance(info, msgspec.inspect.UnionType):
        return set().union(*(_paths(t, prefix) for t in info.types))
    if isinstance(info, (msgspec.inspect.StructType, msgspec.inspect.DataclassType)):
        found: set[str] = set()
        for f in info.fields:
            path = f"{prefix}.{f.encode_name}" if prefix else f.encode_name
            found |= {path, *_paths(f.type, path)}
        return found
    return set()


def _body_paths(schema: type[msgspec.Struct]) -> set[str]:
    return _paths(msgspec.inspect.type_info(schema))


def _domain_field_names() -> dict[str, str]:
    """Each field name written as a literal in the domain (``field="amount"``, ``_fail(..., "principal")``,
    ``field: str = "email"``), with where it is written."""
    names: dict[str, str] = {}
    for path in sorted((ROOT / "domain").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            literals: list[ast.expr] = []
            if isinstance(node, ast.Call):
                literals += [k.value for k in node.keywords if k.arg == "field"]
                helper = node.func.id if isinstance(node.func, ast.Name) else ""
                if helper == _FIELD_HELPERS.get(where) and len(node.args) == 2:
                    literals.append(node.args[1])
            elif isinstance(node, ast.arguments):
                named = [*node.posonlyargs, *node.args, *node.kwonlyargs]
                defaults = [*[None] * (len(node.posonlyargs) + len(node.args) - len(node.defaults)), *node.defaults]
                defaults += node.kw_defaults
                literals += [d for a, d in zip(named, defaults, strict=True) if a.arg == "field" and d is not None]
            for literal in literals:
                if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                    names.setdefault(literal.value, f"{where}:{literal.lineno}")
    return names


def test_the_table_names_request_schemas_and_paths_in_them(app: Litestar) -> None:
    schemas = _request_schemas(app)
    wrong = []
    for name, paths in FIELD_PATHS.items():
        if name not in schemas:
            wrong.append(f"{name}: no route takes this request schema")
            continue
        body = _body_paths(schemas[name])
        wrong += [f"{name}: {a} -> {p}, no such path" for a, p in paths.renamed.items() if p not in body]
        if paths.within is not None and paths.within not in body:
            wrong.append(f"{name}: within {paths.within}, no such object")
    assert not wrong, "\n".join(wrong)


def test_every_field_the_domain_names_is_on_the_wire_as_is_or_in_the_table(app: Litestar) -> None:
    """A field is found when, in some request, the table puts it at a path of that request's body."""
    bodies = {name: _body_paths(schema) for name, schema in _request_schemas(app).items()}
    named = _domain_field_names()
    assert len(named) > 40, named  # the walk finds the domain's fields
    found = {n for n in named if any(json_path(schema, n) in paths for schema, paths in bodies.items())}
    missing = [f"{where}: {n!r}" for n, where in named.items() if n not in found and n not in NOT_IN_A_BODY]
    assert not missing, "the domain names fields no request has; add them to FIELD_PATHS:\n" + "\n".join(missing)
    needless = [n for n in NOT_IN_A_BODY if n in found or n not in named]
    assert not needless, f"remove from NOT_IN_A_BODY: {needless}"


def test_the_domain_never_names_a_wire_money_object() -> None:
    """``amount.amount`` or ``principal.currency`` is how the wire writes money, not the domain."""
    wire_money = [
        f"{where}: {n!r}" for n, where in _domain_field_names().items() if n.endswith((".amount", ".currency"))
    ]
    assert not wire_money, "\n".join(wire_money)


def test_money_attributes_land_in_their_money_objects() -> None:
    assert json_path("CreateLoanQuoteRequest", "principal") == "principal.amount"
    assert json_path("CreateLoanQuoteRequest", "currency") == "principal.currency"
    assert json_path("DisbursementRequest", "amount") == "amount.amount"
    assert json_path("DecisionRequest", "currency") == "amount.currency"
    # A field parsed by the route is already a JSON path; an unknown schema keeps the domain's name.
    assert json_path("DisbursementRequest", "value_date") == "value_date"
    assert json_path(None, "amount") == "amount"


def test_a_products_terms_are_under_terms_and_its_servicing_terms_under_terms_servicing() -> None:
    assert json_path("CreateLoanProductRequest", "min_amount") == "terms.min_amount"
    assert json_path("AddProductVersionRequest", "late_fee") == "terms.servicing.late_fee"
    assert json_path("CreateLoanProductRequest", "terms.fees[0].amount") == "terms.fees[0].amount"
    assert json_path("CreateLoanProductRequest", "fees[0].amount") == "terms.fees[0].amount"
    assert RequestPaths(within="terms").path("terms") == "terms"
