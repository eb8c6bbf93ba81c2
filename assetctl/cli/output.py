"""Output formats shared by every listing: a table (default), ``--json`` or ``--csv``.

Data goes to stdout; messages and progress go to stderr (:func:`info`, :func:`warn`).
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import click

from assetctl.documents.formats import (
    DEFAULT_ZONE,
    ISO_DATE,
    ISO_TIMESTAMP,
    in_zone,
    local_time,
)
from assetctl.safe_text import spreadsheet_text, visible

F = TypeVar("F", bound=Callable[..., Any])


EXCEL = "assetctl.csv_excel"  # where --excel is kept, in the click context's meta


def _remember_excel(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[EXCEL] = True


def excel_option(function: F) -> F:
    """``--excel``: with ``--csv``, the CSV that French Excel opens in columns."""
    return click.option(
        "--excel",
        is_flag=True,
        expose_value=False,
        callback=_remember_excel,
        help="With --csv: for French Excel (; separators, BOM, decimal comma, French dates); "
        "[output] csv_excel makes it the default.",
    )(function)


def output_options(function: F) -> F:
    """Add ``--json``, ``--csv`` and ``--excel`` to a command (as the ``output`` argument)."""
    function = excel_option(function)
    function = click.option(
        "--csv", "output", flag_value="csv", help="Output CSV (for spreadsheets and mail merges)."
    )(function)
    function = click.option("--json", "output", flag_value="json", help="Output JSON.")(function)
    return click.option("--table", "output", flag_value="table", default=True, hidden=True)(
        function
    )


def info(message: str) -> None:
    click.echo(visible(message), err=True)


def warn(message: str) -> None:
    click.secho(f"Warning: {visible(message)}", err=True, fg="yellow")


def cell(value: Any) -> str:
    """A value as a table shows it (moments to the minute in the organisation's local time,
    ``[organisation] time_zone``), with control and text-direction characters written out
    (safe_text.visible)."""
    return visible(_cell(value))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and ISO_TIMESTAMP.fullmatch(value):
        return in_zone(value, _zone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime):
        return in_zone(value, _zone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def describe(value: Any) -> str:
    """A value for people to read: nothing for an empty one, a list joined with commas, a
    mapping as ``key value`` pairs (never a Python or JSON repr)."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(text for text in (describe(v) for v in value) if text)
    if isinstance(value, dict):
        return ", ".join(
            f"{k.replace('_', ' ')} {text}" for k, v in value.items() if (text := describe(v))
        )
    return cell(value)


def details_text(details: dict[str, Any]) -> str:
    """An event's details on one line: ``key: value; key: value``, empty ones left out."""
    return "; ".join(
        f"{key.replace('_', ' ')}: {text}" for key, v in details.items() if (text := describe(v))
    )


def print_fields(data: dict[str, Any], width: int = 20) -> None:
    """A record for people: one ``key  value`` line per field (long lists wrapped under their
    value), a mapping's fields indented below its key, empty fields left out."""
    import shutil
    import textwrap

    columns = max(60, shutil.get_terminal_size((100, 24)).columns)
    for key, value in data.items():
        label = key.replace("_", " ")
        if isinstance(value, dict):
            if any(describe(v) for v in value.values()):
                click.echo(label)
                print_fields({f"  {k}": v for k, v in value.items()}, width)
            continue
        text = describe(value)
        if not text:
            continue
        lines = textwrap.wrap(
            text, columns - width - 1, break_on_hyphens=False, break_long_words=False
        ) or [text]
        click.echo(f"{label:{width}} {lines[0]}")
        for line in lines[1:]:
            click.echo(f"{'':{width}} {line}")


def euros_text(cents: int | None) -> str:
    """An amount for the terminal: ``500`` -> ``5.00 €``."""
    return f"{(cents or 0) / 100:.2f} €"


def size_text(size_bytes: int | None) -> str:
    """A disk's size as its maker counts it: ``48 MB``, ``1.6 GB``, ``500 GB``; ``size
    unknown``."""
    if not size_bytes:
        return "size unknown"
    value = size_bytes / 1e9
    if value < 1:
        return f"{size_bytes / 1e6:.0f} MB"
    return f"{value:.1f} GB" if value < 100 else f"{value:.0f} GB"


def disk_text(model: str | None, serial: str | None, size_bytes: int | None) -> str:
    """``ST500DM002, serial Z3T1ABCD, 500 GB``, saying what the disk did not report."""
    return (
        f"{cell(model) if model else 'model not reported'}, "
        f"{'serial ' + cell(serial) if serial else 'no serial reported'}, {size_text(size_bytes)}"
    )


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: a text a spreadsheet would run as a formula is made plain text
    (safe_text.spreadsheet_text); numbers stay numbers."""
    if isinstance(value, str):
        return spreadsheet_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return cell(value)


def _excel_wanted() -> bool:
    """``--excel`` was given, or ``[output] csv_excel`` is set."""
    context = click.get_current_context(silent=True)
    if context is None:
        return False
    if context.meta.get(EXCEL):  # click shares meta between a command and its groups
        return True
    from assetctl.cli.context import AppContext

    app = context.find_object(AppContext)
    return app is not None and app.settings.csv_excel


def excel_cell(value: Any) -> str:
    """A value as French Excel reads it: decimal comma, dates ``02/12/2026``, timestamps in
    local time ``02/12/2026 17:43`` (a text that looks like a formula stays a text)."""
    if isinstance(value, float):
        return f"{value}".replace(".", ",")
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        if ISO_DATE.fullmatch(value):
            return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
        if ISO_TIMESTAMP.fullmatch(value):
            return local_time(value, _zone())
        if _DECIMAL.fullmatch(value):
            return value.replace(".", ",")
        return spreadsheet_text(value)
    if isinstance(value, datetime):
        return local_time(value, _zone())
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return cell(value)


_DECIMAL = re.compile(r"-?\d+\.\d+")


def _zone() -> str:
    """The organisation's time zone, from the running command's settings."""
    from assetctl.cli.context import AppContext

    context = click.get_current_context(silent=True)
    app = context.find_object(AppContext) if context else None
    return app.settings.time_zone if app else DEFAULT_ZONE


def dumps_json(data: Any, *, indent: bool = True) -> bytes:
    import orjson

    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(data, option=option)


def emit_json_lines(objects: Iterable[str]) -> int:
    """A JSON array streamed one object (already encoded) per line; returns the count."""
    out = sys.stdout
    iterator = iter(objects)
    first = next(iterator, None)  # errors (no database, old schema) before any output
    if first is None:
        out.write("[]\n")
        return 0
    out.write("[\n" + first)
    count = 1
    for text in iterator:
        out.write(",\n" + text)
        count += 1
    out.write("\n]\n")
    return count


def emit_rows(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    output: str,
    table_columns: Sequence[str] | None = None,
) -> int:
    """Write rows in the chosen format; returns how many were written."""
    out = sys.stdout
    count = 0
    if output == "json":
        return emit_json_lines(
            dumps_json({c: row.get(c) for c in columns}, indent=False).decode() for row in rows
        )
    if output == "csv":
        excel = _excel_wanted()
        if excel:
            out.write("\ufeff")  # the BOM: Excel then reads UTF-8
        writer = csv.writer(
            out, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n"
        )
        writer.writerow(columns)
        to_cell = excel_cell if excel else csv_cell
        for row in rows:
            writer.writerow([to_cell(row.get(c)) for c in columns])
            count += 1
        return count
    shown = list(table_columns or columns)
    cells = [[cell(row.get(c)) for c in shown] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(shown)]
    out.write("  ".join(c.upper().ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip())
    out.write("\n")
    for r in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() + "\n")
    return len(cells)


def emit_json(data: Any) -> None:
    sys.stdout.write(dumps_json(data).decode() + "\n")
