"""Text that cannot be turned against its reader, in one place.

What assetctl stores came from people, spreadsheets and scanners; what it writes is read in a
terminal or opened in a spreadsheet. Two neutralisers:

- :func:`visible`, for a terminal: control characters (C0, DEL, C1: escape sequences, bells,
  carriage returns) and bidirectional overrides (which reorder what a line seems to say) are
  shown as ``\\x1b`` or ``\\u202e`` instead of acting;
- :func:`spreadsheet_text`, for CSV and xlsx cells: a text that a spreadsheet would take for a
  formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: OWASP's rule;
  a negative number and a lone ``-`` excepted) gets a leading apostrophe, which spreadsheets
  read as "this is text"; characters an xlsx file cannot hold are made visible.

And one check for input, :func:`refuse_hidden`: identifiers (serials, tags) with such characters
are refused, so that two devices cannot look alike on screen while being different.
"""

from __future__ import annotations

import re

from assetctl.errors import ValidationError

# C0 controls but none, DEL, C1 controls, and the bidirectional marks, embeddings, overrides
# and isolates (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a negative number or a lone minus is data, not a formula ("-" for "none" in reports, "-3")
_PLAIN = re.compile(r"-(\d+([.,]\d+)?)?")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control or bidirectional character written out (``\\x1b``)."""
    return _HIDDEN.sub(_shown, text)


def visible_lines(text: str) -> str:
    """Like :func:`visible`, but the line breaks of a message of several lines stay line
    breaks (a list of bad rows reads as a list); every other control character is written
    out."""
    return "\n".join(visible(line) for line in text.split("\n"))


def has_hidden(text: str) -> bool:
    return _HIDDEN.search(text) is not None


def spreadsheet_text(text: str) -> str:
    """A cell's text that a spreadsheet shows as text, never runs as a formula."""
    if text.startswith(_FORMULA_START) and not _PLAIN.fullmatch(text):
        text = "'" + text
    return visible(text)


def refuse_hidden(name: str, value: str) -> str:
    """An identifier as given, or a ValidationError if it holds control or bidirectional
    characters (a scanner in the wrong mode, a pasted escape sequence)."""
    if has_hidden(value):
        raise ValidationError(
            f"{name} {visible(value)!r} holds control or text-direction characters: type it "
            "again (or set the scanner to send plain text)"
        )
    return value
