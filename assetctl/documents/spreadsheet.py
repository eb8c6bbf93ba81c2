"""Spreadsheets (.xlsx) for staff: one sheet per table, a bold header, widths that fit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assetctl.safe_text import visible

Table = tuple[Sequence[str], Sequence[dict[str, Any]]]


def write_xlsx(path: Path, sheets: dict[str, Table]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, (columns, rows) in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_value(row.get(c)) for c in columns])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # a text that looks like a formula stays a text
                    cell.data_type = "s"
        for index, column in enumerate(columns, 1):
            width = max([len(str(column))] + [len(str(_value(r.get(column)) or "")) for r in rows])
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _value(value: Any) -> Any:
    if isinstance(value, list | dict):
        import json

        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return visible(value)  # an xlsx file cannot hold control characters
    return value
