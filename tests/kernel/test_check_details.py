"""The eligibility checks' details in French: the words around the figures translated, the figures
kept and written the French way; the phrases stay those the domain writes."""

from __future__ import annotations

from service.cli import ROOT
from service.kernel.http import messages
from service.kernel.http.messages import check_detail


def test_a_legal_ceiling_detail_reads_in_french_with_its_figures_and_sources() -> None:
    english = (
        "this loan 10000.00 + outstanding on loans with us 0.00 + offered or signed with us, not yet paid out"
        " 3000.00 = 13000.00 EUR; legal ceiling 12000.00 EUR (in force since 2022-02-07)"
    )
    assert check_detail(english, "fr") == (
        "ce prêt 10\u202f000,00 + encours de nos prêts 0,00 + offert ou signé chez nous, pas encore versé"
        " 3\u202f000,00 = 13\u202f000,00 EUR ; plafond légal 12\u202f000,00 EUR (en vigueur depuis le 07/02/2022)"
    )
    assert check_detail(english, "en") == english


def test_a_refusal_names_each_check_with_its_detail_in_french() -> None:
    english = "product_term: 60 instalments; the product allows 6 to 48; training_completed: not required"
    assert messages.text("application.not_eligible", english, "fr") == (
        "product_term: 60 échéances ; le produit en permet de 6 à 48; training_completed: non demandée"
    )


def test_every_phrase_translated_is_one_the_sources_write() -> None:
    """A wording changed in the domain without its translation fails here instead of showing English."""
    sources = "\n".join(
        path.read_text()
        for folder in ("domain/origination", "service/origination/handlers")
        for path in (ROOT / folder).rglob("*.py")
    )
    # Joined words, and phrases the sources split over two lines of an f-string.
    generic = {" to ", " months", "this loan ", " months; legal maximum ", " required ("}
    stale = [english for english, _ in messages._CHECK_PHRASES if english not in generic and english not in sources]
    assert not stale
