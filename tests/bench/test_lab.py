"""The technician's day on a real (virtual) machine, from network boot to its own login prompt.

A QEMU machine of the lab (UEFI, its own SMBIOS identity, an NVMe and a SATA disk with their
own serials, a pattern written on both) on a bench network inside a network namespace, beside
the site's own DHCP server (a second dnsmasq that gives addresses and knows nothing of PXE):

1. `bench netboot` answers in proxy-DHCP mode; the machine fetches iPXE's script, the kernel
   and the initramfs over HTTP, prints its banner and lets the bench's key in;
2. `bench discover` reads its real SMBIOS serial, both disks, `nvme id-ctrl`, how it booted and
   the recorded network boot;
3. `bench prepare` wipes the NVMe disk by Format NVM (cryptographic erase) and the SATA disk
   by overwrite, deploys the bootable `test-boot` image onto the NVMe disk, verifies it and
   prints its label (read back by a QR reader);
4. the machine starts from its own disk and reaches the login prompt of its tag; the pattern
   is gone from both disk files, read on the host; the certificate names the methods that ran.

Software emulation: about 6 minutes, plus the live system's and the image's builds the first
time their recipes change (about 2 and 4 minutes, then cached in ASSETCTL_IMAGE_CACHE).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest

from lab.bench import LabBench, prepare_bench
from lab.machines import BenchNetwork, LabMachine, MachineSpec, missing_tools
from tests.bench.test_deploy import CACHE
from tests.conftest import Cli
from tests.helpers import decode_pdf, pdf_reading

PATTERN_OFFSETS_MIB = (0, 1, 100, 200, 255)  # on both disks (the SATA disk has 256 MiB)
# what a previous owner's system leaves in the firmware: its boot entry, a key in the TPM
FIRMWARE_STATE = "efibootmgr -v; TPM2TOOLS_TCTI=device:/dev/tpmrm0 tpm2_getcap handles-persistent"
PREVIOUS_OWNER = (
    "efibootmgr -q -c -d /dev/nvme0n1 -p 1 -L 'Windows Boot Manager' "
    "-l '\\EFI\\Microsoft\\Boot\\bootmgfw.efi' && "
    "export TPM2TOOLS_TCTI=device:/dev/tpmrm0 && "
    "tpm2_createprimary -Q -C o -c /tmp/owner.ctx && "
    "tpm2_evictcontrol -Q -C o -c /tmp/owner.ctx 0x81000001"
)


@pytest.fixture
def bench_network() -> object:
    if os.geteuid() != 0:
        pytest.fail("the bench lab needs root (network namespaces, taps, DHCP)")
    missing = missing_tools()
    if missing:
        pytest.fail(f"the bench lab needs {', '.join(missing)}: scripts/setup.sh installs them")
    with BenchNetwork.create("aclab") as network:
        yield network


def write_pattern(disk: Path) -> bytes:
    """A pattern of this run (in no image) at several places of a disk file; returns it."""
    pattern = secrets.token_bytes(32)
    with disk.open("r+b") as handle:
        for offset in PATTERN_OFFSETS_MIB:
            handle.seek(offset << 20)
            handle.write(pattern * (65536 // len(pattern)))
    return pattern


def holds(disk: Path, pattern: bytes) -> bool:
    """Whether the pattern is anywhere in a disk file, read in 16 MiB pieces that overlap."""
    with disk.open("rb") as handle:
        tail = b""
        while piece := handle.read(16 << 20):
            if pattern in tail + piece:
                return True
            tail = piece[-len(pattern) :]
    return False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_technicians_day_on_a_lab_machine(
    cli_db: Cli, home: Path, tmp_path: Path, bench_network: BenchNetwork
) -> None:
    env = {**os.environ, "ASSETCTL_HOME": str(home), "ASSETCTL_IMAGE_CACHE": CACHE}
    env["ASSETCTL_DATABASE_URL"] = cli_db.db_url
    prepare_bench(env, home)
    spec = MachineSpec(
        "pc1", manufacturer="Dell Inc.", product="OptiPlex 7050", serial="LAB-7050-01",
        memory_mb=2048, nvme_serial="NVME-LAB-01", sata_serial="SATA-LAB-01", tpm=True,
    )  # fmt: skip
    machine = LabMachine(spec, bench_network, tmp_path / "machines")
    patterns = {disk: write_pattern(disk) for disk in (machine.nvme, machine.sata)}
    # the previous owner's system: an EFI partition on the NVMe disk (the pattern stays)
    subprocess.run(["sgdisk", "-n", "1:4096:+32M", "-t", "1:ef00", str(machine.nvme)],
                   check=True, capture_output=True)  # fmt: skip
    assert all(holds(disk, pattern) for disk, pattern in patterns.items())
    key = home / "bench" / "id_ed25519"
    with LabBench.start(bench_network, env, tmp_path) as bench:
        try:
            address = machine.boot_live(timeout=900)
            # ...its boot entry in the firmware, and a key it kept in the TPM
            machine.ssh(address, key, PREVIOUS_OWNER)
            before = machine.ssh(address, key, FIRMWARE_STATE)
            out = cli_db.ok("bench", "discover", address, "--kind", "desktop", "--json").stdout
            labels = tmp_path / "labels.pdf"
            prepared = cli_db(
                "bench", "prepare", "--host", address, "--profile", "test-boot",
                "--labels", str(labels), "--yes", "--json",
            )  # fmt: skip
            after = machine.ssh(address, key, FIRMWARE_STATE)
            (tmp_path / "firmware-state.txt").write_text(f"{before}\n--- after\n{after}")
            live_log = machine.serial().decode(errors="replace")
            machine.stop()
            machine.start("disk")
            [found] = json.loads(out)
            tag = found["tag"]
            assert prepared.exit_code == 0, (prepared.stdout, prepared.stderr)
            machine.wait_for(f"{tag} login:".encode(), timeout=900)
        finally:
            machine.stop()
    served = bench.served

    # 1. the network boot, beside the site's DHCP server
    assert "iPXE" in live_log  # the network card's own firmware, then the bench's script
    assert f"assetctl-live ready: ip={address} serial=LAB-7050-01" in live_log
    assert address.startswith("10.77.0.2")  # the site's DHCP server gave the address
    assert "proxy-DHCP" in served and f"{spec.mac}  {address}  UEFI  LAB-7050-01: booting" in served
    # 2. what discovery read on the machine
    facts = found["facts"]
    assert found["ok"] and facts["serial"] == "LAB-7050-01"
    assert (facts["manufacturer"], facts["product"]) == ("Dell Inc.", "OptiPlex 7050")
    disks = {disk["serial"]: disk for disk in facts["disks"]}
    assert disks["NVME-LAB-01"]["path"] == "/dev/nvme0n1"
    assert disks["NVME-LAB-01"]["size_bytes"] == spec.nvme_mib << 20
    assert disks["SATA-LAB-01"]["size_bytes"] == spec.sata_mib << 20
    assert not any(disk["holds_running_system"] for disk in facts["disks"])  # all in memory
    assert facts["boot_firmware"] == "uefi"
    # QEMU's NVMe controller offers Format NVM, neither Sanitize nor a cryptographic erase
    assert disks["NVME-LAB-01"]["erase_commands"] == ["format"]
    assert disks["NVME-LAB-01"]["firmware_revision"]
    assert [boot["mac"] for boot in found["netboot"]] == [spec.mac]
    assert found["netboot"][0]["platform"] == "efi"
    # 3. prepare: every step passed, the label read back by a QR reader
    [row] = json.loads(prepared.stdout)
    assert (row["tag"], row["discover"], row["wipe"], row["deploy"], row["label"]) == (
        tag,
        "ok",
        "ok",
        "ok",
        "ok",
    ), row
    assert any(tag in text for _, text, *_ in decode_pdf(labels))
    view = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)
    assert view["status"] == "ready"
    # 4. the pattern is gone from both disks (read on the host, not by the code under test)
    for disk, pattern in patterns.items():
        assert not holds(disk, pattern), f"{disk.name} still holds the pattern"
    with machine.sata.open("rb") as handle:  # overwritten with zeros, nothing deployed there
        assert handle.read(1 << 20) == bytes(1 << 20)
    record = json.loads(cli_db.ok("wipe", "certificate", tag, "--json").stdout)
    methods = {d["serial"]: (d["method"], d["result"]) for d in record["disks"]}
    assert methods == {
        "NVME-LAB-01": ("nvme-format-user-data", "passed"),  # Format NVM, Secure Erase 1
        "SATA-LAB-01": ("overwrite", "passed"),  # QEMU's SATA disk spins: one pass
    }, record["disks"]
    # 5. the firmware's state the previous owner left (ANSSI), read by the real tools
    assert "Windows Boot Manager" in before and "0x81000001" in before, before
    assert "Windows Boot Manager" not in after and "0x81000001" not in after, after
    assert record["firmware_reset"]["on_live_system"] is True
    assert record["firmware_reset"]["tpm"] == {"result": "cleared", "tool": "tpm2_clear -c l"}
    assert record["firmware_reset"]["boot_entries"]["removed"] == ["Windows Boot Manager"]
    certificate = tmp_path / "certificate.pdf"
    cli_db.ok("wipe", "certificate", tag, "-o", str(certificate))
    text = pdf_reading(certificate)
    assert "Puce TPM effacé par le banc (tpm2_clear)" in text, text
    assert "supprimées : Windows Boot Manager" in text
    assert "NVMe Format : effacement des données utilisateur" in text
    assert "blocs témoins écrits avant l'effacement puis relus : tous effacés" in text
    assert "NVME-LAB-01" in text and "SATA-LAB-01" in text
