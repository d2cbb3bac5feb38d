"""One persistence style (issue 12, item 5): SQLAlchemy Core statements on the ``Table`` objects,
executed through the unit of work's session, results read as rows and mapped by the repository.

The declarative classes in the ``tables`` modules stay as the schema (Alembic compares them); no
code outside those modules uses them as ORM entities. This test parses the source of service/
(importing only the tables, for the mapped classes' names) and names every file:line that does."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from service.kernel.db.base import Base
from service.metadata import metadata  # noqa: F401 - imported so that every mapped class is registered

SERVICE = Path(__file__).resolve().parent.parent / "service"

# Session methods that only make sense on ORM entities (Core statements go through execute/scalar).
_ENTITY_METHODS = frozenset({"add", "add_all", "get", "merge", "refresh", "delete", "flush", "expunge"})
# Statement builders that, given a mapped class, make an ORM statement (entities, attribute events).
_BUILDERS = frozenset({"select", "insert", "update", "delete"})

# Files converted on another branch (issue 12, item 5, origination and servicing): converted by
# core2, removed at merge. Keep this list empty after the merge.
ALLOWED: frozenset[str] = frozenset()


def _mapped_class_names() -> frozenset[str]:
    return frozenset(mapper.class_.__name__ for mapper in Base.registry.mappers)


def _is_schema_module(path: Path) -> bool:
    """The declarations themselves: a context's ``tables`` module or package, and the metadata."""
    relative = path.relative_to(SERVICE)
    return path.stem == "tables" or "tables" in relative.parts[:-1] or relative.parts == ("metadata.py",)


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _session_method(function: ast.expr) -> str | None:
    """``m`` for a call ``<...session>.m(...)``, else None."""
    if isinstance(function, ast.Attribute) and "session" in _receiver_name(function.value).lower():
        return function.attr
    return None


def _violations(tree: ast.AST, mapped: frozenset[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            method = _session_method(node.func)
            if method in _ENTITY_METHODS:
                yield node.lineno, f"session.{method}() on an ORM entity"
            name = _receiver_name(node.func)
            if name in mapped:
                yield node.lineno, f"builds the ORM entity {name}(...)"
            if name in _BUILDERS:
                for argument in node.args:
                    if isinstance(argument, ast.Name) and argument.id in mapped:
                        yield node.lineno, f"{name}({argument.id}) on the mapped class, not its Table"
        # The Table itself (``Row.__table__``) is what a Core statement is built on; any other
        # attribute of a mapped class is an ORM attribute.
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in mapped
            and node.attr != "__table__"
        ):
            yield node.lineno, f"{node.value.id}.{node.attr}: an ORM attribute (use the Table's columns)"


def _findings() -> list[str]:
    mapped = _mapped_class_names()
    found = []
    for path in sorted(SERVICE.rglob("*.py")):
        relative = path.relative_to(SERVICE.parent).as_posix()
        if _is_schema_module(path) or relative in ALLOWED:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{relative}:{line}: {what}" for line, what in sorted(set(_violations(tree, mapped)))]
    return found


def test_the_mapped_classes_are_known() -> None:
    """The scan below is only as good as its list of mapped classes: it must not be empty."""
    names = _mapped_class_names()
    assert {"StaffUserRow", "LoanRow", "WebhookEndpointRow"} <= names


def test_the_scan_sees_each_kind_of_orm_use() -> None:
    source = (
        "async def f(self):\n"
        "    self.session.add(StaffUserRow(id=1))\n"
        "    await self.session.get(StaffUserRow, 1)\n"
        "    await session.scalars(select(StaffUserRow).where(StaffUserRow.id == 1))\n"
        "    await self.session.execute(select(STAFF).where(STAFF.c.id == 1))\n"
    )
    lines = {line for line, _ in _violations(ast.parse(source), frozenset({"StaffUserRow"}))}
    assert lines == {2, 3, 4}


def test_data_access_is_core_statements_on_tables() -> None:
    findings = _findings()
    assert not findings, "ORM entity use outside the tables modules:\n" + "\n".join(findings)


def test_the_allowance_names_files_that_exist() -> None:
    missing = [p for p in ALLOWED if not (SERVICE.parent / p).exists()]
    assert not missing, missing
