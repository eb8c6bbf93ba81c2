"""What a hostile but fair user can type, import or scan, and what the next reader then sees:
no formula runs in a spreadsheet, no escape sequence reaches a terminal, a bad byte from a
scanner is one ERROR line and the station goes on (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Cli
from tests.helpers import add_args, snapshot

FORMULA = '=HYPERLINK("http://example.org/x";"Armoire")'
COMMAND = "+cmd|' /C calc'!A0"
ESCAPE = "\x1b[2J\x1b[31mvert\u202e"


def test_a_formula_or_an_escape_sequence_in_a_field_stays_text(cli_db: Cli, tmp_path: Path) -> None:
    tag = cli_db.ok(
        *add_args("laptop", "purchased", "Lenovo", "L14", "SN1"), "--notes", FORMULA,
        "--location", COMMAND,
    ).stdout.strip()  # fmt: skip
    cli_db.ok("asset", "edit", tag, "--model", ESCAPE)
    rows = list(csv.DictReader(io.StringIO(cli_db.ok("asset", "list", "--csv").stdout)))
    assert (rows[0]["notes"], rows[0]["location"]) == ("'" + FORMULA, "'" + COMMAND)
    assert rows[0]["model"] == "\\x1b[2J\\x1b[31mvert\\u202e"
    counts = cli_db.ok("report", "counts", "--by", "location", "--csv").stdout
    assert [row["location"] for row in csv.DictReader(io.StringIO(counts))] == [
        "'" + COMMAND,
        "TOTAL",
    ]
    for shown in (cli_db.ok("asset", "list").stdout, cli_db.ok("asset", "show", tag).stdout):
        assert "\x1b" not in shown and "\u202e" not in shown
        assert "\\x1b[31mvert" in shown
    # xlsx: the formula is a text cell, the control characters do not break the file
    workbook = tmp_path / "parc.xlsx"
    cli_db.ok("report", "counts", "--by", "location", "--xlsx", "-o", str(workbook))
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(workbook).active.iter_rows() for c in row]
    location = next(c for c in cells if c.value == COMMAND)
    assert location.data_type == "s"
    assert not any(c.data_type == "f" for c in cells)


def test_a_serial_with_hidden_characters_is_refused(cli_db: Cli) -> None:
    before = snapshot(cli_db.db_url)
    refused = cli_db.fails(*add_args("laptop", "purchased", "Lenovo", "L14", "SN\x1b[0m1"))
    assert "holds control or text-direction characters" in refused.stderr
    assert "\x1b" not in refused.stderr
    assert snapshot(cli_db.db_url) == before


def test_the_scanning_station_reads_bytes(cli_db: Cli) -> None:
    tag = cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "L14", "SN1")).stdout.strip()
    scans = b"\xff\xfeLMM\x00\n" + tag.encode() + b"\n" + b"\xe9t\xe9\n"
    result = cli_db.fails("scan", input=scans)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ERROR the scanner sent bytes that are not text")
    assert lines[1].startswith(f"OK {tag} laptop")
    assert lines[2].startswith("ERROR the scanner sent bytes that are not text")
    assert "2 scan(s) not taken" in result.stderr


scanned_lines = st.lists(
    st.one_of(
        st.binary(max_size=80),
        st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from([b"\x1b[2J", b"\xe9t\xe9", b"LMM-PP-00001", b"\x00", b"\r", b"=1+1"]),
    ).map(lambda line: line.replace(b"\n", b" ")),
    max_size=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scanned_lines)
def test_any_bytes_from_a_scanner_leave_the_station_working(
    cli_db: Cli, lines: list[bytes]
) -> None:
    if not hasattr(cli_db, "_tag"):  # one device for every example (lookups change nothing)
        cli_db._tag = cli_db.ok(*add_args("laptop", "purchased", "Dell", "5490", "HX1")).stdout  # type: ignore[attr-defined]
    tag = cli_db._tag.strip()  # type: ignore[attr-defined]
    before = snapshot(cli_db.db_url)
    result = cli_db("scan", input=b"\n".join([*lines, tag.encode()]) + b"\n")
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    *scans, summary = result.stdout.splitlines()
    assert " scan(s): " in summary, summary
    assert scans and scans[-1].startswith(f"OK {tag}"), scans  # the scans after the bad ones
    assert all(line.split(" ", 1)[0] in ("OK", "ERROR", "UNKNOWN") for line in scans), scans
    assert "\x1b" not in result.stdout + result.stderr
    assert snapshot(cli_db.db_url) == before


NOT_UTF8 = b"Emma\xff\xfe\x1b[2J us".decode("utf-8", "surrogateescape")  # as Python reads argv


def test_an_argument_that_is_not_text_is_refused_before_anything_runs(cli_db: Cli) -> None:
    """Bytes a terminal or a script sent that are not UTF-8 were a crash (exit 70) wherever the
    text was stored: every command now refuses them at once, the database as it was."""
    tag = cli_db.ok(*add_args("desktop", "refurbished", "Dell", "7010", "NU1")).stdout.strip()
    before = snapshot(cli_db.db_url)
    for command in (
        ("asset", "status", tag, "repair", "--reason", NOT_UTF8),
        ("asset", "retire", tag, "--reason", "recycled", "--note", NOT_UTF8),
        ("asset", "edit", tag, "--notes", NOT_UTF8),
        (*add_args("desktop", "refurbished", "Dell", "7010", "NU2"), "--retired-on",
         "2025-01-01", "--disposal", "recycled", "--disposal-note", NOT_UTF8),
        ("asset", "show", NOT_UTF8),
    ):  # fmt: skip
        result = cli_db.fails(*command, code=2)
        position = command.index(NOT_UTF8) + 1
        assert f"argument {position} is not text (bytes that are not UTF-8: " in result.stderr
        assert "\\xff\\xfe\\x1b[2J" in result.stderr and "\x1b" not in result.stderr
    assert snapshot(cli_db.db_url) == before


def test_a_note_longer_than_the_history_keeps_is_refused(cli_db: Cli) -> None:
    """On PostgreSQL a note over 500 characters was a crash, on SQLite it was kept whole."""
    tag = cli_db.ok(*add_args("desktop", "refurbished", "Dell", "7010", "LN1")).stdout.strip()
    before = snapshot(cli_db.db_url)
    for command in (
        ("asset", "retire", tag, "--reason", "recycled", "--note", "x" * 501),
        ("asset", "status", tag, "repair", "--reason", "x" * 20_000),
        (*add_args("desktop", "refurbished", "Dell", "7010", "LN2"), "--disposal", "recycled",
         "--disposal-note", "y" * 501),
    ):  # fmt: skip
        result = cli_db.fails(*command, code=2)
        assert "more than the 500 kept: shorten it" in result.stderr, result.stderr
    assert snapshot(cli_db.db_url) == before
    cli_db.ok("asset", "retire", tag, "--reason", "recycled", "--note", "x" * 500)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.binary(max_size=2100))
def test_any_bytes_as_a_note_are_kept_or_refused_cleanly(cli_db: Cli, raw: bytes) -> None:
    if not hasattr(cli_db, "_tag"):
        cli_db._tag = cli_db.ok(*add_args("laptop", "purchased", "Dell", "5490", "NB1")).stdout  # type: ignore[attr-defined]
    tag = cli_db._tag.strip()  # type: ignore[attr-defined]
    note = raw.decode("utf-8", "surrogateescape").replace("\x00", "")  # argv has no NUL
    before = snapshot(cli_db.db_url)
    result = cli_db("asset", "edit", tag, "--notes", note, "--reason", note[:500])
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr and "\x1b" not in result.stderr
    if result.exit_code != 0:
        assert snapshot(cli_db.db_url) == before
