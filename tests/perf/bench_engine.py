"""Throughput of the schedule engine: quotes per second on one core, TAEG included.

Run with ``uv run python tests/perf/bench_engine.py [--quick]``. Each scenario cycles through
many different terms (principal and rate vary) so that no per-call shortcut can flatter it, and
reports the best of several rounds. ``build`` times ``build_schedule`` on ready terms; ``terms +
build`` also constructs and validates ``ScheduleTerms``, as an HTTP quote does.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repo root

from domain.schedules import (
    DayCount,
    Fee,
    FeeCollection,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
    ScheduleTerms,
    build_schedule,
)

TARGET = 20_000
VARIANTS = 500


def variants(base: ScheduleTerms) -> list[ScheduleTerms]:
    """``VARIANTS`` terms around ``base``: principal 1,000.00 to 12,000.00, rate 3 % to 20 %."""
    return [
        replace(
            base,
            principal=Decimal(100_000 + 2_203 * k % 1_100_000).scaleb(-2),
            annual_interest_rate=Decimal(300 + 37 * k % 1_700).scaleb(-2),
        )
        for k in range(VARIANTS)
    ]


BASE = ScheduleTerms(
    principal=Decimal("10000.00"),
    currency="EUR",
    annual_interest_rate=Decimal("7.45"),
    number_of_installments=36,
    disbursement_date=date(2026, 1, 15),
    first_due_date=date(2026, 2, 15),
)
WITHHELD_5PCT = (Fee("solidarity", FeeCollection.WITHHELD_AT_DISBURSEMENT, percent_of_principal=Decimal("5")),)
ADDED_FEE = (Fee("file fee", FeeCollection.ADDED_TO_INSTALLMENTS, amount=Decimal("90.00")),)

SCENARIOS: dict[str, ScheduleTerms] = {
    "36-month annuity, 5 % withheld fee": replace(BASE, fees=WITHHELD_5PCT),
    "36-month annuity, fee added to instalments": replace(BASE, fees=ADDED_FEE),
    "36-month daily actual/actual, 5 % withheld fee": replace(
        BASE, interest_period=InterestPeriod.DAILY, day_count=DayCount.ACTUAL_ACTUAL, fees=WITHHELD_5PCT
    ),
    # Month-end due dates (31, 28, 31, 30 ...) break the TAEG's runs of equally spaced payments.
    "36-month daily actual/actual, due on month ends": replace(
        BASE,
        interest_period=InterestPeriod.DAILY,
        day_count=DayCount.ACTUAL_ACTUAL,
        first_due_date=date(2026, 1, 31),
        fees=WITHHELD_5PCT,
    ),
    "48-month flat": replace(BASE, number_of_installments=48, interest_method=InterestMethod.FLAT),
    # The longest schedule a quote may ask for (tests/products/test_quotes.py checks its content):
    # 600 daily instalments at the highest rate, so the TAEG solver works on 600 cash flows.
    "600 daily instalments at 99.99 %": replace(
        BASE,
        number_of_installments=600,
        repayment_unit=RepaymentUnit.DAY,
        interest_period=InterestPeriod.DAILY,
        annual_interest_rate=Decimal("99.99"),
        first_due_date=date(2026, 1, 16),
        fees=WITHHELD_5PCT,
    ),
}


def best_rate(action: Callable[[], None], quotes: int, rounds: int) -> float:
    """Best quotes per second over ``rounds`` timings of ``action`` (which makes ``quotes``)."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started
        best = max(best, quotes / elapsed)
    return best


def calibration() -> float:
    """Nanoseconds per iteration of a trivial Python loop, to compare machines."""
    started = time.perf_counter()
    for i in range(2_000_000):
        _ = i * 2 + 1
    return (time.perf_counter() - started) / 2_000_000 * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    args = parser.parse_args()
    rounds, laps = (2, 2) if args.quick else (7, 8)

    print(
        f"Python {platform.python_version()} on {platform.machine()}; "
        f"trivial loop {calibration():.0f} ns/iteration (lower is a faster core)"
    )
    print(f"{'scenario':55s} {'mode':14s} {'quotes/s':>10s} {'µs/quote':>9s}")
    for name, base in SCENARIOS.items():
        terms = variants(base)
        fields = [dict(t.__dict__) for t in terms]
        build_schedule(terms[0])  # warm up

        def build(terms: list[ScheduleTerms] = terms) -> None:
            for _ in range(laps):
                for t in terms:
                    build_schedule(t)

        def construct_and_build(fields: list[dict[str, object]] = fields) -> None:
            for _ in range(laps):
                for f in fields:
                    build_schedule(ScheduleTerms(**f))  # type: ignore[arg-type]

        for mode, action in (("build", build), ("terms + build", construct_and_build)):
            rate = best_rate(action, laps * len(terms), rounds)
            flag = "" if rate >= TARGET or mode != "build" else f"  (< {TARGET:,} target)"
            print(f"{name:55s} {mode:14s} {rate:10,.0f} {1e6 / rate:9.1f}{flag}")


if __name__ == "__main__":
    main()
