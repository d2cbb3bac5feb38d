"""E-mail notices reach a real SMTP server (aiosmtpd, started here) intact, accents included."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from domain.notifications import Channel, DeliveryFailed, Language, Message
from service.notifications.channels import SmtpConfig, SmtpEmailChannel, SmtpSecurity

NOTICE_ID = uuid.UUID("0190f1a2-0000-7000-8000-00000000beef")
REFUSED = "gone@example.org"
BUSY = "busy@example.org"


@dataclass
class Mailbox:
    """Accepts every recipient except two: one refused for good (550), one for now (450)."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == REFUSED:
            return "550 5.1.1 <gone@example.org>: mailbox unavailable"
        if address == BUSY:
            return "450 4.2.1 <busy@example.org>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(box: Mailbox) -> Iterator[int]:
    """A real SMTP server on a free port delivering into ``box``; yields the port."""
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with smtp_server(box) as port:
        yield box, port


def channel(port: int, **overrides: Any) -> SmtpEmailChannel:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": SmtpSecurity.NONE,
        "from_address": "rappels@microcredit.example",
        "from_name": "Association de microcrédit",
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return SmtpEmailChannel(SmtpConfig(**values))


def message(to: str = "awa.diallo@example.org", channel: Channel = Channel.EMAIL) -> Message:
    return Message(
        notice_id=NOTICE_ID,
        channel=channel,
        to=to,
        language=Language.FR,
        subject="Votre échéance du 15 février 2026",
        text="Bonjour,\n\nL'échéance n°\u00a03, d'un montant de 1\u00a0234,56\u00a0€, est prévue le 15 février 2026.",
    )


async def test_the_message_arrives_with_subject_body_and_accents(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    await channel(port).send(message())
    ((mail_from, rcpt_tos, mail),) = box.received
    assert (mail_from, rcpt_tos) == ("rappels@microcredit.example", ["awa.diallo@example.org"])
    assert mail["To"] == "awa.diallo@example.org"
    assert mail["Subject"] == "Votre échéance du 15 février 2026"
    assert mail["From"] == "Association de microcrédit <rappels@microcredit.example>"
    assert mail["Message-ID"] == f"<{NOTICE_ID}@microcredit.example>"
    assert mail["Content-Language"] == "fr"
    assert mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    assert "1\u00a0234,56\u00a0€" in body
    assert "prévue le 15 février 2026" in body


async def test_a_mailbox_refused_for_good_is_not_retried(mailbox: tuple[Mailbox, int]) -> None:
    _, port = mailbox
    with pytest.raises(DeliveryFailed) as failure:
        await channel(port).send(message(to=REFUSED))
    assert not failure.value.retryable
    assert failure.value.reason == "smtp.recipient_refused.550"
    assert "gone" not in str(failure.value)


async def test_a_temporary_refusal_is_retried(mailbox: tuple[Mailbox, int]) -> None:
    _, port = mailbox
    with pytest.raises(DeliveryFailed) as failure:
        await channel(port).send(message(to=BUSY))
    assert failure.value.retryable


async def test_no_server_listening_is_retried() -> None:
    with pytest.raises(DeliveryFailed) as failure:
        await channel(free_port()).send(message())
    assert (failure.value.reason, failure.value.retryable) == ("smtp.unavailable", True)


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never greets, like an overloaded server."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_a_server_that_does_not_answer_times_out_and_is_retried(silent_server: int) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        await channel(silent_server, timeout_seconds=0.3).send(message())
    assert (failure.value.reason, failure.value.retryable) == ("smtp.timeout", True)


async def test_an_address_that_could_add_headers_is_refused_without_sending(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    with pytest.raises(DeliveryFailed) as failure:
        await channel(port).send(message(to="a@example.org\r\nBcc: b@example.org"))
    assert not failure.value.retryable
    assert box.received == []


async def test_an_sms_message_is_not_sent_by_email(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    with pytest.raises(DeliveryFailed) as failure:
        await channel(port).send(message(channel=Channel.SMS))
    assert not failure.value.retryable
    assert box.received == []
