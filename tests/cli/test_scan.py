"""`assetctl scan`: the scanning station fed what USB scanners really type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.helpers import add_args

# What a QWERTY-configured scanner types on a French AZERTY PC, per character of a tag.
QWERTY_ON_AZERTY = {
    "M": "?",
    "-": ")",
    "0": "à",
    "1": "&",
    "2": "é",
    "3": '"',
    "4": "'",
    "5": "(",
    "6": "-",
    "7": "è",
    "8": "_",
    "9": "ç",
    "A": "Q",
    "Q": "A",
    "W": "Z",
    "Z": "W",
}


def garble(tag: str) -> str:
    return "".join(QWERTY_ON_AZERTY.get(ch, ch) for ch in tag)


@pytest.fixture
def fleet(cli_db: Cli) -> Cli:
    """Three devices on the bench, one in storage, one retired."""
    cli_db.ok(
        *add_args(
            "desktop", "refurbished", "Dell", "OptiPlex 7010", "7XK3Q2J", "--acquired", "2014-03-01"
        )
    )  # LMM-PC-00001
    cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "ThinkPad L14", "PF4XYZ01"))  # PP-1
    cli_db.ok(
        *add_args(
            "laptop", "purchased", "Lenovo", "ThinkPad L14", "PF4XYZ02", "--location", "storage"
        )
    )  # LMM-PP-00002
    cli_db.ok(*add_args("printer", "purchased", "Brother", "DCP-L2530DW", "E78123A0"))
    cli_db.ok(
        *add_args("desktop", "refurbished", "HP", "Compaq 8200", "CZC1", "--acquired", "2012-01-01")
    )  # LMM-PC-00002
    cli_db.ok("asset", "retire", "LMM-PC-00002", "--reason", "e-waste")
    return cli_db


def test_lookup_of_a_mixed_scan_session(fleet: Cli, home: Path) -> None:
    config = home / "config.toml"
    config.write_text(
        config.read_text().replace(
            'qr_payload = "{tag}"', 'qr_payload = "https://parc.example.org/a/{tag}"'
        )
    )
    scans = [
        "LMM-PC-00001\r",  # tag + CR
        "  lmm-pp-00001  ",  # lower case, stray spaces
        "",  # an empty line: ignored
        "pf4xyz02",  # a serial, in lower case
        "https://parc.example.org/a/LMM-IM-00001",  # the QR URL
        "HTTPS://PARC.EXAMPLE.ORG/A/lmm-pp-00002/",  # the URL shouted, with a slash
        "XYZ-123",  # unknown
        "\x1b[Aqwerty",  # junk with a control character
        garble("LMM-PP-00001"),  # a QWERTY scanner on an AZERTY PC
        "LMM-PC-00002",  # retired: still found
        "LMM-PC-00009",  # our shape but never issued
        "x" * 300,  # far too long
    ]
    result = fleet.fails("scan", input="\n".join(scans) + "\n")
    assert "Error: 4 scan(s) not taken" in result.stderr
    assert result.stdout.splitlines() == [
        "OK LMM-PC-00001 desktop received bench",
        "OK LMM-PP-00001 laptop received bench",
        "OK LMM-PP-00002 laptop received storage",
        "OK LMM-IM-00001 printer received bench",
        "OK LMM-PP-00002 laptop received storage",
        'ERROR unknown code "XYZ-123"',
        'ERROR unknown code "[Aqwerty"',
        "OK LMM-PP-00001 laptop received bench (warning: the scanner types with a US "
        "keyboard layout: set it to French (AZERTY))",
        "OK LMM-PC-00002 desktop retired bench",
        'ERROR unknown code "LMM-PC-00009"',
        'ERROR code too long (300 characters): "' + "x" * 40 + '..."',
        "11 scan(s): 7 ok, 3 unknown, 1 error(s)",
    ]
    assert result.stderr.count("\a") == 4  # the bell rang on every error


def test_a_serial_shared_by_two_vendors_asks_for_the_tag(fleet: Cli) -> None:
    fleet.ok(
        *add_args(
            "desktop", "refurbished", "HP", "EliteDesk", "7XK3Q2J", "--acquired", "2014-01-01"
        )
    )
    line = fleet.fails("scan", input="7xk3q2j\n").stdout.splitlines()[0]
    assert line == (
        "ERROR serial 7XK3Q2J belongs to several devices (LMM-PC-00001, LMM-PC-00003): scan the tag"
    )


def test_checkin_moves_devices_and_records_it(fleet: Cli) -> None:
    out = fleet.fails(
        "scan",
        "--mode",
        "checkin",
        "--location",
        "Armoire B2",
        input="LMM-PC-00001\nLMM-PC-00001\nnope\nPF4XYZ02\n",
    ).stdout.splitlines()
    assert out == [
        "OK LMM-PC-00001 desktop received Armoire B2 - checked in",
        "OK LMM-PC-00001 desktop received Armoire B2 - already here",
        'ERROR unknown code "nope"',
        "OK LMM-PP-00002 laptop received Armoire B2 - checked in",
        "4 scan(s): 3 ok, 1 unknown, 0 error(s)",
    ]
    history = json.loads(fleet.ok("asset", "show", "LMM-PP-00002", "--json").stdout)["history"]
    assert history[-1]["action"] == "location"
    assert history[-1]["details"]["changes"]["location"] == ["storage", "Armoire B2"]
    assert history[-1]["reason"] == "scan checkin"
    assert "needs --location" in fleet.fails("scan", "--mode", "checkin", input="").stderr


def test_audit_reports_missing_misplaced_and_unknown(fleet: Cli, tmp_path: Path) -> None:
    scans = tmp_path / "scanner-memory.txt"
    scans.write_text("LMM-PC-00001\r\nlmm-pc-00001\r\nPF4XYZ02\r\nBOGUS-1\r\n")
    out = fleet.fails(
        "scan", "--mode", "audit", "--location", "BENCH", "--from", str(scans)
    ).stdout.splitlines()
    assert out == [
        "OK LMM-PC-00001 desktop received bench - expected here",
        "OK LMM-PC-00001 desktop received bench - already scanned",
        "OK LMM-PP-00002 laptop received storage - NOT EXPECTED HERE (recorded at storage)",
        'ERROR unknown code "BOGUS-1"',
        # the retired desktop is on the bench too but no longer expected anywhere
        "Audit 1 of bench: 3 expected, 1 found, 2 missing, 1 misplaced, 1 unknown code(s)",
        "Expected here but not scanned:",
        "  LMM-IM-00001 printer received",
        "  LMM-PP-00001 laptop received",
        "Scanned here but recorded elsewhere:",
        "  LMM-PP-00002 laptop received (recorded at storage)",
        "Unknown codes:",
        '  "BOGUS-1"',
        "4 scan(s): 3 ok, 1 unknown, 0 error(s)",
    ]
    # the same scans typed at the keyboard give the same lines
    typed = fleet.fails(
        "scan", "--mode", "audit", "--location", "bench", input=scans.read_text()
    ).stdout.splitlines()
    assert typed[:4] == out[:4] and typed[5:] == out[5:]
    assert typed[4].startswith("Audit 2 of bench")
    audits = json.loads(fleet.ok("audit", "list", "--json").stdout)
    assert [
        (a["id"], a["expected"], a["found"], a["missing"], a["misplaced"], a["unknown"])
        for a in audits
    ] == [(2, 3, 1, 2, 1, 1), (1, 3, 1, 2, 1, 1)]
    items = json.loads(fleet.ok("audit", "show", "1", "--json").stdout)
    assert [(i["outcome"], i["tag"] or i["code"]) for i in items] == [
        ("missing", "LMM-IM-00001"),
        ("missing", "LMM-PP-00001"),
        ("misplaced", "LMM-PP-00002"),
        ("unknown", "BOGUS-1"),
        ("found", "LMM-PC-00001"),
    ]
    assert "no audit number 9" in fleet.fails("audit", "show", "9").stderr


def test_lookup_changes_nothing(fleet: Cli) -> None:
    from tests.helpers import snapshot

    before = snapshot(fleet.db_url)
    fleet.fails("scan", input="LMM-PC-00001\nzzz\n" + garble("LMM-IM-00001") + "\n")
    assert snapshot(fleet.db_url) == before
