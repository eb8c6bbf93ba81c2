"""`assetctl bench wipe` for real: playbooks/wipe.yml through ansible-runner and the test
sshd, on loop devices filled with data."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

from lab.sshd import SshServer
from tests.bench.conftest import SIZE
from tests.conftest import Cli
from tests.helpers import add_args, assert_readable, snapshot


def zero_fraction(path: Path) -> float:
    data = path.read_bytes()
    return data.count(0) / len(data)


def show(cli: Cli, tag: str) -> dict:
    return json.loads(cli.ok("asset", "show", tag, "--json").stdout)


def test_wipe_overwrites_verifies_and_records(
    cli_db: Cli, sshd: SshServer, laptop: str, loop_disk: tuple[str, Path]
) -> None:
    device, backing = loop_disk
    assert zero_fraction(backing) < 0.01
    result = cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", device, "--yes")
    line = result.stdout.strip()
    assert line.startswith(f"OK {sshd.address} {laptop} certificate LMM-EFF-")
    assert f"{device} overwrite passed" in line
    assert zero_fraction(backing) == 1.0  # every byte of the old data is gone
    view = show(cli_db, laptop)
    assert view["status"] == "wiped"
    assert [e["action"] for e in view["history"]][-2:] == ["wipe", "status"]


def test_a_block_left_unwiped_fails_verification(
    cli_db: Cli, sshd: SshServer, laptop: str, loop_disk: tuple[str, Path]
) -> None:
    device, _ = loop_disk
    cli_db.ok(
        "bench",
        "wipe",
        laptop,
        "--host",
        sshd.address,
        "--disk",
        device,
        "--yes",
        "--method",
        "overwrite",
    )
    assert show(cli_db, laptop)["status"] == "wiped"
    with open(device, "r+b") as handle:  # a block the wipe did not reach
        handle.seek(SIZE - 4096)
        handle.write(b"conseil municipal: dossier confidentiel".ljust(4096, b"!"))
    failed = cli_db.fails(
        "bench", "verify-wipe", laptop, "--host", sshd.address, "--disk", device, "--yes"
    )
    assert f"FAILED {sshd.address} {laptop}" in failed.stdout
    view = show(cli_db, laptop)
    assert view["status"] == "received" and view["family_ready"] is False
    assert "its last wipe" in " ".join(view["family_ready_problems"])
    fixed = cli_db.ok(
        "bench",
        "wipe",
        laptop,
        "--host",
        sshd.address,
        "--disk",
        device,
        "--yes",
        "--verify",
        "full",
    )
    assert "overwrite passed" in fixed.stdout and show(cli_db, laptop)["status"] == "wiped"


def test_refusals_happen_before_anything_is_written(
    cli_db: Cli, sshd: SshServer, laptop: str, loop_disk: tuple[str, Path], tmp_path: Path
) -> None:
    device, backing = loop_disk
    before_data = backing.read_bytes()
    root = subprocess.run(
        ["findmnt", "-n", "-o", "SOURCE", "/"], capture_output=True, text=True
    ).stdout.strip()
    boot = cli_db.fails("bench", "wipe", laptop, "--host", sshd.address, "--disk", root, "--yes")
    assert "holds the running live system: refused" in boot.stderr + boot.stdout
    # a machine whose serial is not the asset's: the wrong machine on the bench
    other = cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "T14", "PF-OTHER")).stdout
    wrong = cli_db.fails(
        "bench", "wipe", other.strip(), "--host", sshd.address, "--disk", device, "--yes"
    )
    assert "wrong machine, nothing written" in wrong.stdout
    assert backing.read_bytes() == before_data  # not one byte written by the refusals
    # a mounted disk
    subprocess.run(["mkfs.ext4", "-q", "-F", device], check=True)
    mount = tmp_path / "mnt"
    mount.mkdir()
    subprocess.run(["mount", device, str(mount)], check=True)
    try:
        mounted = cli_db.fails(
            "bench", "wipe", laptop, "--host", sshd.address, "--disk", device, "--yes"
        )
        assert f"{device} is mounted ({mount})" in mounted.stdout
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    probe = subprocess.run(
        ["blkid", "-p", "-o", "value", "-s", "TYPE", device], capture_output=True, text=True
    )
    assert probe.stdout.strip() == "ext4"  # the filesystem is still there
    assert show(cli_db, laptop)["status"] == "received"


def test_without_confirmation_nothing_runs(
    cli_db: Cli, sshd: SshServer, laptop: str, loop_disk: tuple[str, Path]
) -> None:
    device, backing = loop_disk
    before = snapshot(cli_db.db_url)
    data = backing.read_bytes()
    result = cli_db.fails("bench", "wipe", laptop, "--host", sshd.address, "--disk", device)
    assert "confirmation needed" in result.stderr
    assert backing.read_bytes() == data
    assert snapshot(cli_db.db_url) == before


def test_certificate_and_records(
    cli_db: Cli, sshd: SshServer, laptop: str, loop_disk: tuple[str, Path], tmp_path: Path
) -> None:
    from tests.helpers import pdf_text

    device, _ = loop_disk
    assert "no passed wipe recorded" in cli_db.fails("wipe", "certificate", laptop).stderr
    cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", device, "--yes")
    listed = json.loads(cli_db.ok("wipe", "list", "--json").stdout)
    assert [(w["tag"], w["result"], w["disks"]) for w in listed] == [(laptop, "passed", 1)]
    number = listed[0]["certificate"]
    record = json.loads(cli_db.ok("wipe", "certificate", laptop, "--json").stdout)
    assert record["certificate"] == number and record["operator"] == "tester"
    (disk,) = record["disks"]
    assert (disk["device"], disk["method"], disk["nist_category"], disk["result"]) == (
        device,
        "overwrite",
        "Clear",
        "passed",
    )
    assert disk["bytes_written"] == SIZE and disk["verified"] is True
    assert disk["tool"].startswith("assetctl_wipe")
    pdf = tmp_path / "certificat.pdf"
    cli_db.ok("wipe", "certificate", laptop.lower(), "-o", str(pdf))
    text = " ".join(pdf_text(pdf).split())
    for expected in (
        f"Certificat d'effacement des données n° {number}",
        "NIST SP 800-88",
        "Le Mans Métropole",
        "Réalisé par tester",
        laptop,
        "Fabricant Dell",
        "Modèle Latitude 5420",
        "N° de série FAKE-SYS-SERIAL",
        "Catégorie Effacement (Clear)",
        "Méthode Écrasement complet (une passe de zéros)",
        "Outil et version assetctl_wipe 1",
        "Validation Relecture d'un échantillon (premier et dernier Mio, blocs "
        "aléatoires) : conforme. Couverture : ",
        "Destination Réemploi",
        "Support n° 1 sur 1",
        "Périphérique " + device,
        "Signature du (de la) technicien(ne)",
        "Signature du (de la) responsable de la validation",
        "Date et signature",
    ):
        assert expected in text, expected
    # the organisation's local time, never UTC (issue 15)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    finished = datetime.fromisoformat(record["finished_at"]).astimezone(ZoneInfo("Europe/Paris"))
    assert f"Date {finished:%d/%m/%Y %H:%M}" in text and "UTC" not in text
    assert_readable(pdf, (laptop, number, "FAKE-SYS-SERIAL", "Écrasement"))
    # one machine, one disk: one page, the signatures on it (issue 15)
    assert "page 1 / 1" in text

    # the method that really ran, not the run's "auto"; the batch summary of the day
    listed = json.loads(cli_db.ok("wipe", "list", "--json").stdout)
    assert [(w["certificate"], w["method"]) for w in listed] == [(number, "overwrite")]
    summary = json.loads(cli_db.ok("wipe", "summary", "--json").stdout)
    assert summary["totals"] == {"machines": 1, "passed": 1, "failed": 0, "disks": 1,
                                 "bytes": SIZE, "validated": 0}  # fmt: skip
    assert summary["machines"][0]["validated_by"] is None
    assert [(m["certificate"], m["tag"]) for m in summary["machines"]] == [(number, laptop)]
    batch = tmp_path / "releve.pdf"
    cli_db.ok("wipe", "summary", "-o", str(batch))
    text = assert_readable(batch, (number, laptop, "FAKE-SYS-SERIAL"))
    assert "1 matériel(s), dont 1 effacé(s) avec succès et 0 en échec" in text
    assert "0 effacement(s) validé(s)" in text and "validation en attente" in text
    assert "écrasement" in text
    yesterday = (finished.date() - timedelta(days=1)).isoformat()
    other_day = json.loads(
        cli_db.ok("wipe", "summary", "--from", yesterday, "--to", yesterday, "--json").stdout
    )
    assert other_day["machines"] == [] and other_day["totals"]["machines"] == 0
    assert "ends" in cli_db.fails("wipe", "summary", "--from", "2026-12-02", "--to",
                                  "2026-12-01").stderr  # fmt: skip


def test_many_machines_one_unreachable(
    cli_db: Cli, sshd: SshServer, laptop: str, loop_disk: tuple[str, Path]
) -> None:
    device, backing = loop_disk
    result = cli_db.fails(
        "bench", "wipe", "--host", sshd.address, "--host", "127.0.0.1:1", "--disk", device, "--yes"
    )
    lines = sorted(result.stdout.splitlines())
    assert lines[0].startswith(f"OK {sshd.address} {laptop} certificate"), (
        result.stdout + result.stderr
    )
    assert lines[1].startswith("REFUSED 127.0.0.1:1 (not registered): cannot connect")
    assert "1 of 2 machine(s) not wiped" in result.stderr
    assert zero_fraction(backing) == 1.0
    assert show(cli_db, laptop)["status"] == "wiped"


def test_an_interrupted_wipe_is_recorded_and_not_wiped(
    cli_db: Cli, sshd: SshServer, laptop: str, loop_disk: tuple[str, Path]
) -> None:
    """Ctrl-C cancels the runs (ansible-runner's cancel callback): recorded as interrupted."""
    from assetctl.bench.ssh import Target
    from assetctl.bench.wipe import plan_wipe, run_wipe
    from assetctl.config import load_settings
    from assetctl.db import make_engine

    device, _ = loop_disk
    settings = load_settings()
    engine = make_engine(cli_db.db_url)
    try:
        plans = plan_wipe(engine, settings, [(Target.parse(sshd.address), laptop)], disks=[device])
        assert plans[0].ok, plans[0].problems
        outcomes = run_wipe(
            engine,
            settings,
            plans,
            actor="tester",
            dmi_root=settings.bench.remote_env["ASSETCTL_FACTS_ROOT"],
            cancelled=lambda: True,
        )
    finally:
        engine.dispose()
    assert [o.result for o in outcomes] == ["interrupted"]
    wipes = json.loads(cli_db.ok("wipe", "list", "--json").stdout)
    assert [(w["tag"], w["result"]) for w in wipes] == [(laptop, "interrupted")]
    view = show(cli_db, laptop)
    assert view["status"] == "received" and not view["family_ready"]
