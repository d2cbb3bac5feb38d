"""A notice is identified by recipient, event and channel, and reaches only those who accept it."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.notifications import (
    Channel,
    Language,
    Notice,
    due_date_reminder_key,
    message_for,
    missed_payment_key,
    notice_id,
    notices_for,
)
from tests.domain.notifications.builders import BORROWER_ID, LOAN_ID, borrower, reminder

KEY = due_date_reminder_key(LOAN_ID, 3, date(2026, 2, 15))


def test_the_same_notice_always_has_the_same_id() -> None:
    first = Notice(recipient_id=BORROWER_ID, event_key=KEY, channel=Channel.EMAIL, content=reminder())
    again = Notice(recipient_id=BORROWER_ID, event_key=KEY, channel=Channel.EMAIL, content=reminder("99.00"))
    assert first.id == again.id == notice_id(BORROWER_ID, KEY, Channel.EMAIL)
    assert first.id.version == 5


def test_the_id_is_stable_across_releases() -> None:
    # Stored ids must never change: a new id would let a sent notice be sent again.
    assert str(notice_id(BORROWER_ID, KEY, Channel.SMS)) == str(
        uuid.uuid5(uuid.UUID("6f1c9a52-0d1e-5b7a-9c33-4e2f8a1d0b61"), f"{BORROWER_ID}\nsms\n{KEY}")
    )


@given(
    a=st.tuples(st.uuids(), st.text(min_size=1), st.sampled_from(Channel)),
    b=st.tuples(st.uuids(), st.text(min_size=1), st.sampled_from(Channel)),
)
def test_different_recipient_event_or_channel_give_different_ids(
    a: tuple[uuid.UUID, str, Channel], b: tuple[uuid.UUID, str, Channel]
) -> None:
    assert (notice_id(*a) == notice_id(*b)) == (a == b)


def test_each_missed_payment_step_is_its_own_event() -> None:
    keys = {missed_payment_key(LOAN_ID, 3, date(2026, 2, 1), days) for days in (1, 7, 30)}
    assert len({notice_id(BORROWER_ID, key, Channel.SMS) for key in keys}) == 3


def test_a_rescheduled_due_date_is_reminded_again() -> None:
    assert due_date_reminder_key(LOAN_ID, 3, date(2026, 2, 15)) != due_date_reminder_key(LOAN_ID, 3, date(2026, 3, 15))


def test_one_notice_per_channel_the_recipient_accepts_and_can_be_reached_on() -> None:
    both = notices_for(borrower(), event_key=KEY, content=reminder())
    assert {n.channel for n in both} == {Channel.EMAIL, Channel.SMS}
    sms_only = notices_for(borrower(channels=frozenset({Channel.SMS})), event_key=KEY, content=reminder())
    assert [n.channel for n in sms_only] == [Channel.SMS]
    no_phone = notices_for(borrower(phone=None), event_key=KEY, content=reminder())
    assert [n.channel for n in no_phone] == [Channel.EMAIL]


def test_an_opted_out_recipient_gets_nothing() -> None:
    assert notices_for(borrower(opted_out=True), event_key=KEY, content=reminder()) == ()


def test_the_message_uses_the_language_and_address_read_at_send_time() -> None:
    (notice,) = notices_for(borrower(channels=frozenset({Channel.EMAIL})), event_key=KEY, content=reminder())
    message = message_for(notice, borrower(language=Language.EN, email="new@example.org"))
    assert message is not None
    assert (message.to, message.language, message.notice_id) == ("new@example.org", Language.EN, notice.id)
    assert message.subject == "Your instalment due on 15 February 2026"


def test_no_message_once_the_recipient_opted_out_or_dropped_the_channel() -> None:
    (notice,) = notices_for(borrower(channels=frozenset({Channel.SMS})), event_key=KEY, content=reminder())
    assert message_for(notice, borrower(opted_out=True)) is None
    assert message_for(notice, borrower(channels=frozenset({Channel.EMAIL}))) is None
    assert message_for(notice, borrower(phone=None)) is None


def test_a_message_for_someone_else_is_refused() -> None:
    (notice,) = notices_for(borrower(channels=frozenset({Channel.SMS})), event_key=KEY, content=reminder())
    other = borrower()
    with pytest.raises(ValueError):
        message_for(notice, type(other)(id=uuid.uuid4(), preferences=other.preferences, phone="+33600000000"))
