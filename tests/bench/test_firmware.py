"""What the firmware keeps of a previous owner (ANSSI), from `efibootmgr -v` captured on the
bench lab's UEFI machine (the lab test does the reset for real, with swtpm)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import playbook_module

ROOT = Path(__file__).resolve().parents[2]
firmware = playbook_module("assetctl_firmware")
CAPTURED = (ROOT / "tests" / "fixtures" / "efibootmgr-v-ovmf-lab-previous-owner.txt").read_text()
WINDOWS = "66ffa66b-f70c-48ac-9c2c-9572ad6fcbc3"


def test_boot_entries_of_a_uefi_machine() -> None:
    entries = firmware.boot_entries(CAPTURED)
    assert [e["number"] for e in entries] == [f"{n:04X}" for n in range(9)]
    by_label = {e["label"]: e for e in entries}
    assert by_label["Windows Boot Manager"]["partition"] == WINDOWS
    assert by_label["UEFI PXEv4 (MAC:525400770001) 2"]["partition"] is None
    assert by_label["EFI Internal Shell"]["partition"] is None and all(e["active"] for e in entries)


def test_only_entries_to_a_vanished_partition_are_stale() -> None:
    entries = firmware.boot_entries(CAPTURED)
    # after the wipe the disk holds no partition: only the previous system's entry goes
    assert [e["label"] for e in firmware.stale_entries(entries, set())] == ["Windows Boot Manager"]
    # the partition still there (a disk that was not wiped, the live USB key): kept
    assert firmware.stale_entries(entries, {WINDOWS, "0a1b2c3d-0000-4000-8000-000000000000"}) == []


def test_nothing_is_touched_outside_the_live_system() -> None:
    """Run here, on the machine that runs the tests: the marker of the live system is absent,
    so neither the TPM nor the boot entries of this computer are looked at."""
    assert not Path(firmware.LIVE_MARKER).exists()
    assert firmware.reset_firmware() == {"on_live_system": False}
