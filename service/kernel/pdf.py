"""What every PDF the service prints shares: the embedded DejaVu Sans (``service/kernel/fonts``, its
licence there), text the font can draw, French decimal notation, and label/value lines."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import anyio
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "DejaVuSans"
# Two faces only: each one embedded costs about 50 ms of parsing and subsetting per document.
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONTS_DIR = Path(__file__).parent / "fonts"
LABEL_WIDTH = 80  # the longest label ("Avance pour vos prochaines échéances") at 10 pt
# Letters that Unicode does not decompose into a base letter the font has and an accent.
_REPLACEMENTS = str.maketrans({"Ŀ": "L·", "ŀ": "l·", "\u200b": ""})


def use_unicode_font(pdf: FPDF) -> None:
    """Registers DejaVu Sans (regular and bold) as ``FONT``; only the glyphs used are embedded."""
    for style, file in FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONTS_DIR / file))


@cache
def _font_characters() -> frozenset[int]:
    """The code points DejaVu Sans draws (read once, when the first document is rendered)."""
    with TTFont(FONTS_DIR / FONT_FILES[""], lazy=True) as font:
        return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    """``text`` as the embedded font can draw it: control characters made spaces; a character
    the font lacks replaced by its base letter when it has one ("ǅ" -> "Dž"), else by '?'."""
    drawn = _font_characters()
    out: list[str] = []
    for char in text.translate(_REPLACEMENTS):
        if ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(" ")
        elif ord(char) in drawn:
            out.append(char)
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            kept = "".join(c for c in decomposed if ord(c) in drawn and not unicodedata.combining(c))
            out.append(kept or "?")
    return "".join(out)


def format_decimal(value: Decimal, min_places: int = 2) -> str:
    """French notation of the exact digits: ``Decimal("10000.00")`` -> "10 000,00".

    Zeros are added up to ``min_places`` decimals; existing decimals are all kept, so formatting
    never rounds (Decimal formatting works on the digits, no float is involved)."""
    if not value.is_finite():
        raise ValueError(f"cannot print {value!r} in a contract")
    exponent = value.as_tuple().exponent
    places = max(-exponent if isinstance(exponent, int) else 0, min_places)
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",")


def section(pdf: FPDF, title: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    line(pdf, title, height=8, border="B")
    pdf.ln(1)


def label_rows(pdf: FPDF, rows: Iterable[tuple[str, str]]) -> None:
    """Label / value lines; a long value wraps under itself instead of running off the page."""
    for label, value in rows:
        pdf.set_font(FONT, size=10)
        pdf.cell(LABEL_WIDTH, 6, printable(label))
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 6, printable(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def line(pdf: FPDF, text: str, *, height: float = 6, align: str = "L", border: Literal[0, 1] | str = 0) -> None:
    pdf.cell(0, height, printable(text), border=border, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


T = TypeVar("T")


async def render_off_the_loop(render: Callable[[T], bytes], document: T) -> bytes:
    """A PDF takes 50-150 ms of CPU (the embedded font is parsed and subset): rendered in a worker
    thread, so that the other requests of this worker are not held up for all that time."""
    return await anyio.to_thread.run_sync(render, document)
