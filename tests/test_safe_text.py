"""The neutralisers of what assetctl writes for terminals and spreadsheets, over any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetctl.errors import ValidationError
from assetctl.safe_text import has_hidden, refuse_hidden, spreadsheet_text, visible

HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@given(st.text())
def test_nothing_reaches_a_terminal_that_acts(text: str) -> None:
    shown = visible(text)
    assert HIDDEN.search(shown) is None
    if HIDDEN.search(text) is None:
        assert shown == text  # ordinary text is left as it is


@given(st.text())
def test_no_cell_is_a_formula(text: str) -> None:
    cell = spreadsheet_text(text)
    assert HIDDEN.search(cell) is None
    assert not cell.startswith(("=", "+", "@"))
    if cell.startswith("-"):
        assert re.fullmatch(r"-(\d+([.,]\d+)?)?", cell), cell


@given(st.text())
def test_identifiers_with_hidden_characters_are_refused(text: str) -> None:
    if has_hidden(text):
        with pytest.raises(ValidationError, match="control or text-direction characters"):
            refuse_hidden("serial", text)
    else:
        assert refuse_hidden("serial", text) == text


def test_what_the_reader_sees() -> None:
    assert visible("\x1b[2J\x07rm -rf") == "\\x1b[2J\\x07rm -rf"
    assert visible("abc\u202edcba") == "abc\\u202edcba"
    assert spreadsheet_text('=HYPERLINK("http://x";"Armoire")') == (
        '\'=HYPERLINK("http://x";"Armoire")'
    )
    assert spreadsheet_text("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert spreadsheet_text("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_text("-2+3") == "'-2+3"
    assert spreadsheet_text("\tx") == "'\\x09x"
    for plain in ("-", "-3", "-12,5", "12,5", "Armoire B"):
        assert spreadsheet_text(plain) == plain
    assert spreadsheet_text("+") == "'+"
    assert spreadsheet_text("+33 6 12 34 56 78") == "'+33 6 12 34 56 78"
