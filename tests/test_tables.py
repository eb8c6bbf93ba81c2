"""Document tables: columns at least as wide as their longest word where the page has room,
hyphenation only for a column narrower than a word, figures aligned on the right."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase.pdfmetrics import stringWidth

from assetctl.documents.tables import PADDING, fit_columns, numeric_columns

WIDTH = 174 / 25.4 * 72  # the documents' text width, in points


def test_every_word_fits_its_column_when_the_page_has_room() -> None:
    rows = [
        ["Type", "Origine", "Achat", "Reconditionnement", "Total"],
        ["Ordinateur portable", "acheté", "1\u00a0299,80\u00a0€", "-", "non renseigné"],
        ["Ordinateur fixe", "reconditionné", "sans achat (parc de la ville)", "non renseigné",
         "non renseigné"],
    ]  # fmt: skip
    widths, squeezed = fit_columns(rows, WIDTH)
    assert abs(sum(widths) - WIDTH) < 0.01 and squeezed == [False] * 5
    for index, word in enumerate(["Ordinateur", "reconditionné", "1\u00a0299,80\u00a0€",
                                  "Reconditionnement", "renseigné"]):  # fmt: skip
        assert widths[index] >= stringWidth(word, "Helvetica", 10) + PADDING, word


def test_too_many_columns_hyphenate_only_the_squeezed_ones() -> None:
    rows = [["Établissements"] * 12]
    widths, squeezed = fit_columns(rows, WIDTH)
    assert abs(sum(widths) - WIDTH) < 0.01 and all(squeezed)
    short = [["Établissements", "a"]]
    assert fit_columns(short, WIDTH)[1] == [False, False]


def test_columns_of_figures_are_found() -> None:
    rows = [
        ["Bellevue-Carnac", "6", "28", "4 %", "1\u00a0299,80\u00a0€", "-", "Reçu"],
        ["Epine", "3", "-", "0 %", "0,00\u00a0€", "-", "Prêt, 6 mois"],
    ]
    assert numeric_columns(rows) == [False, True, True, True, True, False, False]


def shaded_boxes(rows: list[tuple[str, str, str, str]], pdf: Path) -> list[tuple[float, ...]]:
    """The certificate's label/value table drawn alone on a page: the bounds (left, right, in
    mm from the frame's left edge) of each shaded label cell, read back from the PDF."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium_c
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    from assetctl.documents.certificate import _pairs

    document = SimpleDocTemplate(str(pdf), leftMargin=18 * mm, rightMargin=18 * mm)
    document.build([_pairs(rows, getSampleStyleSheet(), mm)])
    boxes = []
    shown = pypdfium2.PdfDocument(str(pdf))
    try:
        for obj in shown[0].get_objects():
            r, g, b, a = (ctypes.c_uint() for _ in range(4))
            if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
                continue
            filled = pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a)
            if filled and (r.value, g.value, b.value) == (0xF0, 0xF0, 0xF0):
                left, _, right, _ = obj.get_bounds()
                boxes.append((left / mm - 18, right / mm - 18))
    finally:
        shown.close()
    return boxes


def test_a_value_across_the_table_has_no_shaded_cell_under_it(tmp_path: Path) -> None:
    # the frame is the table's width: columns of 32, 55, 32 and 55 mm from its left edge
    spanned = shaded_boxes([("Vérification", "lecture de 100 blocs : conforme", "", "")],
                           tmp_path / "spanned.pdf")  # fmt: skip
    assert spanned and all(right <= 32.5 for _, right in spanned), spanned
    paired = shaded_boxes([("Méthode", "écrasement", "Résultat", "réussi")], tmp_path / "p.pdf")
    assert any(left >= 86.5 for left, _ in paired), paired  # the second label is shaded
