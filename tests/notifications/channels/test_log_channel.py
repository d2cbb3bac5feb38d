"""The development channel logs a notice without the recipient's address."""

from __future__ import annotations

import uuid

import structlog

from domain.notifications import Channel, Language, Message
from service.notifications.channels import LogChannel


def message() -> Message:
    return Message(
        notice_id=uuid.uuid4(),
        channel=Channel.SMS,
        to="+33612345678",
        language=Language.EN,
        subject="Your instalment due on 15 February 2026",
        text="Hello, instalment 3 is due.",
    )


async def test_the_notice_is_logged_without_the_address() -> None:
    sent = message()
    with structlog.testing.capture_logs() as logs:
        await LogChannel().send(sent)
    (entry,) = logs
    assert entry["event"] == "notice_logged"
    assert entry["notice_id"] == str(sent.notice_id)
    assert "text_dev_only" not in entry
    assert "+33612345678" not in repr(entry)


async def test_development_may_log_the_text() -> None:
    with structlog.testing.capture_logs() as logs:
        await LogChannel(include_text=True).send(message())
    assert logs[0]["text_dev_only"] == "Hello, instalment 3 is due."
