"""The problem codes the contract lists (``messages.PROBLEM_CODES``) are those the service raises:
every code written in the sources is listed, and every listed code is written somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from service.cli import ROOT
from service.kernel.http import messages

# A code given to an error: code="x.y" as an argument, or code = "x.y" on an error class.
_CODE = re.compile(r"""\bcode\s*=\s*"([a-z_]+(?:\.[a-z_]+)*)\"""")
# The replay's codes are "servicing." + the name given to _invalid(message, "name").
_REPLAY = re.compile(r"""_invalid\(\s*f?"[^"]*",\s*"([a-z_]+)"\)""")


def _sources() -> list[tuple[Path, str]]:
    files = [*(ROOT / "service").rglob("*.py"), *(ROOT / "domain").rglob("*.py")]
    # The officers' pages show their form errors (``form.*``) next to the field; no API answers them.
    pages = ROOT / "service" / "ui"
    return [(f, f.read_text()) for f in files if f.name != "messages.py" and pages not in f.parents]


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for path, text in _sources():
        codes.update(_CODE.findall(text))
        if path.name == "replay.py":
            codes.update(f"servicing.{name}" for name in _REPLAY.findall(text))
    return codes


def test_every_raised_code_is_listed() -> None:
    assert raised_codes() - set(messages.PROBLEM_CODES) == set()


def test_every_listed_code_is_raised_somewhere() -> None:
    text = "\n".join(source for _, source in _sources())
    stale = [
        code
        for code in messages.PROBLEM_CODES
        if f'"{code}"' not in text and f'"{code.removeprefix("servicing.")}"' not in text
    ]
    assert not stale, f"listed but never raised: {stale}"


def test_a_new_code_is_found() -> None:
    assert _CODE.findall('raise RuleViolation("no", code="loan.brand_new", field="x")') == ["loan.brand_new"]
