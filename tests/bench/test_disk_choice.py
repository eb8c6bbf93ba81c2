"""Which disk of a machine the image goes onto when the technician does not say."""

from __future__ import annotations

from assetctl.bench.deploy import choose_disk
from assetctl.bench.facts import DiskFacts, MachineFacts


def disk(name: str, rotational: bool | None, transport: str, **extra: object) -> DiskFacts:
    return DiskFacts(
        name=name, path=f"/dev/{name}", model=None, serial=None, size_bytes=256 << 30,
        rotational=rotational, transport=transport, removable=False, read_only=False,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_the_fastest_internal_disk_is_the_system_disk() -> None:
    hdd, ssd, nvme = (
        disk("sda", True, "sata"),
        disk("sdb", False, "sata"),
        disk("nvme0n1", False, "nvme"),
    )
    assert choose_disk(MachineFacts(disks=[hdd, nvme, ssd]), None) == ("/dev/nvme0n1", [])
    assert choose_disk(MachineFacts(disks=[hdd, ssd]), None) == ("/dev/sdb", [])
    assert choose_disk(MachineFacts(disks=[hdd]), None) == ("/dev/sda", [])
    # the one given wins, even a slower one
    assert choose_disk(MachineFacts(disks=[hdd, nvme]), "/dev/sda") == ("/dev/sda", [])


def test_two_disks_of_the_fastest_kind_are_the_technicians_choice() -> None:
    facts = MachineFacts(
        disks=[
            disk("sda", True, "sata"),
            disk("nvme0n1", False, "nvme"),
            disk("nvme1n1", False, "nvme"),
        ]
    )
    chosen, problems = choose_disk(facts, None, "--deploy-disk")
    assert chosen is None
    assert problems == [
        "choose the disk to deploy onto with --deploy-disk "
        "(internal disks: /dev/nvme0n1 (nvme), /dev/nvme1n1 (nvme))"
    ]


def test_never_the_running_system_nor_a_usb_key() -> None:
    live = disk("nvme0n1", False, "nvme", holds_running_system=True)
    key = disk("sdb", False, "usb")
    facts = MachineFacts(disks=[live, key, disk("sda", True, "sata")])
    assert choose_disk(facts, None) == ("/dev/sda", [])
    assert choose_disk(MachineFacts(disks=[live, key]), None)[0] is None
    _, problems = choose_disk(facts, "/dev/nvme0n1")
    assert problems == ["/dev/nvme0n1 holds the running live system: refused"]
