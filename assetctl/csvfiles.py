"""Reading CSV files as spreadsheet software in France writes them, for every importer.

``;`` or ``,`` (or tab) as delimiter, UTF-8 with or without BOM, or Windows-1252; the first line
names the columns, in any case, with the French names people use mapped to ours.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from assetctl.errors import ValidationError

# What an importer reads at most: a file larger than this is refused after reading this much
# (never the whole of /dev/zero), and no line, column count or cell goes past these.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as spreadsheets save CSV."""
    if b"\x00" in data:
        raise ValidationError(
            f"{source} is not a text file (it contains NUL bytes); save the spreadsheet as CSV"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{source} is neither UTF-8 nor Windows-1252 text (byte {exc.start}); save the "
            "spreadsheet as CSV UTF-8"
        ) from None


def read_text(path: Path) -> str:
    """A CSV file's text, whatever spreadsheet wrote it: at most MAX_FILE_BYTES are read, and
    a longer file (or an endless one, such as a device) is refused; no line is longer than
    MAX_LINE_CHARS."""
    source = str(path)
    if path.is_dir():
        raise ValidationError(f"{source} is a folder: give the CSV file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ValidationError(f"cannot read {source}: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            f"{source} is larger than {MAX_FILE_BYTES // 2**20} MiB: split it into smaller files"
        )
    text = decode(data, source)
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE_CHARS:
            raise ValidationError(
                f"{source}, line {number}: over {MAX_LINE_CHARS:,} characters; is it a CSV file?"
            )
    return text


def sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def normalize_header(name: str, aliases: Mapping[str, str]) -> str:
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return aliases.get(key, key)


def read_rows(
    text: str,
    source: str,
    fields: tuple[str, ...],
    required: tuple[str, ...],
    aliases: Mapping[str, str],
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The columns (header names in ``aliases`` mapped to ours; each must be one of
    ``fields``, the ``required`` ones present) and the non-empty rows with their line numbers
    in the file. A row with more cells than columns comes back as ``{"__error__": why}``."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError(
            f"{source} is empty: the first line must name the columns "
            f"({', '.join(fields[:6])}, ...)"
        ) from None
    except csv.Error as exc:
        raise ValidationError(f"{source}, line 1: not valid CSV ({exc})") from None
    if len(header) > MAX_COLUMNS:
        raise ValidationError(
            f"{source}: {len(header)} columns, more than {MAX_COLUMNS}; the columns are "
            f"{', '.join(fields)}"
        )
    columns = [normalize_header(name, aliases) for name in header]
    unknown = [header[i] for i, name in enumerate(columns) if name and name not in fields]
    if unknown:
        raise ValidationError(
            f"{source}: unknown column(s) {', '.join(repr(u[:40]) for u in unknown[:10])}; "
            f"the columns are {', '.join(fields)}"
        )
    duplicates = [name for name, count in Counter(c for c in columns if c).items() if count > 1]
    if duplicates:
        raise ValidationError(f"{source}: column(s) given twice: {', '.join(duplicates)}")
    missing = [name for name in required if name not in columns]
    if missing:
        raise ValidationError(f"{source}: missing column(s) {', '.join(missing)}")
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            longest = max(len(cell) for cell in record)
            if longest > MAX_CELL_CHARS:
                rows.append(
                    (start, {"__error__": f"a cell of {longest:,} characters (at most "
                                           f"{MAX_CELL_CHARS:,})"})
                )  # fmt: skip
                continue
            if len(record) > len(columns) and any(c.strip() for c in record[len(columns) :]):
                rows.append(
                    (
                        start,
                        {
                            "__error__": f"{len(record)} cells for {len(columns)} "
                            "columns (a stray delimiter?)"
                        },
                    )
                )
                continue
            rows.append(
                (
                    start,
                    {
                        name: record[i] if i < len(record) else ""
                        for i, name in enumerate(columns)
                        if name
                    },
                )
            )
    except csv.Error as exc:
        raise ValidationError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    return columns, rows
