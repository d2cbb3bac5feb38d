"""E-mail notices over SMTP (aiosmtplib): one connection per message, plain UTF-8 text.

SMTP replies decide whether to retry: 4xx codes and lost or slow connections are passing trouble,
5xx codes are final (RFC 5321). Failure reasons name the code, never the address: the server's own
text often quotes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from enum import StrEnum

import aiosmtplib

from domain.notifications import Channel, DeliveryFailed, Message


class SmtpSecurity(StrEnum):
    """``starttls`` upgrades a plain connection (port 587); ``tls`` is TLS from the start (port 465)."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    from_address: str
    from_name: str = ""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0


def _is_retryable(code: int) -> bool:
    return 400 <= code < 500


class SmtpEmailChannel:
    """Sends ``Message``s of the e-mail channel; raises ``DeliveryFailed`` when the server says no."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def build(self, message: Message) -> EmailMessage:
        """The e-mail for ``message``; its Message-ID comes from the notice id, so a resend is recognisable."""
        mail = EmailMessage()
        mail["From"] = str(Address(self.config.from_name, addr_spec=self.config.from_address))
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = self.config.from_address.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<{message.notice_id}@{domain}>"
        mail.set_content(message.text, charset="utf-8")
        mail["Content-Language"] = message.language.value  # after set_content, which clears Content-* headers
        return mail

    async def send(self, message: Message) -> None:
        if message.channel is not Channel.EMAIL:
            raise DeliveryFailed("email.wrong_channel", retryable=False)
        config = self.config
        try:
            mail = self.build(message)
        except (ValueError, TypeError):  # an address the e-mail library cannot write
            raise DeliveryFailed("email.invalid_address", retryable=False) from None
        try:
            await aiosmtplib.send(
                mail,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                use_tls=config.security is SmtpSecurity.TLS,
                start_tls=config.security is SmtpSecurity.STARTTLS,
                timeout=config.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            retryable = all(_is_retryable(code) for code in codes)
            raise DeliveryFailed(f"smtp.recipient_refused.{max(codes, default=0)}", retryable=retryable) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"smtp.rejected.{exc.code}", retryable=_is_retryable(exc.code)) from None
        except (TimeoutError, aiosmtplib.SMTPTimeoutError):
            raise DeliveryFailed("smtp.timeout", retryable=True) from None
        except (OSError, aiosmtplib.SMTPException):
            # Refused or dropped connections, TLS not offered: the server or the network, not the message.
            raise DeliveryFailed("smtp.unavailable", retryable=True) from None
