"""The pages' language: every text a template asks for exists in French and English, and figures
are written the language's way."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.origination import eligibility
from domain.origination.applicants import Stage
from domain.origination.applications import Action, Status
from domain.servicing.arrears import WRITTEN_OFF, bucket_labels
from service.settings import Settings
from service.ui.i18n import day, money, percent
from service.ui.rendering import TEMPLATES
from service.ui.session import session_config
from service.ui.texts import TEXTS

_KEY = re.compile(r"""\bt\(\s*["']([a-z_.0-9]+)["']""")


def test_every_text_a_template_uses_exists_in_both_languages() -> None:
    used = {key for path in TEMPLATES.glob("*.html") for key in _KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 50  # the pattern finds the templates' keys
    # Keys built in a template ("status." ~ code): every value they can take.
    dynamic = {f"status.{s.value}" for s in Status} | {f"stage.{s.value}" for s in Stage}
    dynamic |= {f"act.{a}" for a in ("submit", "start_review", "send_to_committee", "withdraw")}
    dynamic |= {f"vote.{v}" for v in ("approve", "reject")} | {f"agenda.{a}" for a in ("due", "overdue")}
    dynamic |= {f"decision.{d}" for d in ("approve", "reject", "request_changes")}
    dynamic |= {f"history.{a.value}" for a in Action}
    missing = sorted(({key for key in used if not key.endswith(".")} | dynamic) - set(TEXTS))
    assert not missing, f"texts without a translation: {missing}"
    assert all(french and english for french, english in TEXTS.values())


def test_amounts_rates_and_dates_are_written_the_languages_way() -> None:
    assert money(Decimal("1234.56"), "EUR", "fr") == "1\u202f234,56\xa0€"
    assert money(Decimal("1234.56"), "EUR", "en") == "€1,234.56"
    assert percent(Decimal("7.45"), "fr") == "7,45\xa0%" and percent(Decimal("7.45"), "en") == "7.45%"
    assert money(None, "EUR", "fr") == percent(None, "en") == "—"
    assert day(date(2026, 11, 30), "fr") == "30 nov. 2026" and day(date(2026, 11, 30), "en") == "30 Nov 2026"


def settings(environment: str) -> Settings:
    return Settings(
        database_url="postgresql://x/y", redis_url="redis://x", secret_key="k" * 32, environment=environment
    )


def test_the_session_cookie_is_secure_outside_plain_http_development_and_tests() -> None:
    assert session_config(settings("production")).secure
    for environment in ("development", "test"):
        config = session_config(settings(environment))
        assert not config.secure and config.httponly and config.samesite == "lax"


def test_every_arrears_bucket_of_a_loan_has_a_text_written_off_included() -> None:
    # A written-off loan is out of the ageing: its bucket is WRITTEN_OFF (the loans list showed "bucket.written_off").
    buckets = (*bucket_labels(), WRITTEN_OFF)
    missing = [b for b in buckets if f"bucket.{b}" not in TEXTS]
    assert not missing, f"arrears buckets without a text: {missing}"


def test_a_moment_is_shown_in_the_lenders_time_zone() -> None:
    # The partner keys' "created at" showed UTC (01:37 for 02:37 in Paris).
    moment = datetime(2026, 11, 30, 1, 37, tzinfo=UTC)
    assert day(moment, "fr", zone=ZoneInfo("Europe/Paris")) == "30/11/2026 02:37"
    assert day(datetime(2026, 7, 1, 22, 5, tzinfo=UTC), "en", zone=ZoneInfo("Europe/Paris")) == "02/07/2026, 00:05"


def test_every_eligibility_check_is_named_in_both_languages() -> None:
    # The file's page showed the checks' codes ("product_amount") on a French page.
    source = Path(eligibility.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r'CheckResult\(\s*"([a-z_]+)"', source))
    assert len(names) >= 8  # the pattern finds the checks
    assert not sorted(n for n in names if f"check.{n}" not in TEXTS)
    assert 't("check." ~ c.name)' in (TEMPLATES / "application.html").read_text(encoding="utf-8")
