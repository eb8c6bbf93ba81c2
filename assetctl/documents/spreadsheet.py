"""Spreadsheets (.xlsx) for French offices: one sheet per table, French headers and values (from
:mod:`assetctl.vocabulary`), dates as dates and money as money (typed cells: the office's Excel
shows them in its own format and sums them), a bold header, widths that fit. The English codes
stay in ``--json`` and ``--csv``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assetctl.documents.formats import DEFAULT_ZONE, ISO_DATE, ISO_TIMESTAMP, in_zone
from assetctl.safe_text import visible
from assetctl.vocabulary import VALUES_FR, column_fr

Table = tuple[Sequence[str], Sequence[dict[str, Any]]]

EUROS_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"
TIME_FORMAT = "DD/MM/YYYY HH:MM"
ITEM_COLUMNS = ("indicator", "item")  # columns whose values are report items' codes


def write_xlsx(path: Path, sheets: dict[str, Table], zone: str = DEFAULT_ZONE) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, (columns, rows) in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append([column_fr(c) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(column_fr(c)) for c in columns]
        for row in rows:
            values = [_typed(c, row, zone) for c in columns]
            sheet.append([value for value, _ in values])
            for index, (cell, (value, number_format)) in enumerate(
                zip(sheet[sheet.max_row], values, strict=True)
            ):
                if cell.data_type == "f":  # a text that looks like a formula stays a text
                    cell.data_type = "s"
                if number_format:
                    cell.number_format = number_format
                widths[index] = max(widths[index], _shown_width(value, number_format))
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _typed(column: str, row: dict[str, Any], zone: str) -> tuple[Any, str | None]:
    """A cell's value and number format: euros from cents, dates and local times from ISO
    text, French words from codes."""
    value = row.get(column)
    if value is None:
        return None, None
    item = next((str(row[c]) for c in ITEM_COLUMNS if c in row), "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if column.endswith("_cents") or (column == "value" and item.endswith("_cents")):
            return value / 100, EUROS_FORMAT
        if column == "euros":
            return value, EUROS_FORMAT
        return value, None
    if isinstance(value, bool):
        return ("oui" if value else "non"), None
    if isinstance(value, datetime):
        return _local(value, zone), TIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, list | dict):
        import json

        value = json.dumps(value, ensure_ascii=False)
    text = visible(str(value))  # an xlsx file cannot hold control characters
    if column in ITEM_COLUMNS:
        return column_fr(text), None
    if column in VALUES_FR:
        return ("Total" if text == "TOTAL" else VALUES_FR[column].get(text, text)), None
    if ISO_DATE.fullmatch(text):
        return date.fromisoformat(text), DATE_FORMAT
    if ISO_TIMESTAMP.fullmatch(text):
        return _local(datetime.fromisoformat(text), zone), TIME_FORMAT
    return text, None


def _local(moment: datetime, zone: str) -> datetime:
    """Excel has no time zones: the moment in the organisation's local time, naive."""
    return in_zone(moment, zone).replace(tzinfo=None)


def _shown_width(value: Any, number_format: str | None) -> int:
    if number_format == TIME_FORMAT:
        return 16
    if number_format == DATE_FORMAT:
        return 10
    if number_format == EUROS_FORMAT:
        return len(f"{value:,.2f}") + 2
    return len(str(value)) if value is not None else 0
