"""A partner's webhook receiver on loopback: verifies each delivery with ``standardwebhooks`` (the
library partners are pointed to) and answers as told (204, 500, or slowly)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Delivery:
    webhook_id: str
    headers: dict[str, str]
    body: bytes
    verified_with: list[str]  # the receiver's secrets that verified it

    @property
    def payload(self) -> dict[str, Any]:
        import json

        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    status: int = 204
    delay_seconds: float = 0.0
    received: list[Delivery] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified(self) -> list[Delivery]:
        return [d for d in self.received if d.verified_with]

    def take(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in request.headers.items()}
        ok = []
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                ok.append(secret)
            except WebhookVerificationError:
                pass
        with self.lock:
            self.received.append(Delivery(headers.get("webhook-id", ""), headers, body, ok))


@contextmanager
def running_receiver(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver.take(self)
            time.sleep(receiver.delay_seconds)
            try:
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up (timeout)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
