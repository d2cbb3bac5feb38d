"""Notices to borrowers, officers and mentors: who receives what, on which channel, exactly once.

A notice is identified by what it is about, not by when it was created: the same recipient, event
and channel always give the same id, so a job that runs twice, or a relay that replays the outbox,
finds the notice already there instead of sending it again (issue 6: at most once per recipient,
event and channel).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from domain.notifications.content import NoticeContent

# Fixed for ever: changing it would give every existing notice a new id and send it again.
NOTICE_NAMESPACE = uuid.UUID("6f1c9a52-0d1e-5b7a-9c33-4e2f8a1d0b61")


class Channel(StrEnum):
    """How a notice reaches its recipient."""

    EMAIL = "email"
    SMS = "sms"


class Language(StrEnum):
    """The languages templates exist in; French is the programme's default."""

    FR = "fr"
    EN = "en"


@dataclass(frozen=True, kw_only=True)
class Preferences:
    """What a recipient agreed to: their language, the channels they accept, or no notices at all.

    Opting out is the recipient's right to refuse messages; it wins over any channel choice.
    """

    language: Language = Language.FR
    channels: frozenset[Channel] = field(default_factory=lambda: frozenset(Channel))
    opted_out: bool = False

    def allows(self, channel: Channel) -> bool:
        return not self.opted_out and channel in self.channels


@dataclass(frozen=True, kw_only=True)
class Recipient:
    """Someone a notice can reach. Addresses stay here, resolved at send time, never in a notice."""

    id: uuid.UUID
    preferences: Preferences
    email: str | None = None
    phone: str | None = None

    def address(self, channel: Channel) -> str | None:
        """Where ``channel`` reaches this recipient, or None when they gave no such address."""
        return self.email if channel is Channel.EMAIL else self.phone

    def reachable_channels(self) -> tuple[Channel, ...]:
        """The channels a notice may use: allowed by the preferences and with an address to send to."""
        return tuple(c for c in Channel if self.preferences.allows(c) and self.address(c))


def notice_id(recipient_id: uuid.UUID, event_key: str, channel: Channel) -> uuid.UUID:
    """The deterministic id of the notice about ``event_key`` sent to ``recipient_id`` on ``channel``.

    The recipient id and channel have a fixed form and come first, so no two triples share a name.
    """
    return uuid.uuid5(NOTICE_NAMESPACE, f"{recipient_id}\n{channel.value}\n{event_key}")


@dataclass(frozen=True, kw_only=True)
class Notice:
    """One message to send: to whom (by id), about which event, on which channel, saying what.

    ``content`` holds only what the message needs (amounts, dates, a loan reference), never names
    or addresses, so the outbox row that carries it holds no more personal data than the message.
    """

    recipient_id: uuid.UUID
    event_key: str
    channel: Channel
    content: NoticeContent

    def __post_init__(self) -> None:
        if not self.event_key:
            raise ValueError("a notice needs an event key")

    @property
    def id(self) -> uuid.UUID:
        return notice_id(self.recipient_id, self.event_key, self.channel)


def notices_for(recipient: Recipient, *, event_key: str, content: NoticeContent) -> tuple[Notice, ...]:
    """The notices to create for ``recipient`` about an event: one per channel they can be reached on.

    Nothing for a recipient who opted out or gave no usable address.
    """
    return tuple(
        Notice(recipient_id=recipient.id, event_key=event_key, channel=channel, content=content)
        for channel in recipient.reachable_channels()
    )


@dataclass(frozen=True, kw_only=True)
class Message:
    """A rendered notice, addressed, ready for a channel. It exists only while it is being sent."""

    notice_id: uuid.UUID
    channel: Channel
    to: str
    language: Language
    subject: str
    text: str


class DeliveryFailed(Exception):
    """A channel could not deliver a message.

    ``retryable`` says whether trying again later may succeed (a timeout, a server error) or not (an
    address the provider refuses). ``reason`` is a short code safe to log and to show officers; it
    never contains the address or the text.
    """

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
