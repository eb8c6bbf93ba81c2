"""The bench's fact parsers, on outputs captured from real machines (tests/fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

from assetctl.bench.facts import (
    parse_battery,
    parse_dmi,
    parse_facts,
    parse_lsblk,
    parse_smart,
)
from assetctl.vocabulary import Firmware

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-outputs"


def read(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


def test_lsblk_of_every_util_linux_generation() -> None:
    nvme = parse_lsblk(read("lsblk-json-dell-latitude5420-nvme-zram.json"))
    assert [(d.name, d.model, d.size_bytes, d.media_type) for d in nvme] == [
        ("nvme0n1", "Samsung SSD 990 EVO Plus 1TB", 1000204886016, "nvme")
    ]  # zram skipped
    old = parse_lsblk(read("lsblk-json-laptop-nvme-plus-usb-stick-lsblk2.3x.json"))
    stick, internal = old
    assert (stick.name, stick.removable, stick.mountpoints) == ("sda", True, ["/media/jwentz/Temp"])
    assert stick.size_bytes == int(14.3 * 1024**3)
    assert internal.name == "nvme0n1" and not internal.removable
    assert sorted(internal.mountpoints) == ["/", "/boot/efi", "[SWAP]"]
    talos = parse_lsblk(read("lsblk-json-talos-node-sata-ssds-iscsi.json"))
    pny = next(d for d in talos if d.model and d.model.startswith("PNY"))
    assert pny.model == "PNY CS900 240GB" and pny.transport == "sata" and pny.media_type == "ssd"
    assert any(d.transport == "iscsi" for d in talos)


def test_dmi_in_both_listing_styles() -> None:
    lenovo = parse_dmi(read("sysfs-dmi-id-lenovo-thinkpad-t410s.txt"))
    assert lenovo["chassis_type"] == "10" and lenovo["product_version"] == "ThinkPad T410s"
    hp = parse_dmi(read("sysfs-dmi-id-grep-hp-envy-x360-13-ag0xxx.txt"))
    assert hp["product_name"] == "HP ENVY x360 Convertible 13-ag0xxx"
    assert hp["bios_date"] == "11/15/2019"


def test_smart_health_hours_and_serial() -> None:
    assert parse_smart(read("smartctl-aj-sata-ssd-pny-cs900.json")) == (
        True,
        15893,
        "PNY07190003520108EFB",
    )
    passed, hours, _ = parse_smart(read("smartctl-aj-nvme-toshiba-kxg60znv256g.json"))
    assert passed is True and isinstance(hours, int)
    assert parse_smart(read("smartctl-aj-vm-qemu-harddisk-no-smart.json"))[0] is None
    assert parse_smart("smartctl: command not found") == (None, None, None)


def test_battery_wear_from_energy_or_charge() -> None:
    degraded = parse_battery(
        "BAT0", read("power-supply-BAT0-uevent-lenovo-thinkpad-42t4865-charge-degraded.txt")
    )
    assert (degraded.full, degraded.design, degraded.health_percent) == (1802000, 5600000, 32)
    energy = parse_battery(
        "BAT1", read("power-supply-BAT1-uevent-lenovo-thinkpad-42t4969-energy.txt")
    )
    assert energy.health_percent == 100


def machine_output(
    dmi: str, lsblk: str, root: str, smart: dict[str, str], battery: str | None = None
) -> str:
    parts = [
        "==assetctl:dmi==",
        dmi,
        "==assetctl:cpu==",
        "model name\t: Intel(R) Core(TM) i5-3470 CPU @ 3.20GHz",
        "cores:4",
        "==assetctl:mem==",
        "MemTotal:        8052156 kB",
        "==assetctl:lsblk==",
        lsblk,
        "==assetctl:root==",
        root,
    ]
    for name, text in smart.items():
        parts += [f"==assetctl:smart:{name}==", text]
    if battery:
        parts += ["==assetctl:battery:BAT0==", battery]
    parts += [
        "==assetctl:net==",
        json.dumps(
            [
                {"ifname": "lo", "link_type": "loopback", "address": "00:00:00:00:00:00"},
                {"ifname": "eno1", "link_type": "ether", "address": "F4:8E:38:AA:BB:CC"},
            ]
        ),
        "==assetctl:end==",
    ]
    return "\n".join(parts) + "\n"


def test_a_whole_machine() -> None:
    dell = json.loads(read("sysfs-dmi-id-and-bat0-dell-latitude5420.json"))
    dmi = "\n".join(
        f"{path.rsplit('/', 1)[-1]}:{value.strip()}"
        for path, value in dell.items()
        if path.startswith("/sys/class/dmi/id/")
    )
    output = machine_output(
        dmi + "\nchassis_type:10",
        read("lsblk-json-laptop-nvme-plus-usb-stick-lsblk2.3x.json"),
        "/dev/nvme0n1p2",
        {"sda": "", "nvme0n1": read("smartctl-aj-nvme-toshiba-kxg60znv256g.json")},
        read("power-supply-BAT0-uevent-lenovo-thinkpad-42t4865-charge-degraded.txt"),
    )
    facts = parse_facts(output)
    assert facts.manufacturer == "Dell Inc." and facts.product == "Latitude 5420"
    assert facts.kind == "laptop"
    assert facts.cpu == "Intel(R) Core(TM) i5-3470 CPU @ 3.20GHz" and facts.cores == 4
    assert facts.ram_mb == 7863
    assert facts.battery_health == 32
    assert facts.macs == ["f4:8e:38:aa:bb:cc"]
    running = [d.name for d in facts.disks if d.holds_running_system]
    assert running == ["nvme0n1"]
    nvme = next(d for d in facts.disks if d.name == "nvme0n1")
    assert nvme.smart_passed is True and nvme.serial  # serial taken from SMART
    lenovo = parse_facts(
        machine_output(
            read("sysfs-dmi-id-lenovo-thinkpad-t410s.txt"), '{"blockdevices": []}', "", {}
        )
    )
    assert lenovo.product == "ThinkPad T410s"  # not the machine type 29123AG
    assert lenovo.serial is None  # the poster removed it: no serial, not a placeholder


def test_nvme_controllers_firmware_and_erase_commands() -> None:
    """`nvme id-ctrl -o json` of real drives: the firmware revision, and the erase commands
    in the wipe's words (Sanitize from SANICAP, Format from OACS, crypto from FNA)."""
    lsblk = read("lsblk-json-laptop-nvme-plus-usb-stick-lsblk2.3x.json")
    for fixture, revision, offered in (
        (
            "nvme-id-ctrl-wdc-pc-sn730-crypto.json",
            "11170101",
            ["sanitize-crypto", "sanitize-block", "format", "format-crypto"],
        ),
        ("nvme-id-ctrl-samsung-980pro-no-sanitize.json", "3B2QGXA7", ["format", "format-crypto"]),
    ):
        output = machine_output("sys_vendor:Dell Inc.", lsblk, "", {})
        output = output.replace(
            "==assetctl:net==", f"==assetctl:nvme:nvme0n1==\n{read(fixture)}\n==assetctl:net=="
        )
        nvme = next(d for d in parse_facts(output).disks if d.name == "nvme0n1")
        assert (nvme.firmware_revision, nvme.erase_commands) == (revision, offered), fixture
    broken = machine_output("", lsblk, "", {}).replace(
        "==assetctl:net==", "==assetctl:nvme:nvme0n1==\n[1, 2\n==assetctl:net=="
    )
    nvme = next(d for d in parse_facts(broken).disks if d.name == "nvme0n1")
    assert (nvme.firmware_revision, nvme.erase_commands) == (None, [])


def test_how_the_live_system_booted() -> None:
    base = machine_output("", '{"blockdevices": []}', "", {})
    assert parse_facts(base).boot_firmware is None  # a captured tree without /sys/firmware
    for said, meant in (("uefi", Firmware.UEFI), ("bios", Firmware.BIOS), ("\x1b[2J", None)):
        assert parse_facts(base + f"\n==assetctl:boot==\n{said}\n").boot_firmware == meant
