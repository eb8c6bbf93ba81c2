"""Tables of documents whose columns fit their words: each column is at least as wide as its
longest word (a word is never cut where the page has room), and the room left goes to the
columns whose text would otherwise wrap. Only when the columns cannot all hold their longest
word does a squeezed column hyphenate, at French break points (pyphen), never mid-syllable."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

PADDING = 12.0  # reportlab's cell padding, left and right (points)
_SPACES = re.compile(r"[ \t\n]+")
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}


def _plain(markup: str) -> tuple[list[str], bool]:
    """A cell's lines of text without markup, and whether it is bold."""
    bold = "<b>" in markup
    lines = []
    for line in _BREAK.split(markup):
        text = _TAG.sub("", line)
        for entity, char in _ENTITIES.items():
            text = text.replace(entity, char)
        lines.append(text)
    return lines, bold


def measure(rows: Sequence[Sequence[str]], font_size: float) -> tuple[list[float], list[float]]:
    """Each column's least width (its longest word) and wanted width (its longest line)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    columns = max((len(row) for row in rows), default=0)
    least = [PADDING] * columns
    wanted = [PADDING] * columns
    for row in rows:
        for index, cell in enumerate(row):
            lines, bold = _plain(cell)
            font = "Helvetica-Bold" if bold else "Helvetica"
            for line in lines:
                width = stringWidth(line, font, font_size) + PADDING
                wanted[index] = max(wanted[index], width)
                for word in _SPACES.split(line):  # a no-break space joins its words
                    least[index] = max(least[index], stringWidth(word, font, font_size) + PADDING)
    return least, wanted


def fit_columns(
    rows: Sequence[Sequence[str]], total: float, font_size: float = 10.0
) -> tuple[list[float], list[bool]]:
    """Column widths (points) that add up to ``total`` for cells of markup text, and which
    columns are narrower than one of their words (and so must hyphenate)."""
    least, wanted = measure(rows, font_size)
    columns = len(least)
    if sum(wanted) <= total:  # everything on one line: share the rest alike
        spare = (total - sum(wanted)) / max(1, columns)
        return [w + spare for w in wanted], [False] * columns
    if sum(least) <= total:  # every word whole: the wrapping columns share what is left
        room = total - sum(least)
        extra = [w - m for w, m in zip(wanted, least, strict=True)]
        widths = [m + e * room / sum(extra) for m, e in zip(least, extra, strict=True)]
        return widths, [False] * columns
    # too many columns for their words: each gets its share, the words break the French way
    widths = [m * total / sum(least) for m in least]
    return widths, [w < m for w, m in zip(widths, least, strict=True)]


_FIGURE = re.compile(r"[-+]?[\d\s\u00a0]+(,\d+)?(\s?[%€])?|-")


def numeric_columns(rows: Sequence[Sequence[str]]) -> list[bool]:
    """Which columns hold only figures (counts, amounts, percentages; "-" for none)."""
    columns = max((len(row) for row in rows), default=0)
    found = [False] * columns
    for index in range(columns):
        texts = [" ".join(_plain(row[index])[0]).strip() for row in rows if index < len(row)]
        texts = [t for t in texts if t]
        found[index] = (
            bool(texts)
            and all(_FIGURE.fullmatch(t) for t in texts)
            and any(t != "-" for t in texts)
        )
    return found


def grid(
    rows: list[list[str]],
    styles: Any,
    *,
    total: float,
    widths: list[float] | None = None,
    header: bool = True,
) -> Any:
    """A table of paragraphs (markup cells), its header row repeated on each page."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Table, TableStyle

    from assetctl.documents.typeset import Paragraph

    style = styles["BodyText"]
    squeezed: list[bool]
    if widths is None:
        widths, squeezed = fit_columns(rows, total, style.fontSize)
    else:
        least, _ = measure(rows, style.fontSize)
        squeezed = [w < m for w, m in zip(widths, least, strict=True)]
    figures = numeric_columns(rows[1:] if header else rows)
    looks = {
        (squeeze, right): ParagraphStyle(
            f"cell-{squeeze}-{right}",
            parent=style,
            alignment=2 if right else 0,  # figures align on the right, as in a ledger
            hyphenationLang="fr_FR" if squeeze else "",
            embeddedHyphenation=1 if squeeze else 0,
        )
        for squeeze in (False, True)
        for right in (False, True)
    }
    cells = [
        [
            Paragraph(cell, looks[squeezed[index], index < len(figures) and figures[index]])
            for index, cell in enumerate(row)
        ]
        for row in rows
    ]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
    table.setStyle(TableStyle(commands))
    return table
