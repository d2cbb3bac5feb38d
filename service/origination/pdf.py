"""The credit contract as a PDF: what the borrower reads and signs, schedule and TAEG included.

The text is set in DejaVu Sans, shipped in ``service/kernel/fonts`` (its licence there) and
embedded as a subset: a name in Latin, Greek or Cyrillic letters prints as written. Arabic and
Hebrew print as separate letters left to right (fpdf2 shapes no text here). A character the font
lacks (Chinese, Japanese, Korean, an emoji) loses its accent or becomes '?' rather than crashing
the rendering of a contract.

Figures are written from the Decimal digits of the offer, never through float: the contract must
show the offer's amounts and TAEG to the cent (an error in the stated TAEG can cost the lender its
interest). The renderer pads with zeros but never rounds; rounding is the schedule engine's job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import TableHeadingsDisplay, XPos, YPos

from domain.errors import RuleViolation
from domain.money import decimals
from domain.origination.contract import ContractDocument
from domain.schedules import Fee, FeeCollection
from service.kernel.pdf import FONT, format_decimal, label_rows, line, printable, section, use_unicode_font

__all__ = ["PdfContractRenderer"]

TITLE = "Contrat de prêt - microcrédit"
SCHEDULE_HEADINGS = ("N°", "Échéance", "Capital", "Intérêts", "Frais", "Total", "Capital restant dû")
# Millimetres on the 180 mm between A4 margins; wide enough for "999 999 999,99" at 8 pt.
SCHEDULE_WIDTHS = (12, 24, 28, 28, 26, 30, 32)
COLLECTION_LABELS = {
    FeeCollection.WITHHELD_AT_DISBURSEMENT: "retenu au versement du prêt",
    FeeCollection.ADDED_TO_INSTALLMENTS: "ajouté aux échéances",
}


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def format_rate(rate: Decimal) -> str:
    """A rate as every document and the API write it: "7,45 %", never the padding of the stored
    NUMERIC ("7,450000 %"); at least two decimals."""
    return f"{format_decimal(rate.normalize())} %"


class _ContractPdf(FPDF):
    """A4 portrait with the contract number and page numbers in every footer, so that a loose
    page of a long schedule is still tied to its contract."""

    def __init__(self, contract_number: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        use_unicode_font(self)
        self.footer_text = printable(f"Contrat n° {contract_number}")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self.footer_text} - page {self.page_no()}/{{nb}}", align="C")


class PdfContractRenderer:
    """Renders a ``ContractDocument`` as the French contract PDF the borrower signs."""

    def render(self, document: ContractDocument) -> bytes:
        """The PDF bytes; the same document always gives the same bytes (dates come from it)."""
        pdf = _ContractPdf(document.contract_number)
        pdf.set_title(f"Contrat de prêt n° {document.contract_number}")
        pdf.set_author(document.lender.name)
        pdf.set_lang("fr")
        pdf.set_creation_date(datetime.combine(document.generated_on, time(), tzinfo=UTC))
        pdf.add_page()
        self._header(pdf, document)
        self._terms(pdf, document)
        self._conditions(pdf, document.conditions)
        self._schedule(pdf, document)
        self._signatures(pdf, document)
        return bytes(pdf.output())

    def _header(self, pdf: FPDF, document: ContractDocument) -> None:
        pdf.set_font(FONT, "B", 16)
        line(pdf, TITLE, height=9, align="C")
        pdf.set_font(FONT, size=10)
        line(pdf, f"Contrat n° {document.contract_number}", align="C")
        line(pdf, f"Document établi le {format_date(document.generated_on)}", align="C")
        pdf.ln(3)
        section(pdf, "Les parties")
        lender = document.lender
        label_rows(
            pdf,
            [
                ("Prêteur", lender.name),
                ("Siège", lender.address),
                ("Immatriculation", lender.registration),
                ("Emprunteur", document.borrower_name),
                ("Adresse de l'emprunteur", document.borrower_address or "non renseignée"),
            ],
        )
        places = _currency_places(document.offer.currency)
        for guarantor in document.guarantors:
            amount = f"{format_decimal(guarantor.amount_guaranteed, places)} {document.offer.currency}"
            label_rows(pdf, [("Caution", f"{guarantor.full_name} ({guarantor.relation}), à hauteur de {amount}")])
        if not document.guarantors:
            label_rows(pdf, [("Caution", "aucune")])
        if document.business_activity:
            label_rows(pdf, [("Activité financée", document.business_activity)])
        label_rows(pdf, [("Produit", f"{document.product_name} (version {document.offer.product_version})")])

    def _terms(self, pdf: FPDF, document: ContractDocument) -> None:
        offer = document.offer

        def money(amount: Decimal) -> str:
            return f"{format_decimal(amount, _currency_places(offer.currency))} {offer.currency}"

        section(pdf, "Caractéristiques du prêt")
        label_rows(
            pdf,
            [
                ("Montant prêté", money(offer.amount)),
                ("Devise", offer.currency),
                ("Nombre d'échéances", str(offer.number_of_installments)),
                ("Taux nominal annuel", format_rate(offer.annual_interest_rate)),
            ],
        )
        for fee in document.fees:
            label_rows(pdf, [(f"Frais : {fee.name}", _describe_fee(fee, money))])
        if not document.fees:
            label_rows(pdf, [("Frais", "aucun")])
        label_rows(
            pdf,
            [
                ("Montant net versé", money(offer.net_disbursed)),
                ("Date de versement prévue", format_date(offer.disbursement_date)),
                ("Total des intérêts", money(offer.total_interest)),
                ("Total des frais", money(offer.total_fees)),
                ("Montant total dû", money(offer.total_repayable)),
                ("Première échéance", format_date(offer.first_due_date)),
                ("Offre émise le", format_date(offer.issued_on)),
                ("Offre valable jusqu'au", format_date(offer.expires_on)),
            ],
        )
        pdf.ln(3)
        pdf.set_font(FONT, "B", 14)
        line(pdf, f"TAEG : {format_rate(offer.apr)}", height=11, align="C", border=1)
        pdf.set_font(FONT, size=8)
        line(pdf, "Taux annuel effectif global : intérêts et frais compris, calculé selon la directive 2008/48/CE.")

    def _conditions(self, pdf: FPDF, conditions: tuple[str, ...]) -> None:
        if not conditions:
            return
        section(pdf, "Conditions fixées par le comité de crédit")
        pdf.set_font(FONT, size=10)
        for condition in conditions:
            pdf.multi_cell(0, 5, printable(f"- {condition}"), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _schedule(self, pdf: FPDF, document: ContractDocument) -> None:
        """One row per instalment; fpdf2 repeats the headings on every page the table spans."""
        offer = document.offer
        places = _currency_places(offer.currency)
        section(pdf, f"Échéancier (montants en {offer.currency})")
        pdf.set_font(FONT, size=8)
        with pdf.table(
            col_widths=SCHEDULE_WIDTHS,
            width=sum(SCHEDULE_WIDTHS),
            line_height=5,
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            text_align="RIGHT",
        ) as table:
            headings = table.row()
            for heading in SCHEDULE_HEADINGS:
                headings.cell(printable(heading), align="CENTER")
            for item in offer.installments:
                row = table.row()
                row.cell(str(item.number), align="CENTER")
                row.cell(format_date(item.due_date), align="CENTER")
                for amount in (item.principal, item.interest, item.fees, item.total, item.principal_remaining):
                    row.cell(format_decimal(amount, places))

    def _signatures(self, pdf: FPDF, document: ContractDocument) -> None:
        """Kept on one page; a contract not yet signed gets blank lines to sign by hand."""
        if pdf.will_page_break(55 + 30 * ((len(document.guarantors) + 1) // 2)):
            pdf.add_page()
        section(pdf, "Signatures")
        pdf.set_font(FONT, size=10)
        signed = f"Fait le {format_date(document.signed_on)}" if document.signed_on else "Fait le ____/____/________"
        line(pdf, f"{signed}, en deux exemplaires.")
        pdf.ln(4)
        blank = [("", ""), ("", ""), ("_" * 30, "_" * 30)] if document.signed_on is None else []
        rows = [
            ("Le prêteur", "L'emprunteur"),
            (document.lender.name, document.borrower_name),
            ("Signature :", "Signature (précédée de « lu et approuvé ») :"),
            *blank,
        ]
        # Each guarantor signs their own undertaking, two to a row.
        guarantors = [g.full_name for g in document.guarantors]
        for pair in (guarantors[i : i + 2] for i in range(0, len(guarantors), 2)):
            left, right = pair[0], pair[1] if len(pair) > 1 else ""
            rows += [("", ""), ("La caution", "La caution" if right else ""), (left, right)]
            rows += [("Signature :", "Signature :" if right else ""), *blank]
        # A borderless table, so that a long name wraps in its own column instead of overlapping.
        with pdf.table(borders_layout="NONE", first_row_as_headings=False, line_height=6, text_align="LEFT") as table:
            for left, right in rows:
                row = table.row()
                row.cell(printable(left))
                row.cell(printable(right))


def _currency_places(currency: str) -> int:
    """Decimals of the currency's minor unit (2 for EUR), to pad amounts like "50" to "50,00"."""
    try:
        return decimals(currency)
    except RuleViolation:
        return 2


def _describe_fee(fee: Fee, money: Callable[[Decimal], str]) -> str:
    if fee.percent_of_principal is not None:
        value = f"{format_rate(fee.percent_of_principal)} du montant prêté"
    elif fee.amount is not None:
        value = money(fee.amount)
    else:
        value = "montant non précisé"
    return f"{value} ({COLLECTION_LABELS.get(fee.collection, fee.collection.value)})"
