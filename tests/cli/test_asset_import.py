"""`assetctl asset import FILE.csv`: French spreadsheet CSV, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.helpers import add_args, count_rows, snapshot

SEMICOLON_CP1252 = (
    "Type;Marque;Modèle;N° de série;Origine;Date d'achat;Inventaire;Prix;Remarques\r\n"
    "desktop;Dell Inc.;OptiPlex 7010;7XK3Q2J;reconditionné;01/03/2014;INV-2014-0042;;"
    "écran rayé\r\n"
    "laptop;Lenovo;ThinkPad L14 Gen 4;PF3ABC12;achat;15/09/2024;;1 234,50 €;\r\n"
    ";;;;;;;;\r\n"
    "printer;Brother;DCP-L2530DW;E78123;purchased;2024-09-15;;189,9;\r\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_semicolon_windows_1252_french_headers(cli_db: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "arrivage.csv", SEMICOLON_CP1252, "cp1252")
    result = cli_db.ok("asset", "import", str(path))
    assert result.stdout.split() == ["LMM-PC-00001", "LMM-PP-00001", "LMM-IM-00001"]
    assert "Imported 3 device(s) (1 desktop, 1 laptop, 1 printer)" in result.stderr
    rows = {r["tag"]: r for r in json.loads(cli_db.ok("asset", "list", "--json").stdout)}
    desktop = rows["LMM-PC-00001"]
    assert (desktop["manufacturer"], desktop["origin"], desktop["acquired"]) == (
        "Dell",
        "refurbished",
        "2014-03-01",
    )
    assert desktop["notes"] == "écran rayé"
    assert rows["LMM-PP-00001"]["unit_price"] == "1234.50"
    assert rows["LMM-PP-00001"]["acquired"] == "2024-09-15"
    assert rows["LMM-IM-00001"]["unit_price"] == "189.90"
    history = json.loads(cli_db.ok("asset", "show", "LMM-PC-00001", "--json").stdout)["history"]
    assert history[0]["action"] == "registered"
    assert history[0]["reason"] == "import arrivage.csv"


def test_comma_utf8_with_bom_and_given_tags(cli_db: Cli, tmp_path: Path) -> None:
    text = (
        "\ufeffkind,manufacturer,model,serial,origin,acquired,tag,unit_price\n"
        'desktop,HP,"EliteDesk 800 G1, SFF",CZC4,refurbished,2014-01-02,lmm-pc-00007,\n'
        "desktop,HP,EliteDesk 800 G1,CZC5,refurbished,2014-01-02,,\n"
        'laptop,Dell,Latitude 5420,9ZX,purchased,,,"1,234.50"\n'
    )
    path = write(tmp_path, "bom.csv", text)
    result = cli_db.ok("asset", "import", str(path))
    assert result.stdout.split() == ["LMM-PC-00007", "LMM-PC-00008", "LMM-PP-00001"]
    shown = json.loads(cli_db.ok("asset", "show", "LMM-PC-00007", "--json").stdout)
    assert shown["model"] == "EliteDesk 800 G1, SFF"
    laptop = json.loads(cli_db.ok("asset", "show", "LMM-PP-00001", "--json").stdout)
    assert laptop["unit_price"] == "1234.50"


def test_every_bad_row_is_reported_and_nothing_is_imported(cli_db: Cli, tmp_path: Path) -> None:
    cli_db.ok(
        *add_args("desktop", "refurbished", "Dell", "OptiPlex", "TAKEN1"),
        "--acquired",
        "2014-01-01",
    )
    before = snapshot(cli_db.db_url)
    text = (
        "kind;manufacturer;model;serial;origin;acquired;unit_price;tag\n"
        "desktop;Dell;OptiPlex 7010;GOOD1;refurbished;01/03/2014;;\n"  # 2 ok
        "toaster;Dell;X;S2;refurbished;01/03/2014;;\n"  # 3 kind
        "desktop;Dell;X;S3;refurbished;32/13/2014;;\n"  # 4 date
        "laptop;Lenovo;T14;S4;purchased;;12 euros;\n"  # 5 price
        "desktop;DELL INC.;X;taken1;refurbished;2014-01-01;;\n"  # 6 in database
        "desktop;Dell;X;GOOD1;refurbished;2014-01-01;;\n"  # 7 twice in file
        "laptop;Lenovo;T14;;purchased;;;\n"  # 8 no serial
        "laptop;Lenovo;T14;S9;purchased;;;LMM-PC-00099\n"  # 9 tag kind
        "desktop;Dell;X;S10;refurbished;2014-01-01;;LMM-PC-00001\n"  # 10 tag used
        "desktop;Dell;;S11;refurbished;2014-01-01;;\n"  # 11 no model
        "desktop;Dell;X;S12;refurbished;2014-01-01;;;extra\n"
    )  # 12 extra cell
    path = write(tmp_path, "bad.csv", text)
    result = cli_db.fails("asset", "import", str(path))
    err = result.stderr
    assert "10 bad row(s); nothing was imported" in err
    expected = {
        3: "kind 'toaster' is not one of",
        4: "acquired '32/13/2014' is not a real date",
        5: "unit_price '12 euros' is not an amount in euros",
        6: "serial TAKEN1 is already registered as LMM-PC-00001",
        7: "serial GOOD1 is also on line 2",
        8: "serial is required for a laptop",
        9: "is a desktop tag",
        10: "tag LMM-PC-00001 is already used",
        11: "model is required",
        12: "cells for 8 columns",
    }
    for line, message in expected.items():
        assert f"line {line}: " in err and message in err, (line, message, err)
    assert "line 2:" not in err
    # one bad row per line of the message, not one line with "\x0a" between them (issue 15)
    listed = [row for row in err.splitlines() if row.startswith("  line ")]
    assert len(listed) == 10 and "\\x0a" not in err, err
    assert snapshot(cli_db.db_url) == before


def test_line_numbers_count_quoted_newlines(cli_db: Cli, tmp_path: Path) -> None:
    text = (
        "kind,manufacturer,model,serial,origin,notes\n"
        'desktop,Dell,X,S1,refurbished,"two\nlines"\n'
        "desktop,Dell,X,S2,nowhere,\n"
    )
    result = cli_db.fails("asset", "import", str(write(tmp_path, "q.csv", text)))
    assert "line 4: origin 'nowhere'" in result.stderr


def test_dry_run_checks_and_writes_nothing(cli_db: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "arrivage.csv", SEMICOLON_CP1252, "cp1252")
    before = snapshot(cli_db.db_url)
    result = cli_db.ok("asset", "import", str(path), "--dry-run")
    assert "3 rows are valid" in result.stderr
    assert snapshot(cli_db.db_url) == before


def test_file_level_errors(cli_db: Cli, tmp_path: Path) -> None:
    before = snapshot(cli_db.db_url)
    empty = cli_db.fails("asset", "import", str(write(tmp_path, "empty.csv", "")))
    assert "is empty" in empty.stderr
    header_only = write(tmp_path, "h.csv", "kind;manufacturer;model;origin\n")
    assert "no rows to import" in cli_db.fails("asset", "import", str(header_only)).stderr
    unknown = write(tmp_path, "u.csv", "kind;manufacturer;model;origin;colour\nx;y;z;w;v\n")
    assert "unknown column(s) 'colour'" in cli_db.fails("asset", "import", str(unknown)).stderr
    missing = write(tmp_path, "m.csv", "kind;model;origin\ndesktop;x;purchased\n")
    assert "missing column(s) manufacturer" in cli_db.fails("asset", "import", str(missing)).stderr
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    cli_db.fails("asset", "import", str(binary))
    assert cli_db("asset", "import", str(tmp_path / "absent.csv")).exit_code == 2
    assert snapshot(cli_db.db_url) == before


def test_import_of_many_rows_is_one_transaction(cli_db: Cli, tmp_path: Path) -> None:
    lines = ["kind;manufacturer;model;serial;origin;acquired"]
    lines += [f"desktop;Dell;OptiPlex 7010;SN{i:05d};refurbished;01/03/2014" for i in range(2500)]
    lines.append("desktop;Dell;OptiPlex 7010;SN00042;refurbished;01/03/2014")
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    result = cli_db.fails("asset", "import", str(path))
    assert "line 2502: Dell serial SN00042 is also on line 44" in result.stderr
    assert count_rows(cli_db.db_url, "asset") == 0
    path.write_text("\n".join(lines[:-1]) + "\n")
    done = cli_db.ok("asset", "import", str(path))
    assert len(done.stdout.split()) == 2500
    assert count_rows(cli_db.db_url, "asset") == 2500
    assert count_rows(cli_db.db_url, "asset_event") == 2500
    # tags continue after an import
    nxt = cli_db.ok(
        *add_args("desktop", "refurbished", "Dell", "X", "NEXT"),
        "--acquired",
        "2014-01-01",
    )
    assert nxt.stdout.strip() == "LMM-PC-02501"


def test_an_empty_location_cell_means_the_bench(cli_db: Cli, tmp_path: Path) -> None:
    text = (
        "kind;manufacturer;model;serial;origin;acquired;location\n"
        "desktop;Dell;OptiPlex;S1;refurbished;01/03/2014;Storage\n"
        "desktop;Dell;OptiPlex;S2;refurbished;01/03/2014;\n"
    )
    cli_db.ok("asset", "import", str(write(tmp_path, "loc.csv", text)))
    rows = {
        r["serial"]: r["location"] for r in json.loads(cli_db.ok("asset", "list", "--json").stdout)
    }
    assert rows == {"S1": "storage", "S2": "bench"}


HEADER = "kind;manufacturer;model;serial;origin"


def test_limits_are_checked_while_reading(cli_db: Cli, tmp_path: Path) -> None:
    """An endless file, a huge header, too many columns, a huge cell: a clear error each,
    found without reading it all, and nothing imported."""
    before = snapshot(cli_db.db_url)
    assert "larger than 50 MiB" in cli_db.fails("asset", "import", "/dev/zero").stderr
    cases = {
        "header.csv": ("x" * 10_000_000 + "\n", "line 1: over 65,536 characters"),
        "columns.csv": (";".join(f"c{i}" for i in range(150)) + "\n", "150 columns, more than 100"),
        "cell.csv": (
            HEADER + "\nlaptop;Lenovo;" + "L" * 20_000 + ";SN1;achat\n",
            "line 2: a cell of 20,000 characters (at most 10,000)",
        ),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = cli_db.fails("asset", "import", str(path))
        assert message in result.stderr, (name, result.stderr[:300])
        assert len(result.stderr) < 2000  # the error does not repeat the huge input
    assert snapshot(cli_db.db_url) == before


def test_any_bytes_give_an_import_or_a_clear_refusal(cli_db: Cli, tmp_path: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    path = tmp_path / "any.csv"
    header = HEADER.encode()

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.binary(max_size=400), st.booleans())
    def check(data: bytes, with_header: bool) -> None:
        path.write_bytes(header + b"\n" + data if with_header else data)
        before = snapshot(cli_db.db_url)
        result = cli_db("asset", "import", str(path))
        assert result.exit_code in (0, 1), (result.exit_code, result.stderr, data)
        assert "Traceback" not in result.stderr and "bug" not in result.stderr
        if result.exit_code == 1:
            assert result.stderr.startswith("Error: ")
            assert snapshot(cli_db.db_url) == before

    check()
