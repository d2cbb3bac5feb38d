"""The personal data export as a readable PDF, in the person's language (French unless "en"):
one section per kind of record, each record as label / value lines."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fpdf import FPDF

from service.kernel.pdf import FONT, format_decimal, label_rows, line, section, use_unicode_font
from service.privacy.ports import PersonExport

_TITLES = {
    "fr": {
        "title": "Vos données personnelles",
        "intro": "Tout ce que le prêteur détient à votre sujet (RGPD, art. 15 et 20).",
        "none": "aucune donnée",
        "applicants": "Identité et coordonnées",
        "borrowers": "Espace emprunteur",
        "referrals": "Orientations par un partenaire et consentement",
        "business_projects": "Projet d'entreprise",
        "enrolments": "Formations suivies",
        "attendance": "Présence en formation",
        "applications": "Demandes de prêt",
        "application_events": "Historique des demandes et décisions",
        "committee_votes": "Votes du comité de crédit",
        "disbursements": "Versements",
        "loans": "Prêts",
        "loan_installments": "Échéances",
        "loan_events": "Paiements et événements des prêts",
        "loan_statement_entries": "Relevés des prêts",
        "ledger_transactions": "Écritures comptables",
        "ledger_entries": "Lignes d'écritures",
        "follow_up_plans": "Plans de suivi",
        "follow_up_contacts": "Contacts de suivi",
        "notices": "Messages envoyés",
        "outbox_events": "Événements communiqués",
        "privacy_persons": "Conservation",
        "privacy_rectifications": "Rectifications",
        "partner_referrals": "Suivi par le partenaire et consentements",
        "partner_events": "Informations transmises au partenaire",
    },
    "en": {
        "title": "Your personal data",
        "intro": "Everything the lender holds about you (GDPR art. 15 and 20).",
        "none": "no data",
        "applicants": "Identity and contact details",
        "borrowers": "Borrower account",
        "referrals": "Referrals by a partner and consent",
        "business_projects": "Business project",
        "enrolments": "Trainings",
        "attendance": "Training attendance",
        "applications": "Loan applications",
        "application_events": "Applications' history and decisions",
        "committee_votes": "Credit committee votes",
        "disbursements": "Disbursements",
        "loans": "Loans",
        "loan_installments": "Instalments",
        "loan_events": "Payments and loan events",
        "loan_statement_entries": "Loan statements",
        "ledger_transactions": "Accounting transactions",
        "ledger_entries": "Accounting entries",
        "follow_up_plans": "Follow-up plans",
        "follow_up_contacts": "Follow-up contacts",
        "notices": "Messages sent",
        "outbox_events": "Events shared",
        "privacy_persons": "Retention",
        "privacy_rectifications": "Rectifications",
        "partner_referrals": "Follow-up by the partner and consents",
        "partner_events": "Information shared with the partner",
    },
}


def _text(value: Any, language: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return format_decimal(value) if language == "fr" else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def render_export(export: PersonExport) -> bytes:
    language = "en" if export.language == "en" else "fr"
    words = _TITLES[language]
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    use_unicode_font(pdf)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(words["title"])
    pdf.set_lang(language)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    line(pdf, words["title"], height=9, align="C")
    pdf.set_font(FONT, size=10)
    line(pdf, words["intro"], align="C")
    for table, rows in export.records.items():
        section(pdf, words.get(table, table))
        if not rows:
            pdf.set_font(FONT, size=10)
            line(pdf, words["none"])
        for row in rows:
            label_rows(pdf, [(column, _text(value, language)) for column, value in row.items()])
            pdf.ln(2)
    return bytes(pdf.output())
