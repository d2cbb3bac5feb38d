"""Webhook deliveries over HTTP (httpx), signed the Standard Webhooks way (``standardwebhooks``).

Server-side request forgery: endpoint URLs are checked at registration
(``domain.partners.webhooks.check_webhook_url``); here, when private addresses are not allowed
(production), the host name is resolved before each delivery and refused if any address is not
public, redirects are never followed, and a slow receiver is cut at ``timeout`` seconds. A name
re-pointed between that check and httpx's own resolution could still slip through (DNS
rebinding); an egress proxy or firewall rule is the complete answer and is left to deployment.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from domain.partners.webhooks import Attempt, is_public_address


def standard_signature(secret: str, msg_id: str, at: datetime, body: str) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``msg_id.timestamp.body`` (Standard Webhooks)."""
    return Webhook(secret).sign(msg_id, at.astimezone(UTC), body)


class HttpWebhookSender:
    def __init__(self, *, timeout: float, allow_private: bool) -> None:
        self.timeout = timeout
        self.allow_private = allow_private

    async def _public(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return True  # cannot resolve: the request fails below and is retried like any failure
        return all(is_public_address(str(info[4][0])) for info in infos)

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Attempt:
        if not self.allow_private and not await self._public(url):
            return Attempt(ok=False, error="refused:private_address")
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                response = await client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Attempt(ok=False, error="timeout")
        except httpx.HTTPError as error:
            return Attempt(ok=False, error=f"unreachable:{type(error).__name__}")
        if 200 <= response.status_code < 300:
            return Attempt(ok=True)
        return Attempt(ok=False, error=f"http_{response.status_code}")
