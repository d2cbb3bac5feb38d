"""What breaks a client of the contract, found by comparing it with the last released one.

No maintained comparator runs here (oasdiff is a Go program); this one covers the changes the
contract's rules name: a removed operation, field, parameter or enum value, a narrowed type, and a
new required input. It compares operations by path and method, and component schemas by name; a
field whose schema moved between inline and a ``$ref`` (or ``allOf: [$ref]``) to a component is
compared with what that component says, so naming a closed set is not a change but narrowing it is.
"""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")
_PREFIX = "#/components/schemas/"
Components = tuple[dict[str, Any], dict[str, Any]]  # the old contract's component schemas, the new one's
_TIGHTER = {"minLength": max, "minimum": max, "minItems": max, "maxLength": min, "maximum": min, "maxItems": min}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found: list[str] = []
    old_schemas, new_schemas = old["components"]["schemas"], new["components"]["schemas"]
    for path, item in old["paths"].items():
        for method in (m for m in METHODS if m in item):
            where = f"{method.upper()} {path}"
            operation = new["paths"].get(path, {}).get(method)
            if operation is None:
                found.append(f"{where}: operation removed")
                continue
            found.extend(_parameters(where, item[method], operation, (old_schemas, new_schemas)))
            found.extend(_statuses(where, item[method], operation))
    inputs = _input_schemas(new)
    for name, schema in old_schemas.items():
        if name not in new_schemas:
            found.append(f"schema {name}: removed")
        else:
            found.extend(
                _schema(
                    f"schema {name}", schema, new_schemas[name], (old_schemas, new_schemas), is_input=name in inputs
                )
            )
    return found


def _input_schemas(contract: dict[str, Any]) -> set[str]:
    """The component schemas a client sends (request bodies and parameters, and what they use)."""
    prefix = "#/components/schemas/"
    pending: list[Any] = [
        [op.get("requestBody", {}), op.get("parameters", [])]
        for item in contract["paths"].values()
        for method, op in item.items()
        if method in METHODS
    ]
    found: set[str] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith(prefix) and (name := ref[len(prefix) :]) not in found:
                found.add(name)
                pending.append(contract["components"]["schemas"][name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def _parameters(where: str, old: dict[str, Any], new: dict[str, Any], components: Components) -> list[str]:
    before = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
    after = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
    found = [f"{where}: parameter {name} ({place}) removed" for place, name in before.keys() - after.keys()]
    for key, parameter in after.items():
        if parameter.get("required") and not before.get(key, {}).get("required"):
            found.append(f"{where}: parameter {key[1]} ({key[0]}) now required")
        if key in before:
            was, now = before[key].get("schema", {}), parameter.get("schema", {})
            found.extend(_schema(f"{where} parameter {key[1]}", was, now, components))
    if "requestBody" in new and new["requestBody"].get("required") and "requestBody" not in old:
        found.append(f"{where}: a request body is now required")
    return found


def _statuses(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    success = [s for s in old["responses"] if s.startswith("2")]
    return [f"{where}: answer {s} removed" for s in success if s not in new["responses"]]


def _component(schema: dict[str, Any]) -> str | None:
    """The component a schema stands for: ``{"$ref": X}`` or ``{"allOf": [{"$ref": X}]}`` (Litestar's
    form when the field adds a description), with or without sibling keywords."""
    ref = schema.get("$ref")
    if ref is None and len(schema.get("allOf", ())) == 1:
        ref = schema["allOf"][0].get("$ref")
    return ref[len(_PREFIX) :] if isinstance(ref, str) and ref.startswith(_PREFIX) else None


def _resolved(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The component's schema with the field's own keywords over it (a description, a default)."""
    name = _component(schema)
    if name is None or name not in schemas:
        return schema
    siblings = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
    return {**schemas[name], **siblings}


def _schema(
    where: str,
    old: dict[str, Any],
    new: dict[str, Any],
    components: Components = ({}, {}),
    *,
    is_input: bool = True,
) -> list[str]:
    found: list[str] = []
    was, now = _component(old), _component(new)
    if was is not None and was == now:
        return []  # the same component, compared once under its own name
    if was is not None or now is not None:
        # Inline on one side, or another component: compare what the two say. A component that
        # refers to itself is compared no deeper than this.
        old, new = _resolved(old, components[0]), _resolved(new, components[1])
        if _component(old) is not None or _component(new) is not None:
            return [f"{where}: now {new.get('$ref') or new.get('type')}"]
    if _types(old) and _types(new) and not _types(new) >= _types(old):
        found.append(f"{where}: type {sorted(_types(old))} narrowed to {sorted(_types(new))}")
    if "enum" in old:
        removed = [v for v in old["enum"] if v not in new.get("enum", old["enum"])]
        found.extend(f"{where}: enum value {v!r} removed" for v in removed)
    elif "enum" in new:
        found.append(f"{where}: now limited to {new['enum']}")
    for key, tighter in _TIGHTER.items():
        if key in new and (key not in old or tighter(old[key], new[key]) != old[key]):
            found.append(f"{where}: {key} {old.get(key)} -> {new[key]}")
    if new.get("pattern") not in (None, old.get("pattern")):
        found.append(f"{where}: pattern {new['pattern']!r}")
    for name, prop in old.get("properties", {}).items():
        if name not in new.get("properties", {}):
            found.append(f"{where}: field {name} removed")
        else:
            found.extend(_schema(f"{where}.{name}", prop, new["properties"][name], components, is_input=is_input))
    if is_input:  # a new required field is news to a reader, but a new duty for a sender
        found.extend(
            f"{where}: field {n} now required" for n in set(new.get("required", ())) - set(old.get("required", ()))
        )
    if "items" in old and "items" in new:
        found.extend(_schema(f"{where}[]", old["items"], new["items"], components, is_input=is_input))
    for combined in ("oneOf", "anyOf"):
        before, after = old.get(combined, []), new.get(combined, [])
        if len(after) < len(before):
            found.append(f"{where}: {combined} lost options")
        else:
            for index, option in enumerate(before):
                found.extend(_schema(f"{where}<{index}>", option, after[index], components, is_input=is_input))
    return found


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()
