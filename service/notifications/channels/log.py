"""A channel for development: the notice goes to the log instead of a person."""

from __future__ import annotations

import structlog

from domain.notifications import Message

log = structlog.get_logger()


class LogChannel:
    """Logs each message instead of sending it. The address is never logged; the text only when
    ``include_text`` is set (development), since it tells a reader about someone's debt."""

    def __init__(self, *, include_text: bool = False) -> None:
        self.include_text = include_text

    async def send(self, message: Message) -> None:
        fields: dict[str, str] = {
            "notice_id": str(message.notice_id),
            "channel": message.channel.value,
            "language": message.language.value,
            "subject": message.subject,
        }
        if self.include_text:
            fields["text_dev_only"] = message.text
        log.info("notice_logged", **fields)
