"""Notices of issue 6: reminders, follow-up contacts and training sessions, by e-mail or SMS."""

from domain.notifications.content import (
    DueDateReminder,
    FollowUpContactDue,
    MissedPayment,
    MissedPaymentEscalation,
    NoticeContent,
    NoticeKind,
    TrainingSessionStarting,
    due_date_reminder_key,
    follow_up_contact_key,
    missed_payment_escalation_key,
    missed_payment_key,
    training_session_key,
)
from domain.notifications.delivery import Delivery, DeliveryStatus, RetryPolicy
from domain.notifications.formatting import format_amount, format_date
from domain.notifications.model import (
    Channel,
    DeliveryFailed,
    Language,
    Message,
    Notice,
    Preferences,
    Recipient,
    notice_id,
    notices_for,
)
from domain.notifications.policies import due_date_reminder_is_due, escalates_to_officer, missed_payment_step
from domain.notifications.quiet_window import QuietWindow
from domain.notifications.templates import RenderedText, message_for, render

__all__ = [
    "Channel",
    "Delivery",
    "DeliveryFailed",
    "DeliveryStatus",
    "DueDateReminder",
    "FollowUpContactDue",
    "Language",
    "Message",
    "MissedPayment",
    "MissedPaymentEscalation",
    "Notice",
    "NoticeContent",
    "NoticeKind",
    "Preferences",
    "QuietWindow",
    "Recipient",
    "RenderedText",
    "RetryPolicy",
    "TrainingSessionStarting",
    "due_date_reminder_is_due",
    "due_date_reminder_key",
    "escalates_to_officer",
    "follow_up_contact_key",
    "format_amount",
    "format_date",
    "message_for",
    "missed_payment_escalation_key",
    "missed_payment_key",
    "missed_payment_step",
    "notice_id",
    "notices_for",
    "render",
    "training_session_key",
]
