"""French documents: the sanitisation certificate, contracts, minutes, the programme's report
(reportlab), and spreadsheets (openpyxl)."""

from pathlib import Path
from typing import Any


def a4_document(
    path: Path, title: str, author: str, margin_mm: float = 15.0
) -> tuple[Any, Any, Any]:
    """An A4 platypus document with the house margins, the sample styles and the mm unit
    (reportlab imported here, when a document is made). Every style hyphenates French (pyphen):
    a word too long for its table column breaks where French breaks it, with a hyphen, never
    in the middle of a syllable."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=margin_mm * mm,
        bottomMargin=margin_mm * mm,
    )
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.hyphenationLang = "fr_FR"
        style.embeddedHyphenation = 1
    return document, styles, mm
