"""The HTTP schemas use the domain's enums, not hand-copied ``Literal[...]`` lists of their values: a
copy drifts when the domain gains a value (the wire refuses it, or the contract lies about it)."""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import pkgutil
from pathlib import Path

import domain
from service.cli import ROOT

# A Literal whose values equal a domain enum's, kept on purpose: (module, values) -> why.
ALLOWED: dict[tuple[str, frozenset[object]], str] = {
    ("service/kernel/http/messages.py", frozenset({"fr", "en"})): "the language of the answer (Accept-Language), "
    "the kernel's messages catalogue; not a borrower's notification language",
    ("service/privacy/http.py", frozenset({"fr", "en"})): "the language the export was written in, that of the "
    "answer (the kernel's), not a notification preference",
}


def domain_enums() -> dict[frozenset[object], list[str]]:
    """Every enum of the domain package by its set of values."""
    found: dict[frozenset[object], list[str]] = {}
    for info in pkgutil.walk_packages(domain.__path__, "domain."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, enum.Enum) and value.__module__ == info.name:
                found.setdefault(frozenset(m.value for m in value), []).append(f"{info.name}.{name}")
    return found


def http_modules() -> list[Path]:
    """Every module of a context's (or the kernel's) HTTP layer: ``service/*/http.py`` and ``http/``."""
    service = ROOT / "service"
    return sorted([*service.glob("*/http.py"), *service.glob("*/http/**/*.py")])


def literals(source: str) -> list[tuple[int, frozenset[object]]]:
    """The values of every ``Literal[...]`` written in ``source``, with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and (
            (isinstance(node.value, ast.Name) and node.value.id == "Literal")
            or (isinstance(node.value, ast.Attribute) and node.value.attr == "Literal")
        ):
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            found.append((node.lineno, frozenset(ast.literal_eval(item) for item in items)))
    return found


def copied_enums(
    modules: list[Path],
    enums: dict[frozenset[object], list[str]],
    allowed: dict[tuple[str, frozenset[object]], str],
    root: Path = ROOT,
) -> list[str]:
    found = []
    for path in modules:
        where = path.relative_to(root).as_posix()
        for line, values in literals(path.read_text()):
            if values in enums and (where, values) not in allowed:
                found.append(f"{where}:{line} copies {' / '.join(enums[values])}")
    return found


def test_http_modules_use_the_domain_enums() -> None:
    modules = http_modules()
    assert ROOT / "service" / "followup" / "http.py" in modules
    assert ROOT / "service" / "partners" / "http" / "schemas.py" in modules
    assert copied_enums(modules, domain_enums(), ALLOWED) == []


def test_every_allowance_is_still_needed() -> None:
    """An allowance whose Literal is gone must go too, or it would excuse the next copy."""
    present = {
        (p.relative_to(ROOT).as_posix(), values) for p in http_modules() for _, values in literals(p.read_text())
    }
    assert set(ALLOWED) <= present


def test_a_copied_enum_is_found(tmp_path: Path) -> None:
    module = tmp_path / "service" / "followup" / "http.py"
    module.parent.mkdir(parents=True)
    module.write_text('from typing import Literal\n\nStatus = Literal["closed", "active", "in_difficulty"]\n')
    found = copied_enums([module], domain_enums(), {}, root=tmp_path)
    assert found == ["service/followup/http.py:3 copies domain.followup.model.BusinessStatus"]
    allowed = {("service/followup/http.py", frozenset({"active", "in_difficulty", "closed"})): "a test"}
    assert copied_enums([module], domain_enums(), allowed, root=tmp_path) == []
