"""French documents: the sanitisation certificate, contracts, minutes, the programme's report
(reportlab), and spreadsheets (openpyxl)."""

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

TEXT_WIDTH = 174.0  # mm: A4 less the 18 mm margins
HEADINGS = ("Title", "Heading1", "Heading2", "Heading3", "Heading4")


def a4_document(
    path: Path, title: str, author: str, margin_mm: float = 15.0
) -> tuple[Any, Any, Any]:
    """An A4 platypus document with the house margins, the sample styles and the mm unit
    (reportlab imported here, when a document is made). Text is ragged right and never
    hyphenated, except in a table column narrower than one of its words
    (:func:`assetctl.documents.tables.grid`). A heading stays on the page of what follows it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=(210 - TEXT_WIDTH) / 2 * mm,
        rightMargin=(210 - TEXT_WIDTH) / 2 * mm,
        topMargin=margin_mm * mm,
        # room for the foot line that build() draws on every page
        bottomMargin=(margin_mm + 5) * mm,
    )
    styles = getSampleStyleSheet()
    for name in HEADINGS:
        styles[name].keepWithNext = 1
    return document, styles, mm


def inline(value: str) -> str:
    """Plain text for a paragraph: escaped, `commands` set in a fixed-width font."""
    return re.sub(r"`([^`]+)`", r'<font face="Courier">\1</font>', escape(value))


def bullets(items: Sequence[str], styles: Any) -> list[Any]:
    """One paragraph per item (plain text, see :func:`inline`), with a bullet."""
    from assetctl.documents.typeset import Paragraph

    return [Paragraph(f"• {inline(item)}", styles["BodyText"]) for item in items]


def signature_block(heading: str, *fields: str) -> Any:
    """A box to sign on paper: ``heading``, a line per field ("Nom :", "Date :"), room for the
    signature; kept on one page."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Table, TableStyle

    rows = [[heading], *([f] for f in fields), ["Signature :\n\n\n"]]
    return KeepTogether(
        [
            Table(
                rows,
                colWidths=[87 * mm],
                hAlign="LEFT",
                style=TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "grey")]),
            )
        ]
    )


def part_mark(name: str) -> Any:
    """A mark in the story: the pages from here on belong to the part ``name`` (e.g. one of the
    contract's copies), which their foot says."""
    from reportlab.platypus import Flowable

    class PartMark(Flowable):  # type: ignore[misc]
        def wrap(self, *_args: Any) -> tuple[float, float]:
            return 0, 0

        def draw(self) -> None:
            self.canv.footer_part = name

    return PartMark()


def build(document: Any, story: Sequence[Any], reference: str) -> None:
    """Lay the story out with ``reference · page n / N`` at the foot of every page, so that a
    page separated from the others still says which document it belongs to (and which part of
    it, after a :func:`part_mark`)."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class FootedCanvas(Canvas):  # type: ignore[misc]
        """Keeps each page until the end, when the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.setFillGray(0.35)
                part = state.get("footer_part")
                self.drawRightString(
                    document.pagesize[0] - document.rightMargin,
                    document.bottomMargin - 9 * mm,
                    " · ".join([reference, *([part] if part else []), f"page {number} / {total}"]),
                )
                super().showPage()
            super().save()

    document.build(list(story), canvasmaker=FootedCanvas)
