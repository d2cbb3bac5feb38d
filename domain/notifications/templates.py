"""The words of each notice, in French and in English, and the message built from a notice.

Messages greet without a name and carry only what the reader needs to act (a loan or case
reference, an amount, a date): an e-mail or SMS can be read by someone else, and a name next to a
debt is more than they need to know. Text put in from data is flattened to one line, so that a
programme name can never add a header to an e-mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.notifications.content import (
    DueDateReminder,
    FollowUpContactDue,
    MissedPayment,
    MissedPaymentEscalation,
    NoticeContent,
    TrainingSessionStarting,
)
from domain.notifications.formatting import NBSP, format_amount, format_date
from domain.notifications.model import Language, Message, Notice, Recipient


@dataclass(frozen=True)
class RenderedText:
    """A notice in words: the subject (e-mail only) and the text (e-mail body or SMS)."""

    subject: str
    text: str


def _line(value: str) -> str:
    return " ".join(value.split())


def _days(n: int, language: Language) -> str:
    if language is Language.FR:
        return f"{n}{NBSP}jour" + ("s" if n > 1 else "")
    return f"{n} day" + ("s" if n != 1 else "")


def _due_date_reminder(c: DueDateReminder, lang: Language) -> RenderedText:
    amount, day, ref = format_amount(c.amount_due, lang), format_date(c.due_date, lang), _line(c.loan_reference)
    if lang is Language.FR:
        return RenderedText(
            f"Votre échéance du {day}",
            f"Bonjour,\n\nL'échéance n°{NBSP}{c.installment_number} de votre prêt {ref}, d'un montant de {amount}, "
            f"est prévue le {day}. Merci de vérifier que ce montant sera disponible sur votre compte.\n\n"
            "Si vous avez déjà payé, ne tenez pas compte de ce message.",
        )
    return RenderedText(
        f"Your instalment due on {day}",
        f"Hello,\n\nInstalment {c.installment_number} of your loan {ref}, {amount}, is due on {day}. "
        "Please make sure this amount will be available in your account.\n\n"
        "If you have already paid, please ignore this message.",
    )


def _missed_payment(c: MissedPayment, lang: Language) -> RenderedText:
    amount, day, ref = format_amount(c.amount_due, lang), format_date(c.due_date, lang), _line(c.loan_reference)
    late = _days(c.days_late, lang)
    if lang is Language.FR:
        return RenderedText(
            f"Échéance impayée du {day}",
            f"Bonjour,\n\nL'échéance n°{NBSP}{c.installment_number} de votre prêt {ref}, d'un montant de {amount}, "
            f"prévue le {day}, n'a pas été réglée ({late} de retard). Merci de régulariser votre situation "
            "ou de contacter votre conseiller si vous rencontrez des difficultés.",
        )
    return RenderedText(
        f"Unpaid instalment due on {day}",
        f"Hello,\n\nInstalment {c.installment_number} of your loan {ref}, {amount}, due on {day}, "
        f"has not been paid ({late} late). Please pay it, or contact your loan officer if you are in difficulty.",
    )


def _escalation(c: MissedPaymentEscalation, lang: Language) -> RenderedText:
    amount, day, ref = format_amount(c.amount_due, lang), format_date(c.due_date, lang), _line(c.loan_reference)
    late = _days(c.days_late, lang)
    if lang is Language.FR:
        return RenderedText(
            f"Impayé de {late} sur le prêt {ref}",
            f"Bonjour,\n\nL'échéance n°{NBSP}{c.installment_number} du prêt {ref} ({amount}, prévue le {day}) "
            f"est impayée depuis {late}. Merci de prendre contact avec l'emprunteur et de consigner la suite donnée.",
        )
    return RenderedText(
        f"Loan {ref}: instalment {late} overdue",
        f"Hello,\n\nInstalment {c.installment_number} of loan {ref} ({amount}, due on {day}) "
        f"has been unpaid for {late}. Please contact the borrower and record the action taken.",
    )


def _follow_up(c: FollowUpContactDue, lang: Language) -> RenderedText:
    day, ref, months = format_date(c.contact_date, lang), _line(c.case_reference), c.months_after_start
    if lang is Language.FR:
        when = f" ({months}{NBSP}mois après le démarrage de l'activité)" if months is not None else ""
        return RenderedText(
            f"Contact de suivi à réaliser : dossier {ref}",
            f"Bonjour,\n\nUn contact de suivi du dossier {ref} est prévu le {day}{when}. "
            "Merci d'en saisir le compte rendu dans l'application.",
        )
    when = f" ({months} month{'s' if months != 1 else ''} after the business started)" if months is not None else ""
    return RenderedText(
        f"Follow-up contact due: case {ref}",
        f"Hello,\n\nA follow-up contact for case {ref} is planned on {day}{when}. "
        "Please record its outcome in the application.",
    )


def _training(c: TrainingSessionStarting, lang: Language) -> RenderedText:
    day, name = format_date(c.starts_on, lang), _line(c.programme_name)
    place = _line(c.location) if c.location else None
    if lang is Language.FR:
        where = f", à l'adresse suivante : {place}" if place else ""
        return RenderedText(
            f"Votre formation commence le {day}",
            f"Bonjour,\n\nVotre session de formation «{NBSP}{name}{NBSP}» commence le {day}{where}. "
            "En cas d'empêchement, merci de prévenir votre conseiller.",
        )
    where = f", at {place}" if place else ""
    return RenderedText(
        f"Your training starts on {day}",
        f"Hello,\n\nYour training session “{name}” starts on {day}{where}. "
        "If you cannot attend, please let your loan officer know.",
    )


_RENDERERS: dict[type[Any], Callable[[Any, Language], RenderedText]] = {
    DueDateReminder: _due_date_reminder,
    MissedPayment: _missed_payment,
    MissedPaymentEscalation: _escalation,
    FollowUpContactDue: _follow_up,
    TrainingSessionStarting: _training,
}


def render(content: NoticeContent, language: Language) -> RenderedText:
    """The subject and text of ``content`` in ``language``."""
    return _RENDERERS[type(content)](content, language)


def message_for(notice: Notice, recipient: Recipient) -> Message | None:
    """The message to send for ``notice`` now, or None when it must not be sent any more.

    Preferences and addresses are read at send time: a recipient who opted out, dropped the
    channel or removed the address since the notice was created receives nothing.
    """
    if recipient.id != notice.recipient_id:
        raise ValueError("the recipient is not the one the notice is for")
    address = recipient.address(notice.channel)
    if not address or not recipient.preferences.allows(notice.channel):
        return None
    language = recipient.preferences.language
    words = render(notice.content, language)
    return Message(
        notice_id=notice.id,
        channel=notice.channel,
        to=address,
        language=language,
        subject=words.subject,
        text=words.text,
    )
