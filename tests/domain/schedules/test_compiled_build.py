"""A compiled engine (mypyc) must be built from the sources beside it, never from older ones."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain.schedules import Fee, FeeCollection, ScheduleTerms, build_schedule
from tools.compile_engine import ROOT, STAMP, compiled_files, sources_hash


def test_a_compiled_engine_matches_its_sources() -> None:
    if not compiled_files():
        pytest.skip("pure-Python engine (no C compiler at `make compile`): nothing compiled can be stale")
    assert STAMP.exists(), "compiled modules without a build stamp: run `make compile`"
    assert STAMP.read_text().strip() == sources_hash(), "the compiled engine is stale: run `make compile`"


def test_the_engine_in_use_is_the_one_the_build_says() -> None:
    from domain.schedules import engine

    compiled = bool(compiled_files())
    assert engine.__file__ is not None
    assert engine.__file__.endswith(".py") is not compiled


PURE_ENGINE = """
import json, sys
from datetime import date
from decimal import Decimal
from domain.schedules import build_schedule, ScheduleTerms, Fee, FeeCollection
import domain.schedules.engine as engine
assert engine.__file__.endswith(".py"), engine.__file__
out = []
for principal, rate, n, day in json.loads(sys.stdin.read()):
    s = build_schedule(ScheduleTerms(principal=Decimal(principal), currency="EUR", annual_interest_rate=Decimal(rate),
        number_of_installments=n, disbursement_date=date(2026, 1, day), first_due_date=date(2026, 2, day),
        fees=(Fee("f", FeeCollection.WITHHELD_AT_DISBURSEMENT, Decimal("5")),)))
    out.append([str(s.apr), str(s.total_interest), [str(i.total) for i in s.installments]])
print(json.dumps(out))
"""


def test_the_compiled_engine_gives_the_pure_engines_figures(tmp_path: Path) -> None:
    """The same quotes from the compiled and the pure-Python engine, to the cent (random terms)."""
    if not compiled_files():
        pytest.skip("pure-Python engine (no C compiler at `make compile`): no compiled engine to compare")
    shutil.copytree(ROOT / "domain", tmp_path / "domain", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    rng = random.Random(20261124)
    cases = [
        [
            f"{rng.randint(1000, 1_200_000) / 100:.2f}",
            f"{rng.randint(0, 2500) / 100:.2f}",
            rng.randint(1, 84),
            rng.randint(1, 28),
        ]
        for _ in range(200)
    ]
    pure = subprocess.run(
        [sys.executable, "-c", PURE_ENGINE],
        cwd=tmp_path,
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(tmp_path)},
    )
    expected = json.loads(pure.stdout)
    for case, (apr, interest, totals) in zip(cases, expected, strict=True):
        principal, rate, n, day = case
        schedule = build_schedule(
            ScheduleTerms(
                principal=Decimal(principal),
                currency="EUR",
                annual_interest_rate=Decimal(rate),
                number_of_installments=n,
                disbursement_date=date(2026, 1, day),
                first_due_date=date(2026, 2, day),
                fees=(Fee("f", FeeCollection.WITHHELD_AT_DISBURSEMENT, Decimal("5")),),
            )
        )
        assert [str(schedule.apr), str(schedule.total_interest), [str(i.total) for i in schedule.installments]] == [
            apr,
            interest,
            totals,
        ], case
