"""SMS notices go to the HTTP gateway as an authenticated JSON POST; its answers map to retry or not."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from domain.notifications import Channel, DeliveryFailed, Language, Message
from service.notifications.channels import HttpSmsChannel, SmsGatewayConfig

NOTICE_ID = uuid.UUID("0190f1a2-0000-7000-8000-00000000cafe")
TOKEN = "gateway-test-token"


@dataclass
class Gateway:
    """What the fake gateway answers next, and what it received."""

    status: int = 202
    delay_seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


def make_handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            gateway.requests.append(
                {"path": self.path, "headers": dict(self.headers.items()), "body": json.loads(self.rfile.read(length))}
            )
            time.sleep(gateway.delay_seconds)
            payload = b'{"id": "msg-1"}'
            try:
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def message(channel: Channel = Channel.SMS) -> Message:
    return Message(
        notice_id=NOTICE_ID,
        channel=channel,
        to="+33612345678",
        language=Language.FR,
        subject="Votre échéance du 15 février 2026",
        text="Bonjour, l'échéance de 1\u00a0234,56\u00a0€ est prévue le 15 février 2026.",
    )


async def send(url: str, *, timeout_seconds: float = 5.0, channel: Channel = Channel.SMS) -> None:
    config = SmsGatewayConfig(url=url, token=TOKEN, sender="MICROCRED", timeout_seconds=timeout_seconds)
    async with HttpSmsChannel(config) as sms:
        await sms.send(message(channel))


async def test_the_gateway_receives_an_authenticated_json_post(gateway: Gateway) -> None:
    await send(gateway.url)
    (request,) = gateway.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == str(NOTICE_ID)
    assert request["body"] == {
        "to": "+33612345678",
        "text": "Bonjour, l'échéance de 1\u00a0234,56\u00a0€ est prévue le 15 février 2026.",
        "reference": str(NOTICE_ID),
        "sender": "MICROCRED",
    }


@pytest.mark.parametrize("status", [200, 201, 202, 204])
async def test_any_2xx_is_a_success(gateway: Gateway, status: int) -> None:
    gateway.status = status
    await send(gateway.url)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        *[(status, False) for status in (400, 401, 403, 404, 422)],
        *[(status, True) for status in (408, 429, 500, 502, 503, 504)],
    ],
)
async def test_refusals_map_to_retryable_or_not(gateway: Gateway, status: int, retryable: bool) -> None:
    gateway.status = status
    with pytest.raises(DeliveryFailed) as failure:
        await send(gateway.url)
    assert (failure.value.reason, failure.value.retryable) == (f"sms.rejected.{status}", retryable)
    assert "+336" not in str(failure.value)


async def test_a_gateway_too_slow_to_answer_is_retried(gateway: Gateway) -> None:
    gateway.delay_seconds = 1.0
    with pytest.raises(DeliveryFailed) as failure:
        await send(gateway.url, timeout_seconds=0.2)
    assert (failure.value.reason, failure.value.retryable) == ("sms.timeout", True)


async def test_no_gateway_listening_is_retried() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeliveryFailed) as failure:
        await send(f"http://127.0.0.1:{port}/v1/messages")
    assert (failure.value.reason, failure.value.retryable) == ("sms.unavailable", True)


async def test_an_email_message_is_not_sent_by_sms(gateway: Gateway) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        await send(gateway.url, channel=Channel.EMAIL)
    assert not failure.value.retryable
    assert gateway.requests == []
