"""A real (virtual) machine boots the bench live system from the bench's network.

A QEMU machine of the lab (UEFI, its own SMBIOS identity, an NVMe and a SATA disk with their
own serials) on a bench network inside a network namespace, beside the site's own DHCP server
(a second dnsmasq that gives addresses and knows nothing of PXE): `bench netboot` answers in
proxy-DHCP mode, the machine fetches iPXE's script, the kernel and both initramfs parts over
HTTP, prints its banner, lets the bench's key in, and `bench discover` reads its real SMBIOS
serial, both disks and the recorded network boot. Software emulation: about 2 minutes, plus
the live system's build the first time its recipe changes (about 2 minutes, then cached).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.machines import BenchNetwork, LabMachine, MachineSpec, missing_tools
from tests.bench.test_deploy import CACHE
from tests.conftest import Cli


@pytest.fixture
def bench_network() -> object:
    if os.geteuid() != 0:
        pytest.fail("the bench lab needs root (network namespaces, taps, DHCP)")
    missing = missing_tools()
    if missing:
        pytest.fail(f"the bench lab needs {', '.join(missing)}: scripts/setup.sh installs them")
    with BenchNetwork.create("aclab") as network:
        yield network


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_machine_boots_the_live_system_from_the_bench_network(
    cli_db: Cli, home: Path, tmp_path: Path, bench_network: BenchNetwork
) -> None:
    cli_db.ok("bench", "keygen")
    env = {**os.environ, "ASSETCTL_HOME": str(home), "ASSETCTL_IMAGE_CACHE": CACHE}
    env["ASSETCTL_DATABASE_URL"] = cli_db.db_url
    built = subprocess.run(
        [sys.executable, "-m", "assetctl", "-q", "bench", "live", "build", "--no-iso"],
        env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    network = bench_network
    site = network.run(
        "dnsmasq", "--keep-in-foreground", "--port=0", "--interface=br0", "--bind-interfaces",
        "--dhcp-range=10.77.0.200,10.77.0.220,2h", f"--dhcp-leasefile={tmp_path / 'site.leases'}",
        "--log-facility=-", stdout=(tmp_path / "site.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    subprocess.run(["ip", "-n", network.name, "addr", "add", "10.77.0.2/24", "dev", "br0"])
    service = subprocess.Popen(
        [sys.executable, "-m", "assetctl", "bench", "netboot", "--interface", network.interface],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    spec = MachineSpec(
        "pc1", manufacturer="Dell Inc.", product="OptiPlex 7050", serial="LAB-7050-01",
        memory_mb=2048, nvme_serial="NVME-LAB-01", sata_serial="SATA-LAB-01",
    )  # fmt: skip
    machine = LabMachine(spec, network, tmp_path / "machines")
    try:
        time.sleep(2)
        assert service.poll() is None, service.stdout.read() if service.stdout else ""
        machine.start("network")
        address = machine.wait_live(timeout=900)
        machine.wait_ssh(address)
        out = cli_db.ok("bench", "discover", address, "--kind", "desktop", "--json").stdout
    finally:
        machine.stop()
        service.terminate()
        served = service.communicate(timeout=30)[0].decode(errors="replace")
        site.terminate()
        site.wait(timeout=10)
    log = machine.serial().decode(errors="replace")
    assert "iPXE" in log  # the network card's own firmware, then the bench's script
    assert f"assetctl-live ready: ip={address} serial=LAB-7050-01" in log
    assert address.startswith("10.77.0.2")  # the site's DHCP server gave the address
    assert "proxy-DHCP" in served and f"{spec.mac}  {address}  UEFI  LAB-7050-01: booting" in served
    [found] = json.loads(out)
    facts = found["facts"]
    assert found["ok"] and facts["serial"] == "LAB-7050-01"
    assert (facts["manufacturer"], facts["product"]) == ("Dell Inc.", "OptiPlex 7050")
    disks = {disk["serial"]: disk for disk in facts["disks"]}
    assert disks["NVME-LAB-01"]["path"] == "/dev/nvme0n1"
    assert disks["NVME-LAB-01"]["size_bytes"] == spec.nvme_mib << 20
    assert disks["SATA-LAB-01"]["size_bytes"] == spec.sata_mib << 20
    assert not any(disk["holds_running_system"] for disk in facts["disks"])  # all in memory
    assert [boot["mac"] for boot in found["netboot"]] == [spec.mac]
    assert found["netboot"][0]["platform"] == "efi"
