"""`assetctl label ...`: print to PDF and through a real CUPS queue, reserve, calibrate."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.helpers import add_args, decode_pdf, pdf_text, snapshot

QUEUE = "assetctl-pdf"


def add(cli: Cli, kind: str, serial: str) -> str:
    maker = {
        "desktop": ("refurbished", "Dell", "OptiPlex 7010"),
        "laptop": ("purchased", "Lenovo", "ThinkPad L14"),
        "printer": ("purchased", "Brother", "DCP-L2530DW"),
    }[kind]
    return cli.ok(
        *add_args(kind, maker[0], maker[1], maker[2], serial, "--acquired", "2014-01-01")
    ).stdout.strip()


def label_events(cli: Cli, tag: str) -> list[dict]:
    history = json.loads(cli.ok("asset", "show", tag, "--json").stdout)["history"]
    return [e for e in history if e["action"] == "label_printed"]


def test_print_by_tags_and_by_filter_records_each_printing(cli_db: Cli, tmp_path: Path) -> None:
    desktop, laptop = add(cli_db, "desktop", "D1"), add(cli_db, "laptop", "L1")
    add(cli_db, "laptop", "L2")
    out = tmp_path / "two.pdf"
    result = cli_db.ok("label", "print", desktop.lower(), laptop, "-o", str(out))
    assert result.stdout.strip() == str(out)
    assert sorted(t for _, t, *_ in decode_pdf(out)) == [desktop, laptop]
    by_kind = tmp_path / "laptops.pdf"
    cli_db.ok(
        "label",
        "print",
        "--kind",
        "laptop",
        "--layout",
        "avery-l7651",
        "--copies",
        "2",
        "-o",
        str(by_kind),
    )
    assert sorted(t for _, t, *_ in decode_pdf(by_kind)) == [
        "LMM-PP-00001",
        "LMM-PP-00001",
        "LMM-PP-00002",
        "LMM-PP-00002",
    ]
    assert len(label_events(cli_db, laptop)) == 2  # the reprint is in the history
    assert label_events(cli_db, laptop)[1]["details"]["layout"] == "avery-l7651"
    assert len(label_events(cli_db, desktop)) == 1


def test_payload_url_from_the_configuration(cli_db: Cli, home: Path, tmp_path: Path) -> None:
    tag = add(cli_db, "printer", "P1")
    config = home / "config.toml"
    config.write_text(
        config.read_text().replace(
            'qr_payload = "{tag}"', 'qr_payload = "https://parc.example.org/a/{tag}"'
        )
    )
    out = tmp_path / "url.pdf"
    cli_db.ok("label", "print", tag, "--layout", "dymo-11354", "-o", str(out))
    assert [t for _, t, *_ in decode_pdf(out)] == [f"https://parc.example.org/a/{tag}"]
    assert tag in pdf_text(out)


def test_continuous_tape_is_cut_at_the_given_length(cli_db: Cli, tmp_path: Path) -> None:
    import pypdfium2

    tag = add(cli_db, "desktop", "D1")
    out = tmp_path / "tape.pdf"
    cli_db.ok(
        "label", "print", tag, "--layout", "brother-ql-dk22205", "--length", "50", "-o", str(out)
    )
    page = pypdfium2.PdfDocument(str(out))[0]
    assert abs(page.get_height() / 72 * 25.4 - 50) < 0.01
    wrong = cli_db.fails("label", "print", tag, "--length", "50", "-o", str(out))
    assert "--length is for continuous tape" in wrong.stderr


def test_bad_requests_change_nothing(cli_db: Cli, tmp_path: Path) -> None:
    tag = add(cli_db, "desktop", "D1")
    before = snapshot(cli_db.db_url)
    out = tmp_path / "x.pdf"
    cases = [
        (("label", "print", "LMM-PC-09999", "-o", str(out)), "no asset with tag LMM-PC-09999"),
        (("label", "print", "-o", str(out)), "give tags, or --status"),
        (("label", "print", tag), "give -o FILE.pdf or --printer NAME"),
        (
            ("label", "print", tag, "--layout", "avery-l9999", "-o", str(out)),
            "no label layout 'avery-l9999'",
        ),
        (("label", "print", tag, "--skip", "30", "-o", str(out)), "has only 21 labels"),
        (("label", "print", "--status", "ready", "-o", str(out)), "no device matches"),
        (
            ("label", "print", tag, "--calibration", "nowhere", "-o", str(out)),
            "no calibration saved for 'nowhere'",
        ),
    ]
    for args, message in cases:
        assert message in cli_db.fails(*args).stderr, args
    if shutil.which("lp"):
        refused = cli_db.fails("label", "print", tag, "--printer", "no-such-printer")
        assert "CUPS has no printer 'no-such-printer'" in refused.stderr
    assert snapshot(cli_db.db_url) == before


def test_reserved_labels_are_claimed_at_registration(cli_db: Cli, tmp_path: Path) -> None:
    add(cli_db, "laptop", "L1")
    out = tmp_path / "reserved.pdf"
    result = cli_db.ok("label", "reserve", "--count", "3", "--kind", "laptop", "-o", str(out))
    assert result.stdout.split() == ["LMM-PP-00002", "LMM-PP-00003", "LMM-PP-00004"]
    assert sorted(t for _, t, *_ in decode_pdf(out)) == result.stdout.split()
    # the next device without a tag does not take a reserved number
    assert add(cli_db, "laptop", "L2") == "LMM-PP-00005"
    wrong_kind = cli_db.fails(
        *add_args("desktop", "refurbished", "Dell", "X", "D9", "--tag", "LMM-PP-00003")
    )
    assert "is a laptop tag" in wrong_kind.stderr
    claimed = cli_db.ok(
        *add_args("laptop", "purchased", "Lenovo", "T14", "L3", "--tag", "lmm-pp-00003")
    )
    assert claimed.stdout.strip() == "LMM-PP-00003"
    scans = cli_db.fails("scan", input="LMM-PP-00003\nLMM-PP-00004\n").stdout.splitlines()
    assert scans[0].startswith("OK LMM-PP-00003 laptop received")
    assert scans[1] == (
        "ERROR not registered yet: LMM-PP-00004 is a pre-printed label: "
        "register the device with `assetctl asset add --tag LMM-PP-00004 ...`"
    )
    # the summary counts it as what it is, not as an unknown code (issue 15)
    assert scans[-1] == "2 scan(s): 1 ok, 0 unknown, 1 not registered yet, 0 error(s)"


def test_calibration_is_saved_and_applied(cli_db: Cli, home: Path, tmp_path: Path) -> None:
    tag = add(cli_db, "desktop", "D1")
    cli_db.ok("label", "calibrate", "bureau-dsi", "--x", "1.5", "--y", "-1")
    text = (home / "config.toml").read_text()
    assert "# Printed on labels, certificates" in text  # comments kept
    shown = cli_db.ok("config", "show").stdout
    assert "organisation" in shown
    plain, shifted = tmp_path / "plain.pdf", tmp_path / "shifted.pdf"
    cli_db.ok("label", "print", tag, "-o", str(plain))
    cli_db.ok("label", "print", tag, "-o", str(shifted), "--calibration", "bureau-dsi")
    ((_, _, x0, y0, _),) = decode_pdf(plain)
    ((_, _, x1, y1, _),) = decode_pdf(shifted)
    assert abs(x1 - x0 - 1.5) < 0.4 and abs(y1 - y0 + 1.0) < 0.4
    assert "above 20 mm" in cli_db.fails("label", "calibrate", "x", "--x", "25", "--y", "0").stderr
    sheet = tmp_path / "sheet.pdf"
    cli_db.ok(
        "label",
        "test-sheet",
        "--layout",
        "avery-l7160",
        "-o",
        str(sheet),
        "--calibration",
        "bureau-dsi",
    )
    assert "décalage x=+1.5 y=-1.0 mm" in pdf_text(sheet)


def test_layouts_listing_and_user_layouts(cli_db: Cli, home: Path, tmp_path: Path) -> None:
    names = [r["name"] for r in json.loads(cli_db.ok("label", "layouts", "--json").stdout)]
    assert {"avery-l7160", "brother-ql-dk11209", "dymo-11354"} <= set(names)
    shipped = Path(__file__).resolve().parents[2] / "labels" / "avery-l7163.toml"
    (home / "labels").mkdir()
    (home / "labels" / "herma-4626.toml").write_text(
        shipped.read_text().replace("Avery L7163", "Herma 4626")
    )
    listed = json.loads(cli_db.ok("label", "layouts", "--json").stdout)
    assert any(r["name"] == "herma-4626" and "Herma" in r["description"] for r in listed)
    tag = add(cli_db, "desktop", "D1")
    out = tmp_path / "herma.pdf"
    cli_db.ok("label", "print", tag, "--layout", "herma-4626", "-o", str(out))
    assert [t for _, t, *_ in decode_pdf(out)] == [tag]


def _cups_output_dir() -> Path:
    conf = Path("/etc/cups/cups-pdf.conf").read_text()
    match = re.search(r"^Out\s+(\S+)", conf, re.MULTILINE)
    out = match.group(1) if match else "${HOME}/PDF"
    return Path(out.replace("${HOME}", os.path.expanduser("~")))


@pytest.fixture
def cups_queue() -> str:
    ready = (
        shutil.which("lpstat")
        and subprocess.run(["lpstat", "-p", QUEUE], capture_output=True).returncode == 0
    )
    if not ready:
        why = f"CUPS queue {QUEUE} not available (scripts/start-cups.sh sets it up)"
        if os.environ.get("ASSETCTL_REQUIRE_CUPS") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return QUEUE


def test_printing_through_a_real_cups_queue(cli_db: Cli, cups_queue: str) -> None:
    tags = [add(cli_db, "desktop", f"D{i}") for i in range(3)]
    out_dir = _cups_output_dir()
    before = set(out_dir.glob("*.pdf")) if out_dir.exists() else set()
    result = cli_db.ok("label", "print", *tags, "--printer", cups_queue)
    assert re.search(rf"job {cups_queue}-\d+", result.stderr)
    deadline = time.monotonic() + 60
    new: list[Path] = []
    while time.monotonic() < deadline:
        new = [p for p in out_dir.glob("*.pdf") if p not in before] if out_dir.exists() else []
        if new and all(p.stat().st_size > 0 for p in new):
            time.sleep(0.5)  # let cups-pdf finish writing
            break
        time.sleep(0.5)
    assert new, f"cups-pdf wrote nothing in {out_dir}"
    decoded = sorted(t for p in new for _, t, *_ in decode_pdf(p))
    assert decoded == tags
    events = label_events(cli_db, tags[0])
    assert events[0]["details"]["destination"] == f"printer {cups_queue}"
    assert events[0]["details"]["job"].startswith(f"{cups_queue}-")
