"""Personal data never reaches a log line; every request line carries the request id."""

from __future__ import annotations

import json

import pytest
import structlog
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.logging import configure_logging, scrub_text
from tests.conftest import Caller

PERSONAL = [
    "Camille Martin",
    "camille.martin@example.org",
    "+33612345678",
    "06 12 34 56 78",
    "FR76 3000 6000 0112 3456 7890 189",
    "12 rue de la Paix",
]


@pytest.mark.parametrize("text", PERSONAL[1:])
def test_patterns_are_scrubbed_inside_free_text(text: str) -> None:
    assert text not in scrub_text(f"while calling for {text}, something failed")


def test_personal_keys_are_redacted_even_when_nested(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    structlog.get_logger().info(
        "borrower_updated",
        full_name="Camille Martin",
        email="c@example.org",
        changes={"address": "12 rue de la Paix", "iban": "FR7630006000011234567890189"},
        note="call 06 12 34 56 78 or write to c@example.org",
    )
    out = capsys.readouterr().out
    line = json.loads(out.strip().splitlines()[-1])
    assert line["event"] == "borrower_updated"
    for text in [
        "Camille Martin",
        "c@example.org",
        "12 rue de la Paix",
        "FR7630006000011234567890189",
        "06 12 34 56 78",
    ]:
        assert text not in out


async def test_a_whole_borrower_journey_logs_no_personal_data(
    client: AsyncTestClient[Litestar], officer: Caller, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"full_name": PERSONAL[0], "email": PERSONAL[1], "phone": PERSONAL[3], "language": "fr"}
    created = await client.post("/v1/borrowers", json=body, headers=officer.headers)
    assert created.status_code == 201
    await client.post("/v1/borrowers", json=body, headers=officer.headers)  # 409, logged too
    await client.post("/v1/borrower-auth/codes", json={"email": PERSONAL[1]})
    await client.post("/v1/borrower-auth/tokens", json={"email": PERSONAL[1], "code": "000000"})
    await client.post("/v1/borrowers", json={**body, "email": "x"}, headers=officer.headers)
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line["event"] == "request_finished"]
    assert len(request_lines) >= 5 and all(line.get("request_id") for line in request_lines)
    for text in [*PERSONAL[:4], "+33612345678"]:
        assert text not in out
