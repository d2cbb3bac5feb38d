"""Rules about where code lives, read from the syntax tree of domain/ and service/ (and one from
the app's schemas).

One module rounds (issue 12): ``domain/money.py`` is the only place that quantizes a Decimal or
names a ``decimal.ROUND_*`` mode; everything else asks it (``in_minor_unit``, ``quantize``,
``round_to``). The schedule engine needs no exception: it computes in exact integer minor units.
"""

from __future__ import annotations

import ast

import msgspec

from service.cli import ROOT

# The one module allowed to round.
ROUNDS = {"domain/money.py"}


def rounding_sites(source: str) -> list[tuple[int, str]]:
    """Each ``.quantize(`` call and each use or import of a ``ROUND_*`` constant: (line, what)."""
    sites: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "quantize":
            sites.append((node.lineno, ".quantize("))
        elif isinstance(node, ast.Name) and node.id.startswith("ROUND_"):
            sites.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr.startswith("ROUND_"):
            sites.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom):
            sites.extend((node.lineno, f"import {a.name}") for a in node.names if a.name.startswith("ROUND_"))
    return sorted(sites)


def _sources() -> dict[str, str]:
    files = [*(ROOT / "domain").rglob("*.py"), *(ROOT / "service").rglob("*.py")]
    return {str(p.relative_to(ROOT)): p.read_text() for p in sorted(files)}


def test_only_domain_money_rounds() -> None:
    outside = [
        f"{name}:{line}: {what}"
        for name, source in _sources().items()
        if name not in ROUNDS
        for line, what in rounding_sites(source)
    ]
    assert not outside, "round through domain.money instead:\n" + "\n".join(outside)


def test_the_finder_sees_every_spelling() -> None:
    source = (
        "import decimal\nfrom decimal import ROUND_UP as up\nx.quantize(u)\ny = decimal.ROUND_HALF_UP\nz = ROUND_DOWN\n"
    )
    assert [what for _, what in rounding_sites(source)] == [
        "import ROUND_UP",
        ".quantize(",
        "ROUND_HALF_UP",
        "ROUND_DOWN",
    ]
    assert rounding_sites("amount = value + 1\n") == []


def test_domain_money_is_where_rounding_lives() -> None:
    assert rounding_sites((ROOT / "domain" / "money.py").read_text()), "domain/money.py should round"
    assert all((ROOT / name).exists() for name in ROUNDS), "a listed file moved"


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_money_has_one_wire_type() -> None:
    """An amount with its currency is ``MoneyIn``/``MoneyOut`` (service/kernel/http/wire.py) in every
    request and response; no route defines a money schema of its own."""
    import service.app  # noqa: F401 - every context's routes and schemas

    money_shaped = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _subclasses(msgspec.Struct)
        if cls.__module__.startswith("service.") and set(cls.__struct_fields__) == {"amount", "currency"}
    )
    assert money_shaped == ["service.kernel.http.wire.MoneyIn", "service.kernel.http.wire.MoneyOut"]
