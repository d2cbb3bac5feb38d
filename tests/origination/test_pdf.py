"""The contract PDF shows the offer's figures exactly, in French, whatever the length or the names."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from domain.origination.applicants import Guarantor
from domain.origination.applications import Offer
from domain.origination.contract import ContractDocument, Lender
from domain.schedules import Fee, FeeCollection, Installment
from domain.schedules.calendar import add_period
from domain.schedules.model import RepaymentUnit
from service.kernel.pdf import format_decimal, printable
from service.origination.pdf import PdfContractRenderer

D = Decimal
HEADER = "Capital restant dû"
FEES = (
    Fee("Contribution solidaire", FeeCollection.WITHHELD_AT_DISBURSEMENT, percent_of_principal=D("5")),
    Fee("Frais de dossier", FeeCollection.ADDED_TO_INSTALLMENTS, amount=D("30.00")),
)
THREE = (
    Installment(1, date(2026, 2, 15), D("990.00"), D("18.63"), D("10.00"), D("1018.63"), D("2010.00")),
    Installment(2, date(2026, 3, 15), D("1000.00"), D("12.48"), D("10.00"), D("1022.48"), D("1010.00")),
    Installment(3, date(2026, 4, 15), D("1010.00"), D("6.27"), D("10.00"), D("1026.27"), D("0.00")),
)


def make_offer(installments: tuple[Installment, ...], amount: Decimal = D("3000.00")) -> Offer:
    return Offer(
        product_version=2,
        amount=amount,
        currency="EUR",
        number_of_installments=len(installments),
        annual_interest_rate=D("7.45"),
        apr=D("11.53"),
        net_disbursed=D("2850.00"),
        total_repayable=sum((i.total for i in installments), D("0.00")),
        total_interest=sum((i.interest for i in installments), D("0.00")),
        total_fees=D("180.00"),
        disbursement_date=date(2026, 1, 15),
        first_due_date=installments[0].due_date,
        issued_on=date(2026, 1, 5),
        expires_on=date(2026, 2, 4),
        installments=installments,
    )


def make_document(offer: Offer | None = None, **changes: object) -> ContractDocument:
    document = ContractDocument(
        contract_number="MC-2026-000042",
        application_id=uuid.UUID(int=42),
        lender=Lender(
            name="Association Crédit Solidaire",
            address="12 rue des Lilas, 69001 Lyon",
            registration="RNA W691234567 - SIREN 123 456 789",
        ),
        borrower_name="Hélène Durand",
        borrower_address="3 chemin du Moulin, 38000 Grenoble",
        business_activity="Boulangerie artisanale",
        product_name="Microcrédit professionnel",
        offer=offer or make_offer(THREE),
        fees=FEES,
        conditions=("Caution personnelle de Jean Durand à hauteur de 50 %", "Ouverture d'un compte professionnel"),
        guarantors=(Guarantor("Jean Durand", "père", D("1500.00")),),
        signed_on=None,
        generated_on=date(2026, 1, 5),
    )
    return replace(document, **changes)  # type: ignore[arg-type]


def long_schedule(count: int) -> tuple[Installment, ...]:
    remaining = D(100) * count
    rows = []
    for number in range(1, count + 1):
        remaining -= D("100.00")
        interest = D(number % 97).scaleb(-2) + D("1.00")
        due = add_period(date(2026, 2, 15), 1, RepaymentUnit.MONTH, number - 1)
        rows.append(Installment(number, due, D("100.00"), interest, D("0.00"), D("100.00") + interest, remaining))
    return tuple(rows)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def render_text(document: ContractDocument) -> str:
    return "\n".join(pages_text(PdfContractRenderer().render(document)))


def test_the_contract_names_both_parties_with_their_addresses_and_the_guarantors() -> None:
    text = " ".join(render_text(make_document()).split())
    assert "Prêteur Association Crédit Solidaire" in text
    assert "Siège 12 rue des Lilas, 69001 Lyon" in text
    assert "Immatriculation RNA W691234567 - SIREN 123 456 789" in text
    assert "Adresse de l'emprunteur 3 chemin du Moulin, 38000 Grenoble" in text
    assert "Caution Jean Durand (père), à hauteur de 1 500,00 EUR" in text
    assert "La caution Jean Durand Signature" in text  # the guarantor signs too
    two = make_document(
        guarantors=(Guarantor("Jean Durand", "père", D("1500.00")), Guarantor("Anne Roy", "amie", D("500.00"))),
        borrower_address=None,
    )
    text = " ".join(render_text(two).split())
    assert "Caution Anne Roy (amie), à hauteur de 500,00 EUR" in text
    assert "Adresse de l'emprunteur non renseignée" in text


def test_the_contract_shows_parties_terms_taeg_and_conditions() -> None:
    pdf = PdfContractRenderer().render(make_document())
    assert pdf.startswith(b"%PDF")
    text = "\n".join(pages_text(pdf))
    text = " ".join(text.split())  # a long value wraps under its label
    for expected in (
        "Contrat de prêt - microcrédit",
        "MC-2026-000042",
        "Association Crédit Solidaire",
        "Hélène Durand",
        "Boulangerie artisanale",
        "Microcrédit professionnel",
        "TAEG : 11,53 %",
        "3 000,00 EUR",
        "7,45 %",
        "2 850,00 EUR",  # net amount paid out
        "37,38 EUR",  # total interest
        "180,00 EUR",  # total fees
        "3 067,38 EUR",  # total to repay
        "Contribution solidaire",
        "5,00 % du montant prêté (retenu au versement du prêt)",
        "30,00 EUR (ajouté aux échéances)",
        "15/01/2026",
        "05/01/2026",
        "04/02/2026",
        "Caution personnelle de Jean Durand à hauteur de 50 %",
        "Ouverture d'un compte professionnel",
        "Fait le ____",
    ):
        assert expected in text, expected


def test_every_instalment_of_the_schedule_is_in_the_table() -> None:
    text = render_text(make_document())
    assert HEADER in text
    for item in THREE:
        assert item.due_date.strftime("%d/%m/%Y") in text
        assert format_decimal(item.total) in text
        assert format_decimal(item.principal_remaining) in text
    assert "1 018,63" in text
    assert "2 010,00" in text


def test_a_signed_contract_says_when() -> None:
    text = render_text(make_document(signed_on=date(2026, 1, 20)))
    assert "Fait le 20/01/2026" in text
    assert "____" not in text


def test_no_committee_condition_no_section() -> None:
    text = render_text(make_document(conditions=(), business_activity=None))
    assert "comité de crédit" not in text
    assert "TAEG : 11,53 %" in text


@pytest.mark.parametrize("count", [120, 600])
def test_a_long_schedule_repeats_the_table_header_on_every_page(count: int) -> None:
    rows = long_schedule(count)
    document = make_document(make_offer(rows, amount=D(100 * count).quantize(D("0.01"))))
    pages = pages_text(PdfContractRenderer().render(document))
    assert len(pages) > 1 + count // 60
    text = "\n".join(pages)
    for item in rows:
        assert item.due_date.strftime("%d/%m/%Y") in text
        assert format_decimal(item.total) in text
    table_pages = [page for page in pages if any(r.due_date.strftime("%d/%m/%Y") in page for r in rows[1:])]
    assert len(table_pages) > 1
    assert all(HEADER in page for page in table_pages)
    if count == 120:
        assert "12 000,00 EUR" in text


@pytest.mark.parametrize("name", ["Zoë Ŀ", "€ Ŀukasz “Łódź” — 名前", "Tab\tand\nnewline", "Ǆemal Ørsted ‰ 🙂"])
def test_characters_the_font_lacks_do_not_crash(name: str) -> None:
    document = make_document(
        borrower_name=name,
        lender=Lender(name=f"Prêteur {name}", address=name, registration=name),
        contract_number=f"MC–{name}",
        business_activity=name,
        product_name=name,
        conditions=(f"Garantie de 1 000 € par {name}",),
        fees=(Fee(name, FeeCollection.ADDED_TO_INSTALLMENTS, amount=D("30.00")),),
    )
    pdf = PdfContractRenderer().render(document)
    assert pdf.startswith(b"%PDF")
    text = "\n".join(pages_text(pdf))
    assert "Garantie de 1 000 € par" in text


@pytest.mark.parametrize(
    "name", ["Αλίκη Παπαδοπούλου", "Алиса Иванова", "Łukasz Żółć", "Nguyễn Thị Ánh", "Œdipe “Zoë”"]
)
def test_names_in_other_scripts_print_as_written(name: str) -> None:
    text = render_text(make_document(borrower_name=name))
    assert text.count(name) >= 2  # the parties and the signatures


def test_what_the_font_cannot_draw() -> None:
    assert printable("1 000 € – « oui » “non” l’œuvre…") == "1 000 € – « oui » “non” l’œuvre…"
    assert printable("Ŀ") == "L·"
    assert printable("a\tb\nc") == "a b c"
    assert printable("名 🙂") == "? ?"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (D("10000.00"), 2, "10 000,00"),
        (D("1234567.89"), 2, "1 234 567,89"),
        (D("0.00"), 2, "0,00"),
        (D("50"), 2, "50,00"),  # padded, not rounded
        (D("11.5"), 2, "11,50"),
        (D("0.005"), 2, "0,005"),  # never rounded: a wrong figure must stay visible
        (D("1000"), 0, "1 000"),
        (D("-12.30"), 2, "-12,30"),
        (D("1E+3"), 2, "1 000,00"),
    ],
)
def test_decimals_are_printed_exactly_in_french(value: Decimal, places: int, expected: str) -> None:
    assert format_decimal(value, places) == expected


def test_a_currency_without_minor_unit_has_no_decimals() -> None:
    offer = replace(make_offer(THREE), currency="JPY", amount=D("300000"))
    text = render_text(make_document(offer))
    assert "300 000 JPY" in text
    assert "(montants en JPY)" in text


def test_the_same_document_gives_the_same_bytes() -> None:
    renderer = PdfContractRenderer()
    assert renderer.render(make_document()) == renderer.render(make_document())


def test_the_documents_promise_only_the_scripts_the_pdf_prints() -> None:
    """DejaVu Sans draws Latin, Greek and Cyrillic; it has no CJK glyphs ('?'), and the renderer does
    no shaping, so Arabic and Hebrew come out as isolated letters left to right."""
    assert printable("王芳") == "??"
    root = Path(__file__).resolve().parents[2]
    readme = " ".join((root / "README.md").read_text().split())
    claim = readme[readme.index("PDFs embed DejaVu Sans") :][:400]
    assert "Latin, Greek and Cyrillic letters print as written" in claim
    assert all(script in claim for script in ("Chinese", "Arabic", "Hebrew"))
    for doc in (
        "service/origination/pdf.py",
        "service/servicing/pdf.py",
        "service/kernel/fonts/README.md",
    ):
        text = " ".join((root / doc).read_text().split())
        assert "any script" not in text and "Arabic..." not in text and "Hebrew..." not in text, doc
