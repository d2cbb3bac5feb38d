"""A loan's schedule as a PDF for the borrower: the loan summary, every instalment with what it
asks, what was paid and where it stands, and the payments received; in French or English.

Made like the contract (service.origination.pdf): DejaVu Sans embedded (names in Latin,
Greek and Cyrillic letters as written), figures written from the Decimal digits, never through float.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import TableHeadingsDisplay

from domain.money import decimals
from service.kernel.pdf import FONT, format_decimal, label_rows, line, printable, section, use_unicode_font
from service.servicing.ports import LoanSummary, ScheduleExport, ScheduleVersion, StatementLine, Transaction

__all__ = ["PdfScheduleRenderer"]

# Millimetres on the 180 mm between A4 margins.
INSTALLMENT_WIDTHS = (10, 21, 21, 19, 19, 23, 22, 22, 23)
PAYMENT_WIDTHS = (30, 40, 40, 70)

_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Échéancier de votre prêt",
        "loan": "Prêt n°",
        "generated": "Document établi le",
        "summary": "Votre prêt",
        "borrower": "Emprunteur",
        "principal": "Montant prêté",
        "currency": "Devise",
        "rate": "Taux nominal annuel",
        "apr": "TAEG",
        "disbursed_on": "Versé le",
        "status": "Situation",
        "as_of": "Situation au",
        "outstanding_principal": "Capital restant dû",
        "credit_balance": "Avance pour vos prochaines échéances",
        "credit_to_refund": "Trop-perçu à vous rembourser",
        "days_past_due": "Jours de retard",
        "next_due_date": "Prochaine échéance",
        "none": "aucune",
        "schedule": "Échéances (montants en {currency})",
        "payments": "Paiements reçus (montants en {currency})",
        "no_payments": "Aucun paiement reçu pour l'instant.",
        "reversed": "annulé",
        "in_force": "Échéancier en vigueur",
        "amendment": "Avenant n° {number} du {day}",
        "earlier": "Échéanciers précédents",
        "contract_replaced": "Contrat du {day}, remplacé le {replaced}",
        "amendment_replaced": "Avenant n° {number} du {day}, remplacé le {replaced}",
        "terms": "Taux nominal annuel {rate} - TAEG {apr}",
        "unknown": "non conservé",
    },
    "en": {
        "title": "Your loan repayment schedule",
        "loan": "Loan no.",
        "generated": "Document produced on",
        "summary": "Your loan",
        "borrower": "Borrower",
        "principal": "Amount lent",
        "currency": "Currency",
        "rate": "Annual interest rate",
        "apr": "APR",
        "disbursed_on": "Paid out on",
        "status": "Status",
        "as_of": "Status as of",
        "outstanding_principal": "Principal outstanding",
        "credit_balance": "Credit for your next instalments",
        "credit_to_refund": "Overpayment to be refunded to you",
        "days_past_due": "Days past due",
        "next_due_date": "Next due date",
        "none": "none",
        "schedule": "Instalments (amounts in {currency})",
        "payments": "Payments received (amounts in {currency})",
        "no_payments": "No payment received yet.",
        "reversed": "reversed",
        "in_force": "Schedule in force",
        "amendment": "Amendment no. {number} of {day}",
        "earlier": "Earlier schedules",
        "contract_replaced": "Contract of {day}, replaced on {replaced}",
        "amendment_replaced": "Amendment no. {number} of {day}, replaced on {replaced}",
        "terms": "Annual interest rate {rate} - APR {apr}",
        "unknown": "not kept",
    },
}
_INSTALLMENT_HEADINGS = {
    "fr": ("N°", "Échéance", "Capital", "Intérêts", "Frais et pénalités", "Total dû", "Payé", "Reste dû", "Statut"),
    "en": ("No.", "Due date", "Principal", "Interest", "Fees and penalties", "Total due", "Paid", "Left", "Status"),
}
_PAYMENT_HEADINGS = {
    "fr": ("Date", "Opération", "Montant", "Référence"),
    "en": ("Date", "Transaction", "Amount", "Reference"),
}
_INSTALLMENT_STATUS = {
    "fr": {
        "paid": "payée",
        "partially_paid": "partiellement payée",
        "due": "à payer",
        "late": "en retard",
        "not_due": "à venir",
        "cancelled": "annulée",
        "rescheduled": "rééchelonnée",
        "written_off": "passée en perte",
    },
    "en": {
        "paid": "paid",
        "partially_paid": "partly paid",
        "due": "due",
        "late": "late",
        "not_due": "upcoming",
        "cancelled": "cancelled",
        "rescheduled": "rescheduled",
        "written_off": "written off",
    },
}
_LOAN_STATUS = {
    "fr": {"active": "en cours", "closed": "remboursé", "written_off": "passé en perte"},
    "en": {"active": "active", "closed": "repaid", "written_off": "written off"},
}
_TRANSACTION_KINDS = {
    "fr": {
        "payment": "paiement",
        "reversal": "annulation",
        "write_off": "passage en perte",
        "reschedule": "réaménagement",
    },
    "en": {"payment": "payment", "reversal": "reversal", "write_off": "write-off", "reschedule": "reschedule"},
}


class _Formats:
    """Dates and amounts as a French (``15/02/2026``, ``1 018,63``) or English (``2026-02-15``,
    ``1,018.63``) reader writes them, to the currency's decimals and without rounding."""

    def __init__(self, language: str, currency: str) -> None:
        self.language = language
        self.places = decimals(currency)

    def amount(self, value: Decimal) -> str:
        return self.decimal(value, self.places)

    def decimal(self, value: Decimal, min_places: int = 2) -> str:
        french = format_decimal(value, min_places)  # exact digits, never rounded
        return french if self.language == "fr" else french.replace(",", ".").replace(" ", ",")

    def day(self, value: date) -> str:
        return value.strftime("%d/%m/%Y") if self.language == "fr" else value.isoformat()

    def rate(self, value: Decimal) -> str:
        """A rate as the API writes it (trailing zeros of the stored NUMERIC dropped, at least two
        decimals): "7,45 %", never "7,450000 %"."""
        return f"{self.decimal(value.normalize())} %"

    def rate_or(self, value: Decimal | None, unknown: str) -> str:
        return unknown if value is None else self.rate(value)


class _SchedulePdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        use_unicode_font(self)
        self.footer_text = printable(footer_text)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self.footer_text} - page {self.page_no()}/{{nb}}", align="C")


class PdfScheduleRenderer:
    """Renders a ``ScheduleExport`` as a PDF in the export's language (French unless "en")."""

    def render(self, export: ScheduleExport) -> bytes:
        """The PDF bytes; the same export always gives the same bytes."""
        language = "en" if export.language == "en" else "fr"
        words = _WORDS[language]
        loan = export.statement.loan
        formats = _Formats(language, loan.currency)
        pdf = _SchedulePdf(f"{words['loan']} {loan.id}")
        pdf.set_title(f"{words['title']} - {words['loan']} {loan.id}")
        pdf.set_lang(language)
        pdf.set_creation_date(export.generated_at.astimezone(UTC))
        pdf.add_page()
        pdf.set_font(FONT, "B", 16)
        line(pdf, words["title"], height=9, align="C")
        pdf.set_font(FONT, size=10)
        line(pdf, f"{words['loan']} {loan.id}", align="C")
        line(pdf, f"{words['generated']} {formats.day(export.generated_on)}", align="C")
        *earlier, live = export.statement.schedules()
        self._summary(pdf, export, live, words, formats)
        section(pdf, words["schedule"].format(currency=loan.currency))
        self._installments(pdf, live.installments, language, formats)
        self._payments(pdf, export.statement.transactions, loan.currency, language, formats)
        if earlier:
            self._earlier(pdf, earlier, words, formats)
        return bytes(pdf.output())

    def _earlier(self, pdf: FPDF, earlier: list[ScheduleVersion], words: dict[str, str], formats: _Formats) -> None:
        """The schedules amendments replaced, oldest first, each numbered as it was."""
        if pdf.will_page_break(45):  # the heading stays with the first schedule's title and rows
            pdf.add_page()
        section(pdf, words["earlier"])
        for schedule in earlier:
            day, replaced = formats.day(schedule.starts_on), formats.day(schedule.replaced_on or schedule.starts_on)
            title = (
                words["contract_replaced"].format(day=day, replaced=replaced)
                if schedule.amendment == 0
                else words["amendment_replaced"].format(number=schedule.amendment, day=day, replaced=replaced)
            )
            pdf.ln(2)
            pdf.set_font(FONT, "B", 10)
            line(pdf, title)
            pdf.set_font(FONT, size=9)
            terms = words["terms"].format(
                rate=formats.rate_or(schedule.annual_interest_rate, words["unknown"]),
                apr=formats.rate_or(schedule.apr, words["unknown"]),
            )
            line(pdf, terms)
            self._installments(pdf, schedule.installments, formats.language, formats, as_drawn_up=True)

    def _summary(
        self, pdf: FPDF, export: ScheduleExport, live: ScheduleVersion, words: dict[str, str], formats: _Formats
    ) -> None:
        loan: LoanSummary = export.statement.loan
        language = formats.language

        def money(value: Decimal) -> str:
            return f"{formats.amount(value)} {loan.currency}"

        section(pdf, words["summary"])
        rows: list[tuple[str, str]] = []
        if export.borrower_name:
            rows.append((words["borrower"], export.borrower_name))
        rows += [
            (words["principal"], money(loan.principal)),
            (words["currency"], loan.currency),
            (words["disbursed_on"], formats.day(loan.disbursed_on)),
            (words["status"], _LOAN_STATUS[language].get(loan.status, loan.status)),
        ]
        if live.amendment:
            day = formats.day(live.starts_on)
            rows.append((words["in_force"], words["amendment"].format(number=live.amendment, day=day)))
        # The terms of the schedule in force: an amendment's own rate and TAEG once rescheduled.
        rows += [
            (words["rate"], formats.rate_or(live.annual_interest_rate, words["unknown"])),
            (words["apr"], formats.rate_or(live.apr, words["unknown"])),
        ]
        if loan.state_as_of is not None:
            rows.append((words["as_of"], formats.day(loan.state_as_of)))
        rows += [
            (words["outstanding_principal"], money(loan.outstanding_principal)),
            (words["days_past_due"], str(loan.days_past_due)),
            (words["next_due_date"], formats.day(loan.next_due_date) if loan.next_due_date else words["none"]),
        ]
        if loan.credit_balance:
            # While the loan runs, a credit pays the next instalments as they fall due; only once
            # the loan is repaid (or written off) is what is left owed back to the borrower.
            label = words["credit_balance"] if loan.status == "active" else words["credit_to_refund"]
            rows.append((label, money(loan.credit_balance)))
        label_rows(pdf, rows)

    def _installments(
        self,
        pdf: FPDF,
        installments: Iterable[StatementLine],
        language: str,
        formats: _Formats,
        *,
        as_drawn_up: bool = False,
    ) -> None:
        """One row per instalment; fpdf2 repeats the headings on every page the table spans.
        ``as_drawn_up``: principal, interest and fees as the schedule said (a replaced schedule;
        its instalments' dues lost the interest and fees the reschedule waived)."""
        pdf.set_font(FONT, size=8)
        with pdf.table(
            col_widths=INSTALLMENT_WIDTHS,
            width=sum(INSTALLMENT_WIDTHS),
            line_height=5,
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            text_align="RIGHT",
        ) as table:
            headings = table.row()
            for heading in _INSTALLMENT_HEADINGS[language]:
                headings.cell(printable(heading), align="CENTER")
            for item in installments:
                if as_drawn_up:
                    principal, interest, fees = item.scheduled_principal, item.scheduled_interest, item.scheduled_fees
                else:
                    principal, interest, fees = item.principal_due, item.interest_due, item.fees_due
                paid = item.principal_paid + item.interest_paid + item.fees_paid + item.penalties_paid
                row = table.row()
                row.cell(str(item.number), align="CENTER")
                row.cell(formats.day(item.due_date), align="CENTER")
                for amount in (
                    principal,
                    interest,
                    fees + item.penalties_due,
                    principal + interest + fees + item.penalties_due,
                    paid,
                    item.outstanding,
                ):
                    row.cell(formats.amount(amount))
                status = _INSTALLMENT_STATUS[language].get(item.status.value, item.status.value)
                row.cell(printable(status), align="LEFT")

    def _payments(
        self,
        pdf: FPDF,
        transactions: Iterable[Transaction],
        currency: str,
        language: str,
        formats: _Formats,
    ) -> None:
        words = _WORDS[language]
        listed = list(transactions)
        reversed_ids = {t.reverses_id for t in listed if t.reverses_id}
        amounts = {t.id: t.amount for t in listed}
        section(pdf, words["payments"].format(currency=currency))
        payments = [t for t in listed if t.kind in {"payment", "reversal"}]
        if not payments:
            pdf.set_font(FONT, size=10)
            line(pdf, words["no_payments"])
            return
        pdf.set_font(FONT, size=8)
        with pdf.table(col_widths=PAYMENT_WIDTHS, width=sum(PAYMENT_WIDTHS), line_height=5) as table:
            headings = table.row()
            for heading in _PAYMENT_HEADINGS[language]:
                headings.cell(printable(heading), align="CENTER")
            for t in payments:
                kind = _TRANSACTION_KINDS[language].get(t.kind, t.kind)
                if t.id in reversed_ids:
                    kind = f"{kind} ({words['reversed']})"
                row = table.row()
                row.cell(formats.day(t.value_date), align="CENTER")
                row.cell(printable(kind))
                # A reversal takes back the amount of the payment it reverses.
                taken_back = amounts.get(t.reverses_id) if t.reverses_id else None
                amount = t.amount if taken_back is None else -taken_back
                row.cell(formats.amount(amount) if amount is not None else "", align="RIGHT")
                row.cell(printable(t.external_reference or ""))
