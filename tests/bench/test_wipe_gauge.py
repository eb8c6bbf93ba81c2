"""A wipe's progress while it runs: the module's gauge file on the machine, read by the bench
over SSH (assetctl.bench.gauge), shown as nwipe shows it. The end-to-end test wipes a slow
disk (a FUSE disk at 6 MiB/s behind a loop device) through the test sshd."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetctl.bench.gauge import GAUGE_DIR, gauge_path, parse_gauge, parse_reading, read_command
from lab.faultydisk import faulty_disk
from lab.sshd import SshServer
from tests.conftest import Cli
from tests.helpers import playbook_module

wipe = playbook_module("assetctl_wipe")
MIB = 1024 * 1024


def test_the_module_counts_every_byte_and_leaves_no_gauge_behind(tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\xaa" * (16 * MIB))
    calls: list[tuple[str, int, int]] = []
    written, errors = wipe.overwrite(str(disk), 16 * MIB, lambda *a: calls.append(a))
    assert (written, errors) == (16 * MIB, [])
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)  # never backwards
    assert calls[-1] == ("overwrite", 16 * MIB, 16 * MIB) and len(calls) == 4  # 4 MiB chunks
    found = wipe.verify_zeros(str(disk), 16 * MIB, "full", 0, 0, lambda *a: calls.append(a))
    assert found["verified"] and calls[-1] == ("read-back", 16 * MIB, 16 * MIB)
    # the file the bench reads: one line, at most once a second, the last reading always
    path = tmp_path / "run" / "wipe-x-loop9.json"
    gauge = wipe.Gauge(str(path))
    gauge("overwrite", 0, 100)
    gauge("overwrite", 50, 100)  # within the second: not written
    assert parse_gauge("T", "/dev/loop9", path.read_text()).done == 0
    gauge("overwrite", 100, 100)  # done: written whatever the time
    reading = parse_gauge("T", "/dev/loop9", path.read_text())
    assert (reading.phase, reading.done, reading.fraction) == ("overwrite", 100, 1.0)
    gauge.close()
    assert not path.exists()
    # a gauge that cannot be written changes nothing for the wipe
    blocked = wipe.Gauge(str(disk / "cannot" / "be.json"))
    blocked("overwrite", 1, 2)
    blocked.close()


@given(st.text(max_size=300))
def test_any_text_read_from_a_machine_is_a_gauge_or_nothing(text: str) -> None:
    reading = parse_gauge("T", "/dev/sda", text)
    assert reading is None or (reading.done >= 0 and reading.total >= 0)
    for gauge in parse_reading("T", text, ("/dev/sda",)):
        assert gauge.host == "T" and gauge.disk == "/dev/sda"


def test_readings_and_the_command_that_gets_them(tmp_path: Path) -> None:
    import subprocess

    assert gauge_path("abc", "/dev/nvme0n1") == f"{GAUGE_DIR}/wipe-abc-nvme0n1.json"
    line = json.dumps({"phase": "overwrite", "done": 25, "total": 100, "elapsed": 5.0})
    # the command the bench runs on the machine, run here by a shell: a disk whose file is
    # there, one whose file is not (not started yet, or done), a name a shell would expand
    (tmp_path / "a.json").write_text(line + "\n")
    command = read_command(
        {"/dev/sda": str(tmp_path / "a.json"), "/dev/s$(id)": str(tmp_path / "none.json")}
    )
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True)
    assert output.stdout == f"/dev/sda {line}\n/dev/s$(id) \n"
    output = f"/dev/sda {line}\n/dev/sdb \n/dev/sdc junk\n/dev/sdz {line}\n"
    planned = ("/dev/sda", "/dev/sdb", "/dev/sdc")  # not sdz: a line the bench did not ask for
    (reading,) = parse_reading("LMM-PC-00042", output, planned)
    assert (reading.disk, reading.fraction, reading.rate, reading.seconds_left) == (
        "/dev/sda",
        0.25,
        5.0,
        15.0,
    )
    firmware = parse_gauge("T", "/dev/nvme0n1", '{"phase": "nvme-format", "done": 0, '
                           '"total": 0, "elapsed": 12}')  # fmt: skip
    assert firmware is not None and firmware.fraction is None and firmware.seconds_left is None
    for bad in ('{"phase": "x", "done": -1, "total": 9, "elapsed": 1}', "[]", '{"phase": 1}'):
        assert parse_gauge("T", "/dev/sda", bad) is None


def test_each_reading_reads_as_nwipe_shows_it() -> None:
    import io

    from assetctl.bench.gauge import DiskGauge
    from assetctl.cli.bench import gauge_reporter
    from assetctl.cli.progress import Progress

    log = io.StringIO()
    with Progress("deploy", stream=log) as shown:
        report = gauge_reporter(shown)
        report(DiskGauge("LMM-PP-00003", "/dev/sda", "image", 0, 956_000_000, 0.0))
        report(DiskGauge("LMM-PP-00003", "/dev/sda", "image", 430_000_000, 956_000_000, 4.5))
        report(DiskGauge("LMM-PC-00042", "/dev/nvme0n1", "nvme-format-crypto", 0, 0, 75.0))
    assert log.getvalue().splitlines()[:3] == [
        "  LMM-PP-00003 /dev/sda image 0 % (nothing yet of 956 MB)",
        "  LMM-PP-00003 /dev/sda image 44 % (430 MB of 956 MB, 96 MB/s, 5 s left)",
        "  LMM-PC-00042 /dev/nvme0n1 nvme-format-crypto (1 min 15 s so far)",
    ]


def test_a_slow_wipe_shows_where_it_stands_as_it_runs(
    cli_db: Cli, sshd: SshServer, laptop: str, tmp_path: Path
) -> None:
    if not Path("/dev/fuse").exists():
        pytest.skip("no /dev/fuse here: the slow disk is a FUSE file system")
    size = 48 * MIB
    with faulty_disk(tmp_path, size, [], rate=6 * MIB) as disk:  # 8 s to write, 8 s to read
        result = cli_db.ok(
            "bench", "wipe", laptop, "--host", sshd.address, "--disk", disk.device, "--yes"
        )
        name = Path(disk.device).name
        assert not list(Path(GAUGE_DIR).glob(f"wipe-*-{name}.json"))  # removed at the end
    assert f"{disk.device} overwrite passed" in result.stdout
    shown = re.findall(
        rf"^  {laptop} {disk.device} (overwrite|read-back) (\d+) % \((.*)\)$",
        result.stderr,
        re.M,
    )
    overwrite = [int(p) for phase, p, _ in shown if phase == "overwrite"]
    assert overwrite and overwrite == sorted(overwrite), result.stderr
    assert any(0 < p < 100 for p in overwrite), result.stderr  # seen while it ran
    assert "read-back" in {phase for phase, _, _ in shown}, result.stderr  # the full read-back
    # as nwipe shows it: how much of how much, the rate, the time left
    assert any(
        re.fullmatch(r"\d+ MB of 50 MB, \d+ MB/s, \d+ s left", details)
        for phase, percent, details in shown
        if phase == "overwrite" and 0 < int(percent) < 100
    ), result.stderr
