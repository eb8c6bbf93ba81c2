"""The paragraph every document sets: reportlab's, with French typography applied to its
text (:func:`assetctl.documents.formats.french_spaces`: « », :, ;, ?, ! and n° held to their
word by a no-break space). Imported when a document is made, as reportlab is."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph as _Paragraph

from assetctl.documents.formats import french_spaces


class Paragraph(_Paragraph):  # type: ignore[misc]
    def __init__(self, text: str, style: Any = None, *args: Any, **kwargs: Any) -> None:
        # reportlab's own Paragraph copies (a split across pages) come back through here
        shown = french_spaces(text) if isinstance(text, str) else text
        super().__init__(shown, style, *args, **kwargs)
