"""Text as people type it: one rule for the spaces."""

from __future__ import annotations


def squeeze(value: str | None) -> str | None:
    """Single spaces, trimmed; ``None`` for nothing. Every Unicode space counts (the no-break
    spaces that French spreadsheets put in numbers and names included)."""
    if value is None:
        return None
    return " ".join(value.split()) or None


def fold_text(value: str | None) -> str:
    """How names are compared (a school, a neighbourhood): lower case, no accents, single
    spaces; "" for nothing."""
    from assetctl.vocabulary import fold

    return fold(value or "")
