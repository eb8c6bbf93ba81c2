"""Document tables: columns at least as wide as their longest word where the page has room,
hyphenation only for a column narrower than a word, figures aligned on the right."""

from __future__ import annotations

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
