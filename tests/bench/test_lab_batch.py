"""The slower tier (scripts/test-slow.sh): one `bench prepare` over four machines at once, mixed.

On the bench lab's network, beside a site DHCP server, `bench netboot` boots three QEMU machines
and a fourth address answers nothing:

- ``uefi``: UEFI, an NVMe and a SATA disk: wiped (Format NVM and an overwrite), deployed onto
  the NVMe disk, ready;
- ``bios``: legacy BIOS (SeaBIOS), one SATA SSD and no NVMe: wiped by overwrite, deployed with
  `grub-install --target=i386-pc` (detected from how it booted), ready, and then started from
  that disk until the login prompt of its tag;
- ``liar``: an NVMe drive whose Format NVM says it succeeded and erased nothing (the drive's
  answer is the one thing faked: `nvme format` on that machine prints nvme-cli's success line
  and exits 0, every other nvme command is the real one): the wipe must fail verification and
  the machine must not become wiped;
- an address where no machine answers: discovery fails, the others go on.

About 10 minutes under software emulation on 2 cores, with the live system and test-boot cached.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from lab.bench import LabBench, prepare_bench
from lab.machines import BenchNetwork, LabMachine, MachineSpec
from tests.bench.test_deploy import CACHE
from tests.bench.test_lab import bench_network, holds  # noqa: F401
from tests.conftest import Cli

pytestmark = pytest.mark.slow

LYING_NVME = """#!/bin/sh
# A drive whose Format NVM "succeeds" and changes nothing: nvme-cli's own success line.
if [ "$1" = format ]; then echo "Success formatting namespace:1"; exit 0; fi
exec /usr/sbin/nvme "$@"
"""


def fill(disk: Path, pattern: bytes) -> None:
    """The whole disk file written with a pattern: a used disk, data in every block."""
    piece = pattern * ((16 << 20) // len(pattern))
    with disk.open("r+b") as handle:
        for _ in range(disk.stat().st_size // len(piece)):
            handle.write(piece)


@pytest.fixture
def slow_tier() -> None:
    if os.environ.get("ASSETCTL_SLOW_TESTS") != "1":
        pytest.skip("the slow tier: run scripts/test-slow.sh")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_one_prepare_over_four_mixed_machines(
    slow_tier: None,
    cli_db: Cli,
    home: Path,
    tmp_path: Path,
    bench_network: BenchNetwork,  # noqa: F811
) -> None:
    env = {**os.environ, "ASSETCTL_HOME": str(home), "ASSETCTL_IMAGE_CACHE": CACHE}
    env["ASSETCTL_DATABASE_URL"] = cli_db.db_url
    prepare_bench(env, home)
    network = bench_network
    folder = tmp_path / "machines"
    specs = [
        MachineSpec("uefi", serial="LAB-UEFI-01", mac="52:54:00:77:00:11", memory_mb=2048,
                    nvme_serial="NVME-UEFI-01", sata_serial="SATA-UEFI-01"),
        MachineSpec("bios", product="OptiPlex 3020", serial="LAB-BIOS-01", firmware="bios",
                    mac="52:54:00:77:00:12", memory_mb=2048, nvme_mib=0, sata_mib=3072,
                    sata_serial="SSD-BIOS-01", sata_ssd=True),
        MachineSpec("liar", product="OptiPlex 7060", serial="LAB-LIAR-01",
                    mac="52:54:00:77:00:13", memory_mb=2048, nvme_mib=1024,
                    nvme_serial="NVME-LIAR-01", sata_serial="SATA-LIAR-01"),
    ]  # fmt: skip
    machines = {spec.name: LabMachine(spec, network, folder) for spec in specs}
    secret = os.urandom(32)
    fill(machines["liar"].nvme, secret)
    key = home / "bench" / "id_ed25519"
    with LabBench.start(network, env, tmp_path):
        try:
            for machine in machines.values():
                machine.start("network")
            addresses = {name: m.wait_live(timeout=1200) for name, m in machines.items()}
            for name, machine in machines.items():
                machine.wait_ssh(addresses[name])
            install = "cat > /usr/local/sbin/nvme && chmod 755 /usr/local/sbin/nvme"
            machines["liar"].ssh(addresses["liar"], key, install, input=LYING_NVME.encode())
            hosts = [*addresses.values(), "10.77.0.99"]  # the last: nothing answers there
            started = time.monotonic()
            prepared = cli_db(
                "bench", "prepare", *(arg for host in hosts for arg in ("--host", host)),
                "--kind", "desktop", "--profile", "test-boot", "--yes", "--json",
            )  # fmt: skip
            batch_seconds = time.monotonic() - started
            for machine in machines.values():
                machine.stop()
            bios = machines["bios"]
            bios.start("disk")
            rows = {row["host"]: row for row in json.loads(prepared.stdout)}
            bios_tag = rows[addresses["bios"]]["tag"]
            bios.wait_for(f"{bios_tag} login:".encode(), timeout=900)
        finally:
            for machine in machines.values():
                machine.stop()
    print(f"bench prepare over {len(hosts)} hosts: {batch_seconds:.0f} s")
    assert prepared.exit_code == 1, (prepared.stdout, prepared.stderr)
    assert "2 of 4 machine(s) not ready" in prepared.stderr
    steps = ("discover", "wipe", "deploy", "label")

    def outcome(host: str) -> tuple[str, ...]:
        return tuple(rows[host][step] for step in steps)

    assert outcome(addresses["uefi"]) == ("ok", "ok", "ok", "skipped")
    assert outcome(addresses["bios"]) == ("ok", "ok", "ok", "skipped")
    assert outcome(addresses["liar"]) == ("ok", "failed", "-", "-")
    assert outcome("10.77.0.99") == ("failed", "-", "-", "-")
    assert rows["10.77.0.99"]["message"]
    # the lying drive: not wiped, its data still there, the failure recorded
    liar_tag = rows[addresses["liar"]]["tag"]
    view = json.loads(cli_db.ok("asset", "show", liar_tag, "--json").stdout)
    assert view["status"] not in ("wiped", "ready"), view["status"]
    assert holds(machines["liar"].nvme, secret)
    assert "still hold what the bench wrote there just before" in rows[addresses["liar"]]["message"]
    [run] = json.loads(cli_db.ok("wipe", "list", "--tag", liar_tag, "--json").stdout)
    assert run["result"] == "failed" and "nvme-format-user-data" in run["method"]
    # the BIOS machine: its disk got a BIOS boot partition and GRUB's boot code
    for tag in (bios_tag, rows[addresses["uefi"]]["tag"]):
        assert json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)["status"] == "ready"
    layout = subprocess.run(
        ["sfdisk", "--json", str(machines["bios"].sata)], capture_output=True, text=True
    )
    types = [p["type"] for p in json.loads(layout.stdout)["partitiontable"]["partitions"]]
    assert types[0] == "21686148-6449-6E6F-744E-656564454649", types  # BIOS boot partition
    with machines["bios"].sata.open("rb") as handle:
        assert b"GRUB" in handle.read(512)  # grub-install's boot sector
