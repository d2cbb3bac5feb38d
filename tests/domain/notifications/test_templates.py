"""Every notice reads right in French and in English, and says no more than it needs to."""

from __future__ import annotations

from datetime import date

import pytest

from domain.money import money
from domain.notifications import (
    FollowUpContactDue,
    Language,
    MissedPayment,
    NoticeContent,
    TrainingSessionStarting,
    render,
)
from tests.domain.notifications.builders import every_content, reminder

NB = "\u00a0"


def test_due_date_reminder_in_french() -> None:
    words = render(reminder(), Language.FR)
    assert words.subject == "Votre échéance du 15 février 2026"
    assert f"1{NB}234,56{NB}€" in words.text
    assert "MC-2026-0042" in words.text
    assert "15 février 2026" in words.text


def test_due_date_reminder_in_english() -> None:
    words = render(reminder(), Language.EN)
    assert words.subject == "Your instalment due on 15 February 2026"
    assert "€1,234.56" in words.text
    assert "Instalment 3 of your loan MC-2026-0042" in words.text


@pytest.mark.parametrize(
    ("days", "french", "english"), [(1, f"1{NB}jour de retard", "1 day late"), (7, f"7{NB}jours", "7 days late")]
)
def test_missed_payment_says_how_late(days: int, french: str, english: str) -> None:
    content = MissedPayment(
        loan_reference="MC-1",
        installment_number=2,
        due_date=date(2026, 2, 1),
        amount_due=money("80", "EUR"),
        days_late=days,
    )
    assert french in render(content, Language.FR).text
    assert english in render(content, Language.EN).text
    assert render(content, Language.FR).subject == "Échéance impayée du 1er février 2026"


def test_the_escalation_asks_the_officer_to_act() -> None:
    escalation = every_content()[2]
    assert "prendre contact avec l'emprunteur" in render(escalation, Language.FR).text
    assert render(escalation, Language.EN).subject == "Loan MC-2026-0042: instalment 30 days overdue"


def test_follow_up_contact_with_and_without_the_month() -> None:
    planned = FollowUpContactDue(case_reference="DOS-1", contact_date=date(2026, 6, 1), months_after_start=1)
    assert "(1 month after the business started)" in render(planned, Language.EN).text
    assert f"(1{NB}mois après" in render(planned, Language.FR).text
    unplanned = FollowUpContactDue(case_reference="DOS-1", contact_date=date(2026, 6, 1))
    assert "planned on 1 June 2026. Please" in render(unplanned, Language.EN).text


def test_training_session_text_put_in_from_data_cannot_add_lines() -> None:
    content = TrainingSessionStarting(programme_name="Créer\r\nBcc: x@evil.example", starts_on=date(2026, 3, 2))
    words = render(content, Language.FR)
    assert f"«{NB}Créer Bcc: x@evil.example{NB}»" in words.text
    assert "\r" not in words.text
    assert words.subject == "Votre formation commence le 2 mars 2026"


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("content", every_content(), ids=lambda c: c.kind.value)
def test_every_template_renders_a_one_line_subject_and_a_text(content: NoticeContent, language: Language) -> None:
    words = render(content, language)
    assert words.subject and "\n" not in words.subject
    assert words.text.startswith("Bonjour," if language is Language.FR else "Hello,")
    assert "{" not in words.text and "None" not in words.text


@pytest.mark.parametrize("content", every_content(), ids=lambda c: c.kind.value)
def test_french_and_english_texts_differ(content: NoticeContent) -> None:
    assert render(content, Language.FR).text != render(content, Language.EN).text
