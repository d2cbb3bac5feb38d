"""Every error is an RFC 9457 problem with a request id, and never leaks internals."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from domain.identity.model import PARTNER_KINDS
from service.cli import ROOT
from service.kernel.http import messages
from service.kernel.http.problems import MISSING_BODY
from tests.conftest import Caller


def assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_unknown_route_is_a_404_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.get("/no/such/route"), 404, "not_found")


async def test_wrong_method_is_a_405_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.delete("/health/live"), 405, "request.method_not_allowed")


async def test_body_over_the_limit_is_a_413_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/v1/borrower-auth/codes", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "request.too_large")


async def test_body_that_is_not_json_is_a_415_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/v1/borrower-auth/codes", content=b"email=x", headers={"content-type": "text/plain"})
    assert_problem(response, 415, "request.unsupported_media_type")


async def test_wrong_type_names_the_field(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post("/v1/partners", json={"name": 3, "kind": "other"}, headers=admin.headers)
    body = assert_problem(response, 400, "request.invalid")
    assert body["errors"] == [{"field": "name", "reason": "attendu `str`, reçu `int`"}]


async def test_unknown_field_is_refused_by_name(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post(
        "/v1/partners",
        json={"name": "A", "kind": "other", "colour": "red"},
        headers={**admin.headers, "Accept-Language": "en"},
    )
    body = assert_problem(response, 400, "request.invalid")
    assert body["errors"][0]["reason"] == "Object contains unknown field `colour`"


@pytest.mark.parametrize(
    ("accept_language", "title", "detail"),
    [
        (None, "Ressource introuvable", "ressource introuvable"),
        ("fr-FR,fr;q=0.9", "Ressource introuvable", "ressource introuvable"),
        ("de", "Ressource introuvable", "ressource introuvable"),
        ("en", "Not found", "no such resource"),
        ("en-GB,en;q=0.9,fr;q=0.8", "Not found", "no such resource"),
        ("de-DE, fr;q=0.5, en;q=0.7", "Not found", "no such resource"),
        ("fr, en", "Ressource introuvable", "ressource introuvable"),
    ],
)
async def test_problems_are_in_french_unless_english_is_preferred(
    client: AsyncTestClient[Litestar], accept_language: str | None, title: str, detail: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    body = assert_problem(await client.get("/no/such/route", headers=headers), 404, "not_found")
    assert (body["title"], body["detail"]) == (title, detail)


async def test_domain_errors_are_translated_by_code(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    french = assert_problem(
        await client.post("/v1/partners", json={"name": "A", "kind": "bakery"}, headers=admin.headers),
        422,
        "partner.unknown_kind",
    )
    assert french["title"] == "Règle métier non respectée"
    assert french["detail"] == french["errors"][0]["reason"]
    assert french["detail"].startswith("type de partenaire inconnu")
    # Both languages list the kinds that are allowed.
    for kind in PARTNER_KINDS:
        assert kind in french["detail"]
    english = assert_problem(
        await client.post(
            "/v1/partners", json={"name": "A", "kind": "bakery"}, headers={**admin.headers, "Accept-Language": "en"}
        ),
        422,
        "partner.unknown_kind",
    )
    assert english["title"] == "Unprocessable content" and "kind" in english["detail"]
    assert all(kind in english["detail"] for kind in PARTNER_KINDS)


async def test_the_quote_fast_lane_answers_in_the_same_language(client: AsyncTestClient[Litestar]) -> None:
    quote = {
        "principal": {"amount": "10000.00", "currency": "XXX"},
        "annual_interest_rate": "7.45",
        "number_of_installments": 36,
        "disbursement_date": "2026-01-15",
        "first_due_date": "2026-02-15",
    }
    french = assert_problem(await client.post("/v1/loan-quotes", json=quote), 422, "money.unknown_currency")
    assert french["detail"] == "devise inconnue"
    english = await client.post("/v1/loan-quotes", json=quote, headers={"Accept-Language": "en"})
    assert english.json()["detail"] != "devise inconnue"


async def test_missing_parameters_are_reported_in_french(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    body = assert_problem(await client.get("/v1/portfolio/indicators", headers=admin.headers), 400, "request.invalid")
    assert {e["reason"] for e in body["errors"]} == {"paramètre de requête obligatoire"}


async def test_malformed_json_is_a_400_problem(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post(
        "/v1/partners", content=b'{"name": ', headers={**admin.headers, "content-type": "application/json"}
    )
    assert_problem(response, 400, "request.invalid")


async def test_business_rule_is_a_422_naming_the_field(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post("/v1/partners", json={"name": "A", "kind": "bakery"}, headers=admin.headers)
    body = assert_problem(response, 422, "partner.unknown_kind")
    assert body["errors"][0]["field"] == "kind"


async def test_unexpected_error_is_a_bare_500_with_request_id_and_is_logged(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    capfd,  # type: ignore[no-untyped-def]
) -> None:
    @get("/boom", exclude_from_auth=True)
    async def boom() -> None:
        raise RuntimeError("connection to server at 10.0.0.1 failed: SELECT secret FROM t")

    app.register(boom)
    response = await client.get("/boom", headers={"X-Request-ID": "req-abcdef-123"})
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "req-abcdef-123"
    assert "SELECT" not in response.text and "10.0.0.1" not in response.text and "Traceback" not in response.text
    logged = capfd.readouterr().out
    assert "request_failed" in logged and "req-abcdef-123" in logged


async def test_a_malformed_request_id_is_replaced(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response.headers["x-request-id"] != "bad id\nwith newline"
    assert len(response.headers["x-request-id"]) == 32


def test_the_catalogue_translates_codes_and_texts_that_exist() -> None:
    catalogue = ROOT / "service" / "api" / "messages.py"
    sources = "".join(
        path.read_text()
        for folder in ("domain", "service")
        for path in (ROOT / folder).rglob("*.py")
        if path != catalogue
    )
    codes = [*messages.FRENCH_BY_CODE, *messages.FRENCH_TEMPLATES_BY_CODE]
    stale = [code for code in codes if f'"{code}"' not in sources]
    assert not stale, stale
    stale = [text for text in messages.FRENCH_BY_TEXT if text not in sources.replace("\n", " ")]
    assert not stale, stale


@pytest.mark.parametrize(
    ("code", "english", "french"),
    [
        (
            "application.conditions_open",
            "the committee's conditions are not all met: devis signé; compte ouvert",
            "les conditions du comité ne sont pas toutes levées : devis signé; compte ouvert",
        ),
        (
            "servicing.invalid_value_date",
            "must be between 2026-01-15 and today",
            "doit être comprise entre le 2026-01-15 et aujourd'hui",
        ),
        ("money.too_large", "must be below 10,000,000,000", "doit être inférieur à 10,000,000,000"),
        (
            "money.too_large",
            "the loan's balances and instalments stay below 10,000,000,000",
            "les soldes et les échéances du prêt doivent rester inférieurs à 10,000,000,000",
        ),
        (
            "schedule.invalid_terms",
            "must be between 1900-01-01 and 2999-12-31",
            "doit être comprise entre le 1900-01-01 et le 2999-12-31",
        ),
        (
            "schedule.invalid_terms",
            "at most 2026-12-30, one repayment period after the disbursement; defer longer with a grace period",
            None,
        ),
        ("schedule.invalid_terms", "the first due date comes after the disbursement date", None),
        (
            "schedule.invalid_terms",
            "the last due date would be after 2999-12-31; fewer instalments or an earlier first due date",
            None,
        ),
        ("request.rate_limited", "too many failed sign-ins; try again later", None),
        ("request.invalid", MISSING_BODY, None),
    ],
)
def test_messages_with_figures_are_in_french_with_their_figures(code: str, english: str, french: str | None) -> None:
    translated = messages.text(code, english, "fr")
    assert translated != english and (french is None or translated == french)
    assert messages.text(code, english, "en") == english


async def test_a_malformed_date_and_the_code_request_answer_in_french(client: AsyncTestClient[Litestar]) -> None:
    quote = {
        "principal": {"amount": "10000.00", "currency": "EUR"},
        "annual_interest_rate": "7.45",
        "number_of_installments": 36,
        "disbursement_date": "2026-13-45",
    }
    bad_date = await client.post("/v1/loan-quotes", json=quote)
    assert bad_date.status_code == 400, bad_date.text
    assert bad_date.json()["errors"][0]["field"] == "disbursement_date"
    assert bad_date.json()["errors"][0]["reason"] == "date invalide (attendue au format AAAA-MM-JJ)"
    asked = await client.post("/v1/borrower-auth/codes", json={"email": "nobody@example.org"})
    assert asked.status_code == 202, asked.text
    assert asked.json()["detail"] == "si cette adresse est connue, un code a été envoyé"
    english = await client.post(
        "/v1/borrower-auth/codes", json={"email": "nobody@example.org"}, headers={"Accept-Language": "en"}
    )
    assert english.json()["detail"] == "if this address is known, a code has been sent"
