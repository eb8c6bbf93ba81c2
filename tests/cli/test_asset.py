"""`assetctl asset ...` as a technician types it, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import Cli
from tests.helpers import add_args, snapshot

DESKTOP = (
    "asset",
    "add",
    "--kind",
    "desktop",
    "--origin",
    "refurbished",
    "--manufacturer",
    "Dell Inc.",
    "--model",
    "OptiPlex 7010",
    "--acquired",
    "01/03/2014",
)


def add_desktop(cli: Cli, serial: str, *extra: str) -> str:
    return cli.ok(*DESKTOP, "--serial", serial, *extra).stdout.strip()


def test_add_prints_new_tags_per_kind(cli_db: Cli) -> None:
    assert add_desktop(cli_db, "7XK3Q2J") == "LMM-PC-00001"
    assert add_desktop(cli_db, "8YL4R3K") == "LMM-PC-00002"
    laptop = cli_db.ok(
        *add_args("laptop", "purchased", "Lenovo", "ThinkPad L14", "PF3ABC12"),
        "--unit-price",
        "649,90",
        "--order-ref",
        "MP-2024-17",
        "--warranty-end",
        "2027-09-30",
        "--acquired",
        "2024-09-30",
    )
    assert laptop.stdout.strip() == "LMM-PP-00001"
    printer = cli_db.ok(
        *add_args("printer", "purchased", "Brother", "DCP-L2530DW", "E78"),
    )
    assert printer.stdout.strip() == "LMM-IM-00001"


def test_show_json_uses_the_documented_field_names(cli_db: Cli) -> None:
    tag = add_desktop(
        cli_db,
        "7xk3q2j",
        "--former-inventory",
        "INV-2014-0042",
        "--ram",
        "8G",
        "--disk",
        "model=ST500DM002,serial=z3t1abcd,size=500G,type=hdd",
    )
    view = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)
    assert view["tag"] == "LMM-PC-00001"
    assert view["kind"] == "desktop"
    assert view["status"] == "received"
    assert view["manufacturer"] == "Dell"  # "Dell Inc." from DMI is the same vendor
    assert view["serial"] == "7XK3Q2J"
    assert view["origin"] == "refurbished"
    assert view["acquired"] == "2014-03-01"
    assert view["former_inventory"] == "INV-2014-0042"
    assert view["ram_mb"] == 8192
    assert view["location"] == "bench"
    assert view["disks"] == [
        {
            "model": "ST500DM002",
            "serial": "Z3T1ABCD",
            "size_bytes": 500_000_000_000,
            "media_type": "hdd",
        }
    ]
    assert view["family_ready"] is False
    assert [e["action"] for e in view["history"]] == ["registered"]
    assert view["history"][0]["actor"] == "tester"


def test_tags_are_matched_trimmed_and_in_any_case(cli_db: Cli) -> None:
    tag = add_desktop(cli_db, "7XK3Q2J")
    shown = cli_db.ok("asset", "show", f"  {tag.lower()} \r")
    assert "LMM-PC-00001" in shown.stdout


def test_unknown_tag_is_a_clear_error(cli_db: Cli) -> None:
    add_desktop(cli_db, "7XK3Q2J")
    result = cli_db.fails("asset", "show", "LMM-PC-09999")
    assert "no asset with tag or serial number LMM-PC-09999" in result.stderr
    # a command that changes a device takes its tag, and says whose serial was typed
    serial = cli_db.fails("asset", "edit", "7xk3q2j", "--notes", "x")
    assert "serial number of LMM-PC-00001" in serial.stderr


def test_show_finds_a_device_by_its_serial(cli_db: Cli) -> None:
    """Reading a device takes its serial too (issue 15): the sticker under a machine is
    sometimes all there is."""
    add_desktop(cli_db, "7XK3Q2J")
    assert cli_db.ok("asset", "show", "7xk3q2j").stdout.startswith(
        "tag                LMM-PC-00001"
    )
    shown = json.loads(cli_db.ok("asset", "show", " 7XK3Q2J ", "--json").stdout)
    assert shown["tag"] == "LMM-PC-00001"
    # the same serial from two makers: the tag is needed
    cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "T480", "7XK3Q2J"))
    both = cli_db.fails("asset", "show", "7xk3q2j")
    assert "several makers' devices: LMM-PC-00001, LMM-PP-00001; give the tag" in both.stderr


def test_show_reads_as_text_for_people(cli_db: Cli) -> None:
    """No Python or JSON reprs, no "?" and no empty "key=" in what `asset show` prints."""
    import re

    tag = add_desktop(cli_db, "7XK3Q2J", "--disk", "model=ST500DM002,size=500G,type=hdd")
    cli_db.ok("asset", "edit", tag, "--notes", "clavier manquant")
    from assetctl.assets import find_asset
    from assetctl.db import make_engine, session_scope
    from assetctl.lifecycle import record_event

    engine = make_engine(cli_db.db_url)
    with session_scope(engine) as session:  # what bench discover records, empty values too
        record_event(session, find_asset(session, tag), actor="bench", action="discovered",
                     details={"bios_date": "06/30/2013", "chassis_type": "", "smart": {},
                              "macs": ["02:e1:00:ec:ff:bf", "02:fc:00:00:00:01"],
                              "warnings": []})  # fmt: skip
    engine.dispose()
    text = cli_db.ok("asset", "show", tag).stdout
    assert "ST500DM002, no serial reported, 500 GB, hdd" in text
    assert "discovered  bios date: 06/30/2013; macs: 02:e1:00:ec:ff:bf, 02:fc:00:00:00:01" in text
    assert not re.search(r"[\[\]{}?]|\w=", text), text


def test_duplicate_serial_is_refused_and_nothing_changes(cli_db: Cli) -> None:
    add_desktop(cli_db, "7XK3Q2J")
    before = snapshot(cli_db.db_url)
    result = cli_db.fails(
        *add_args("desktop", "refurbished", "DELL", "X", " 7xk3q2j "),
    )
    assert "already registered as LMM-PC-00001" in result.stderr
    assert snapshot(cli_db.db_url) == before
    # the same serial from another manufacturer is another device
    other = cli_db.ok(
        *add_args("desktop", "refurbished", "HP", "EliteDesk 800 G1", "7XK3Q2J"),
        "--acquired",
        "2013-05-02",
    )
    assert other.stdout.strip() == "LMM-PC-00002"


def test_given_tag_is_used_and_generated_tags_skip_past_it(cli_db: Cli) -> None:
    assert add_desktop(cli_db, "A1", "--tag", " lmm-pc-00040 ") == "LMM-PC-00040"
    assert add_desktop(cli_db, "A2") == "LMM-PC-00041"
    assert add_desktop(cli_db, "A3", "--tag", "OLD-1234") == "OLD-1234"
    before = snapshot(cli_db.db_url)
    reused = cli_db.fails(*DESKTOP, "--serial", "A4", "--tag", "LMM-PC-00040")
    assert "already used" in reused.stderr
    wrong_kind = cli_db.fails(*DESKTOP, "--serial", "A5", "--tag", "LMM-PP-00100")
    assert "is a laptop tag" in wrong_kind.stderr
    bad = cli_db.fails(*DESKTOP, "--serial", "A6", "--tag", "LMM PC#1")
    assert "not valid" in bad.stderr
    assert snapshot(cli_db.db_url) == before


def test_young_refurbished_desktop_gives_a_warning(cli_db: Cli) -> None:
    result = cli_db.ok(
        *add_args("desktop", "refurbished", "HP", "ProDesk 400 G7", "CZC1"),
        "--acquired",
        "2023-01-10",
    )
    assert result.stdout.strip() == "LMM-PC-00001"
    assert "younger than the programme's 6-year minimum" in result.stderr


def test_bad_values_are_refused_with_the_field_named(cli_db: Cli) -> None:
    before = snapshot(cli_db.db_url)
    cases = {
        ("--acquired", "31/02/2014"): "acquired '31/02/2014' is not a real date",
        ("--acquired", "March 2014"): "write 2014-03-01 or 01/03/2014",
        ("--unit-price", "douze euros"): "is not an amount in euros",
        ("--ram", "lots"): "is not a memory size",
        ("--battery-health", "140"): "percentage from 0 to 100",
        ("--disk", "model=X,size=big"): "is not a size",
        ("--warranty-end", "2010-01-01"): "is before acquired",
    }
    for (option, value), message in cases.items():
        result = cli_db.fails(*DESKTOP, "--serial", "S1", option, value)
        assert message in result.stderr, (option, result.stderr)
    missing_serial = cli_db.fails(
        "asset",
        "add",
        "--kind",
        "laptop",
        "--origin",
        "purchased",
        "--manufacturer",
        "Lenovo",
        "--model",
        "T14",
    )
    assert "serial is required for a laptop" in missing_serial.stderr
    assert snapshot(cli_db.db_url) == before


def test_usage_errors_exit_2(cli_db: Cli) -> None:
    result = cli_db("asset", "add", "--kind", "toaster", "--origin", "purchased")
    assert result.exit_code == 2
    assert "Invalid value for '--kind'" in result.stderr
    assert cli_db("asset", "status", "LMM-PC-00001").exit_code == 2


def test_list_filters_and_formats(cli_db: Cli) -> None:
    add_desktop(cli_db, "D1")
    add_desktop(cli_db, "D2", "--location", "Storage")
    cli_db.ok(
        *add_args("laptop", "purchased", "Lenovo", "T14", "L1"),
        "--unit-price",
        "1 234,50",
    )
    rows = json.loads(cli_db.ok("asset", "list", "--json").stdout)
    assert [r["tag"] for r in rows] == ["LMM-PC-00001", "LMM-PC-00002", "LMM-PP-00001"]
    assert rows[2]["unit_price"] == "1234.50"
    laptops = json.loads(cli_db.ok("asset", "list", "--kind", "laptop", "--json").stdout)
    assert [r["tag"] for r in laptops] == ["LMM-PP-00001"]
    stored = json.loads(cli_db.ok("asset", "list", "--location", "STORAGE", "--json").stdout)
    assert [r["tag"] for r in stored] == ["LMM-PC-00002"]
    assert json.loads(cli_db.ok("asset", "list", "--status", "ready", "--json").stdout) == []
    table = cli_db.ok("asset", "list", "--origin", "refurbished").stdout.splitlines()
    assert table[0].split() == [
        "TAG",
        "KIND",
        "STATUS",
        "LOCATION",
        "MANUFACTURER",
        "MODEL",
        "SERIAL",
    ]
    assert len(table) == 3
    parsed = list(csv.DictReader(io.StringIO(cli_db.ok("asset", "list", "--csv").stdout)))
    assert [r["tag"] for r in parsed] == ["LMM-PC-00001", "LMM-PC-00002", "LMM-PP-00001"]
    assert parsed[0]["acquired"] == "2014-03-01"


def test_edit_records_each_change_in_the_history(cli_db: Cli) -> None:
    tag = add_desktop(cli_db, "7XK3Q2J")
    result = cli_db.ok(
        "asset",
        "edit",
        tag,
        "--location",
        "Salle B12",
        "--notes",
        "scratched case",
        "--reason",
        "moved to the storage room",
    )
    assert "changed location, notes" in result.stderr
    unchanged = cli_db.ok("asset", "edit", tag, "--location", "Salle B12")
    assert "nothing changed" in unchanged.stderr
    cli_db.ok("asset", "edit", tag, "--notes", "")
    view = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)
    assert view["location"] == "Salle B12"
    assert view["notes"] is None
    edits = [e for e in view["history"] if e["action"] == "edit"]
    assert edits[0]["details"]["changes"]["location"] == ["bench", "Salle B12"]
    assert edits[0]["reason"] == "moved to the storage room"
    assert edits[1]["details"]["changes"]["notes"] == ["scratched case", None]
    before = snapshot(cli_db.db_url)
    cli_db.fails("asset", "edit", tag, "--model", "")
    cli_db.fails("asset", "edit", "LMM-PC-00404", "--notes", "x")
    assert cli_db("asset", "edit", tag).exit_code == 2
    assert snapshot(cli_db.db_url) == before


def test_edit_refuses_a_serial_used_by_another_device(cli_db: Cli) -> None:
    add_desktop(cli_db, "S1")
    second = add_desktop(cli_db, "S2")
    result = cli_db.fails("asset", "edit", second, "--serial", "s1")
    assert "already registered as LMM-PC-00001" in result.stderr


def test_status_follows_the_lifecycle_rules(cli_db: Cli) -> None:
    tag = add_desktop(cli_db, "S1")
    before = snapshot(cli_db.db_url)
    forbidden = cli_db.fails("asset", "status", tag, "on_loan", "--reason", "x")
    assert "cannot go from received to on_loan" in forbidden.stderr
    unwiped = cli_db.fails("asset", "status", tag, "wiped", "--reason", "trust me")
    assert "no wipe recorded since it was registered" in unwiped.stderr
    assert snapshot(cli_db.db_url) == before
    cli_db.ok("asset", "status", tag, "repair", "--reason", "no power")
    cli_db.ok("asset", "status", tag, "received", "--reason", "PSU replaced")
    view = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)
    moves = [
        (e["from_status"], e["to_status"], e["reason"])
        for e in view["history"]
        if e["action"] == "status"
    ]
    assert moves == [("received", "repair", "no power"), ("repair", "received", "PSU replaced")]


def test_retire_needs_a_disposal_reason_and_is_final(cli_db: Cli) -> None:
    tag = add_desktop(cli_db, "S1")
    sold = cli_db.fails("asset", "retire", tag, "--reason", "sold")
    assert "cannot be sold: its disks must be wiped first" in sold.stderr
    assert cli_db("asset", "retire", tag, "--reason", "burnt").exit_code == 2
    cli_db.ok("asset", "retire", tag, "--reason", "spare-parts", "--note", "motherboard dead")
    view = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)
    assert view["status"] == "retired"
    assert view["disposal"] == "spare-parts"
    again = cli_db.fails("asset", "status", tag, "received", "--reason", "oops")
    assert "none (final status)" in again.stderr
    # the advice fits its status: not "wipe it on the bench" (issue 15)
    assert view["family_ready_problems"] == [
        "it is retired, which is final: it does not go to a family again"
    ]
    assert "bench" not in cli_db.ok("asset", "show", tag).stdout.split("family_ready")[1]


def test_list_and_show_agree_on_every_field(cli_db: Cli) -> None:
    """`asset list` (the database writes the JSON) and `asset show` (Python) match exactly."""
    add_desktop(
        cli_db,
        "7XK3Q2J",
        "--former-inventory",
        "INV-1",
        "--ram",
        "4G",
        "--cpu",
        "i3",
        "--notes",
        "écran « rayé »",
        "--warranty-end",
        "2017-03-01",
    )
    cli_db.ok(
        *add_args("laptop", "purchased", "Lenovo", "T14", "L1"),
        "--unit-price",
        "1 234,05",
        "--battery-health",
        "87",
        "--order-ref",
        "MP-1",
        "--supplier",
        "UGAP",
    )
    cli_db.ok("asset", "retire", "LMM-PC-00001", "--reason", "e-waste")
    listed = json.loads(cli_db.ok("asset", "list", "--json").stdout)
    assert len(listed) == 2
    for row in listed:
        shown = json.loads(cli_db.ok("asset", "show", row["tag"], "--json").stdout)
        assert row == {key: shown[key] for key in row}
    assert listed[1]["unit_price"] == "1234.05"
    assert listed[0]["created_at"].endswith("+00:00")
    as_csv = list(csv.DictReader(io.StringIO(cli_db.ok("asset", "list", "--csv").stdout)))
    assert [dict(r) for r in as_csv] == [
        {k: "" if v is None else str(v) for k, v in row.items()} for row in listed
    ]
