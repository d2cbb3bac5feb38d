"""SMS notices through an HTTP gateway: a JSON POST with a bearer token.

The gateway's answer decides whether to retry: 2xx is accepted; 5xx, a timeout or a lost connection
may pass; other 4xx mean the request itself is wrong (number, text, account) and will not get
better, except 408 and 429, which ask the caller to come back later. The notice id goes with the
request as ``Idempotency-Key`` so that a gateway that supports it sends a retried message once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import httpx

from domain.notifications import Channel, DeliveryFailed, Message

_COME_BACK_LATER = frozenset({408, 425, 429})


@dataclass(frozen=True, kw_only=True)
class SmsGatewayConfig:
    url: str
    token: str = field(repr=False)
    sender: str | None = None
    timeout_seconds: float = 10.0


class HttpSmsChannel:
    """Sends ``Message``s of the SMS channel; raises ``DeliveryFailed`` when the gateway refuses.

    Use it as an async context manager (or call ``aclose``) when it created its own HTTP client.
    """

    def __init__(self, config: SmsGatewayConfig, *, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=config.timeout_seconds)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def send(self, message: Message) -> None:
        if message.channel is not Channel.SMS:
            raise DeliveryFailed("sms.wrong_channel", retryable=False)
        body: dict[str, str] = {"to": message.to, "text": message.text, "reference": str(message.notice_id)}
        if self.config.sender:
            body["sender"] = self.config.sender
        try:
            response = await self._client.post(
                self.config.url,
                json=body,
                headers={"Authorization": f"Bearer {self.config.token}", "Idempotency-Key": str(message.notice_id)},
                timeout=self.config.timeout_seconds,
            )
        except httpx.TimeoutException:
            raise DeliveryFailed("sms.timeout", retryable=True) from None
        except httpx.TransportError:
            raise DeliveryFailed("sms.unavailable", retryable=True) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        retryable = status >= 500 or status in _COME_BACK_LATER
        raise DeliveryFailed(f"sms.rejected.{status}", retryable=retryable)
