"""Verification and validation (NIST SP 800-88 Rev. 2) on a disk that lies: a FUSE disk behind
a loop device that reports every write done but keeps the city's old data in one 1 MiB
region (lab/faultydisk.py), wiped for real by `bench wipe` over the test sshd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.faultydisk import faulty_disk
from lab.sshd import SshServer
from tests.conftest import Cli
from tests.helpers import pdf_text

MIB = 1024 * 1024
SIZE = 1024 * MIB
KEPT = (700 * MIB, MIB)


def _wipe(cli: Cli, sshd: SshServer, tag: str, device: str) -> tuple[bool, dict]:
    result = cli("bench", "wipe", tag, "--host", sshd.address, "--disk", device, "--yes")
    (listed, *_) = json.loads(cli.ok("wipe", "list", "--json").stdout)
    record = cli.ok("wipe", "certificate", tag, "--number", listed["certificate"], "--json")
    return result.exit_code == 0, json.loads(record.stdout)


def test_a_sample_misses_what_a_full_read_back_of_a_spinning_disk_catches(
    cli_db: Cli, sshd: SshServer, laptop: str, bench_config: Path, tmp_path: Path
) -> None:
    if not Path("/dev/fuse").exists():
        pytest.skip("no /dev/fuse here: the lying disk is a FUSE file system")
    config = bench_config.read_text()
    assert 'full_read_back = ["hdd"]' in config
    with faulty_disk(tmp_path, SIZE, [KEPT]) as disk:
        # a policy with no full read-back: the technician's 64 random blocks
        bench_config.write_text(config.replace('full_read_back = ["hdd"]', "full_read_back = []"))
        passed, sampled = _wipe(cli_db, sshd, laptop, disk.device)
        (record,) = sampled["disks"]
        # the disk kept the old data where it said it wrote zeros
        with disk.backing.open("rb") as backing:
            backing.seek(KEPT[0])
            assert backing.read(20) == b"dossier confidentiel"
        assert record["applied"] is True and record["bytes_written"] == SIZE
        coverage = record["coverage"]
        assert coverage["read_back"] == "sample" and coverage["draws"] == 64
        # 64 draws over 1024 blocks of 1 MiB all missing one given block: (1023/1024)**64
        assert coverage["missed"]["1"] == pytest.approx(0.93938, abs=1e-5)
        assert coverage["missed"]["64"] == pytest.approx(0.01608, abs=1e-5)  # (15/16)**64
        if disk.kept_region_read():  # the draw hit the region (6 % of runs): caught anyway
            assert not passed and record["verified"] is False
        else:  # the usual case: the sample saw only zeros and the wipe passed
            assert passed and record["verified"] is True and sampled["result"] == "passed"
            text = " ".join(pdf_text(_certificate(cli_db, laptop, tmp_path)).split())
            assert "Couverture : " in text and "de 1 Mio, 94 %" in text, text

        # the programme's policy: spinning disks read back in full (the loop device is one)
        bench_config.write_text(config)
        disk.clear_reads()
        passed, full = _wipe(cli_db, sshd, laptop, disk.device)
        (record,) = full["disks"]
        assert not passed and full["result"] == "failed"
        assert record["applied"] is True  # the technique ran: the verification passes...
        assert record["verified"] is False  # ...and the validation does not
        assert record["coverage"] == {
            "read_back": "full",
            "bytes_read": SIZE,
            "share_read": 1.0,
        }
        assert all(KEPT[0] <= bad < KEPT[0] + KEPT[1] for bad in record["details"]["bad_offsets"])
        assert record["details"]["bad_offsets"], record
        assert json.loads(cli_db.ok("asset", "show", laptop, "--json").stdout)["status"] != (
            "wiped"
        )


def _certificate(cli: Cli, tag: str, folder: Path) -> Path:
    path = folder / "certificat.pdf"
    cli.ok("wipe", "certificate", tag, "-o", str(path))
    return path


def test_the_validation_is_accepted_once_by_someone_else(
    cli_db: Cli, sshd: SshServer, laptop: str, tmp_path: Path, loop_disk: tuple[str, Path]
) -> None:
    device, _ = loop_disk
    cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", device, "--yes")
    record = json.loads(cli_db.ok("wipe", "certificate", laptop, "--json").stdout)
    assert record["validated_by"] is None and record["machine_serial"] == "FAKE-SYS-SERIAL"
    text = " ".join(pdf_text(_certificate(cli_db, laptop, tmp_path)).split())
    for expected in (
        "NIST SP 800-88 Rev. 2",
        "IEEE 2883-2022",
        "N° de série lu sur le banc (DMI) FAKE-SYS-SERIAL",
        "Validation acceptée en attente, par : Responsable du parc informatique de la DSI",
        "Vérification conforme : 50 331 648 octets écrits sur 50 331 648",
    ):
        assert expected in text, expected
    # the technician who ran it cannot accept it (the test's operator is "tester")
    refused = cli_db.fails("wipe", "validate", laptop)
    assert "tester ran wipe" in refused.stderr and "another person" in refused.stderr
    before = json.loads(cli_db.ok("asset", "show", laptop, "--json").stdout)["history"]
    cli_db.ok("user", "add", "theo", "--role", "technician")
    theo = cli_db.as_("theo")  # on PostgreSQL, another login: not a variable one could set
    number = theo.ok("wipe", "validate", laptop).stdout.strip()
    again = theo.fails("wipe", "validate", laptop)
    assert number == record["certificate"]
    assert f"{number} was validated by theo" in again.stderr
    # when, in the programme's local time, as the certificate prints it (not ISO UTC)
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    accepted = json.loads(cli_db.ok("wipe", "certificate", laptop, "--json").stdout)
    moment = datetime.fromisoformat(accepted["validated_at"])
    paris = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(
        ZoneInfo("Europe/Paris")
    )
    assert f"validated by theo on {paris:%d/%m/%Y %H:%M}" in again.stderr
    assert "+00:00" not in again.stderr
    record = json.loads(cli_db.ok("wipe", "certificate", laptop, "--json").stdout)
    assert record["validated_by"] == "theo" and record["validated_at"]
    history = json.loads(cli_db.ok("asset", "show", laptop, "--json").stdout)["history"]
    assert [e["action"] for e in history[len(before) :]] == ["wipe_validated"]
    text = " ".join(pdf_text(_certificate(cli_db, laptop, tmp_path)).split())
    assert "Validation acceptée par theo, le " in text


def test_the_firmware_steps_on_the_record(
    cli_db: Cli, sshd: SshServer, laptop: str, tmp_path: Path, loop_disk: tuple[str, Path]
) -> None:
    """ANSSI: what the live system resets is recorded (here, the tests' loopback machine is
    not the live system: nothing of this computer's firmware is touched, and it says so), and
    the steps done by hand are confirmed onto the record."""
    device, _ = loop_disk
    cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", device, "--yes")
    record = json.loads(cli_db.ok("wipe", "certificate", laptop, "--json").stdout)
    assert record["firmware_reset"] == {"on_live_system": False}
    assert record["manual_steps"] == {}
    text = " ".join(pdf_text(_certificate(cli_db, laptop, tmp_path)).split())
    assert "Puce TPM non fait : l'effacement n'a pas été fait depuis le système du banc" in text
    assert "Mot de passe du BIOS ou de l'UEFI retiré à confirmer (assetctl wipe confirm)" in text

    assert "--step" in cli_db.fails("wipe", "confirm", laptop, code=2).stderr
    cli_db.fails("wipe", "confirm", laptop, "--step", "everything", code=2)
    number = cli_db.ok("wipe", "confirm", laptop, "--step", "bios-password").stdout.strip()
    assert number == record["certificate"]
    cli_db.ok("wipe", "confirm", laptop, "--all")
    steps = json.loads(cli_db.ok("wipe", "certificate", laptop, "--json").stdout)["manual_steps"]
    assert sorted(steps) == ["bios-password", "firmware-defaults", "previous-labels"]
    assert {s["by"] for s in steps.values()} == {"tester"}
    text = " ".join(pdf_text(_certificate(cli_db, laptop, tmp_path)).split())
    assert "Étiquettes et codes de l'ancien propriétaire retirés confirmé par tester, le " in text
    history = json.loads(cli_db.ok("asset", "show", laptop, "--json").stdout)["history"]
    assert [e["action"] for e in history].count("wipe_steps_confirmed") == 2
