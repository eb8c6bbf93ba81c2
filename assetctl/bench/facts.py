"""Hardware facts of a machine on the bench, parsed from what its live system prints.

The live system runs one shell script (:data:`FACTS_SCRIPT`) whose sections are read here:
DMI from sysfs, CPU and memory from /proc, disks from ``lsblk`` JSON (every util-linux
version's shape), SMART from ``smartctl -j``, batteries from ``power_supply`` uevents, network
interfaces from ``ip -j link``, each NVMe controller's ``nvme id-ctrl -o json`` (firmware
revision, erase commands), how the machine booted (UEFI or BIOS), and the device that holds
the running system.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assetctl.text import squeeze
from assetctl.vocabulary import Firmware

# Placeholders firmware vendors leave in DMI fields: not a serial, not a name.
DMI_PLACEHOLDERS = {
    "",
    "to be filled by o.e.m.",
    "default string",
    "system serial number",
    "not specified",
    "not available",
    "none",
    "n/a",
    "0",
    "00000000",
    "0123456789",
    "chassis serial number",
    "system product name",
    "system manufacturer",
    "--",
    "x.x",
    "no asset information",
}
# SMBIOS chassis types (DMTF DSP0134, 7.4.1) a family might get.
LAPTOP_CHASSIS = {8, 9, 10, 14, 30, 31, 32}  # portable, laptop, notebook, sub-notebook, ...
DESKTOP_CHASSIS = {3, 4, 5, 6, 7, 13, 15, 16, 35, 36}  # desktop, low profile, tower, AIO, mini

SECTION_RE = re.compile(r"^==assetctl:([a-z]+)(?::(\S+))?==$", re.MULTILINE)

# Runs on the live system as root. ROOT prefixes the sysfs paths it reads (empty on a real
# machine; a captured tree in tests). Every section is printed even when its tool is missing.
FACTS_SCRIPT = r"""
ROOT="${ASSETCTL_FACTS_ROOT:-}"
echo "==assetctl:dmi=="
grep -sH . "$ROOT"/sys/class/dmi/id/* 2>/dev/null
echo "==assetctl:cpu=="
grep -m1 '^model name' /proc/cpuinfo 2>/dev/null
printf 'cores:%s\n' "$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)"
echo "==assetctl:mem=="
grep -m1 '^MemTotal' /proc/meminfo 2>/dev/null
echo "==assetctl:lsblk=="
lsblk -J -b -o NAME,PATH,MODEL,SERIAL,SIZE,ROTA,TRAN,TYPE,RM,RO,MOUNTPOINTS,PKNAME 2>/dev/null \
  || lsblk -J -b -o NAME,MODEL,SERIAL,SIZE,ROTA,TRAN,TYPE,RM,RO,MOUNTPOINT,PKNAME 2>/dev/null
echo "==assetctl:root=="
findmnt -n -o SOURCE / 2>/dev/null
for d in $(lsblk -d -n -o NAME,TYPE 2>/dev/null | awk '$2=="disk"{print $1}'); do
  echo "==assetctl:smart:$d=="
  smartctl -j -a "/dev/$d" 2>/dev/null
done
for b in "$ROOT"/sys/class/power_supply/*; do
  [ "$(cat "$b/type" 2>/dev/null)" = "Battery" ] || continue
  echo "==assetctl:battery:${b##*/}=="
  if [ -f "$b/uevent" ]; then cat "$b/uevent"; else
    for a in energy_full energy_full_design charge_full charge_full_design cycle_count; do
      [ -f "$b/$a" ] && printf 'POWER_SUPPLY_%s=%s\n' "$(echo "$a" | tr a-z A-Z)" "$(cat "$b/$a")"
    done
  fi
done
for d in $(lsblk -d -n -o NAME 2>/dev/null | grep '^nvme'); do
  echo "==assetctl:nvme:$d=="
  nvme id-ctrl -o json "/dev/$d" 2>/dev/null
done
echo "==assetctl:net=="
ip -j link 2>/dev/null
echo "==assetctl:boot=="
if [ -d "$ROOT"/sys/firmware/efi ]; then echo uefi
elif [ -d "$ROOT"/sys/firmware ]; then echo bios; fi
echo "==assetctl:end=="
"""


@dataclass
class DiskFacts:
    name: str
    path: str
    model: str | None
    serial: str | None
    size_bytes: int | None
    rotational: bool | None
    transport: str | None
    removable: bool
    read_only: bool
    mountpoints: list[str] = field(default_factory=list)
    holds_running_system: bool = False
    smart_passed: bool | None = None
    power_on_hours: int | None = None
    firmware_revision: str | None = None
    # the firmware erase commands an NVMe controller offers (``nvme id-ctrl``), in the wipe's
    # words: "sanitize-crypto", "sanitize-block", "sanitize-overwrite", "format", "format-crypto"
    erase_commands: list[str] = field(default_factory=list)

    @property
    def media_type(self) -> str:
        if self.transport == "nvme" or self.name.startswith("nvme"):
            return "nvme"
        if self.name.startswith("mmcblk"):
            return "emmc"
        if self.rotational is True:
            return "hdd"
        if self.rotational is False:
            return "ssd"
        return "unknown"


@dataclass
class BatteryFacts:
    name: str
    full: int | None
    design: int | None
    cycle_count: int | None

    @property
    def health_percent(self) -> int | None:
        if not self.full or not self.design:
            return None
        return max(0, min(100, round(100 * self.full / self.design)))


@dataclass
class MachineFacts:
    manufacturer: str | None = None
    product: str | None = None
    serial: str | None = None
    chassis_type: int | None = None
    bios_date: str | None = None
    cpu: str | None = None
    cores: int | None = None
    ram_mb: int | None = None
    disks: list[DiskFacts] = field(default_factory=list)
    batteries: list[BatteryFacts] = field(default_factory=list)
    macs: list[str] = field(default_factory=list)
    root_source: str | None = None
    boot_firmware: Firmware | None = None  # how the live system was booted

    @property
    def kind(self) -> str | None:
        if self.chassis_type in LAPTOP_CHASSIS:
            return "laptop"
        if self.chassis_type in DESKTOP_CHASSIS:
            return "desktop"
        return None

    @property
    def battery_health(self) -> int | None:
        values = [b.health_percent for b in self.batteries if b.health_percent is not None]
        return min(values) if values else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind
        data["battery_health"] = self.battery_health
        for disk, facts in zip(data["disks"], self.disks, strict=True):
            disk["media_type"] = facts.media_type
        return data


def _clean(value: str | None) -> str | None:
    """A DMI or tool field, squeezed; None for the vendors' placeholders."""
    value = squeeze(value)
    return None if value is None or value.lower() in DMI_PLACEHOLDERS else value


def split_sections(output: str) -> dict[str, str]:
    """{"dmi": text, "smart:sda": text, ...} from the script's output."""
    sections: dict[str, str] = {}
    matches = list(SECTION_RE.finditer(output))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(output)
        key = match.group(1) + (f":{match.group(2)}" if match.group(2) else "")
        sections[key] = output[match.end() : end].strip("\n")
    return sections


def parse_dmi(text: str) -> dict[str, str]:
    """``key:value`` lines (``grep . /sys/class/dmi/id/*`` style, with or without the path)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.rsplit("/", 1)[-1].strip()] = value.strip()
    return values


def _boolish(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("1", 1):
        return True
    if value in ("0", 0):
        return False
    return None


_HUMAN_SIZE = re.compile(r"^([\d.]+)([KMGTP]?)$")


def _size(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        match = _HUMAN_SIZE.match(value.strip())
        if match:  # lsblk's human sizes are binary units
            return int(float(match.group(1)) * 1024 ** "BKMGTP".index(match.group(2) or "B"))
    return None


def _mountpoints(node: dict[str, Any]) -> list[str]:
    points = node.get("mountpoints")
    if points is None:
        points = [node.get("mountpoint")]
    return [p for p in points if p]


def parse_lsblk(text: str) -> list[DiskFacts]:
    """Whole disks (not partitions, loop devices excluded only if empty) with the mount
    points of everything on them."""
    try:
        tree = json.loads(text) if text.strip() else {"blockdevices": []}
    except json.JSONDecodeError:
        return []
    disks: list[DiskFacts] = []

    def collect(node: dict[str, Any], into: list[str]) -> None:
        into.extend(_mountpoints(node))
        for child in node.get("children") or []:
            collect(child, into)

    for node in tree.get("blockdevices", []):
        if node.get("type") not in ("disk", "loop"):
            continue
        if node.get("name", "").startswith(("zram", "ram")):
            continue  # compressed RAM swap, not storage
        points: list[str] = []
        collect(node, points)
        name = str(node.get("name"))
        disks.append(
            DiskFacts(
                name=name,
                path=str(node.get("path") or f"/dev/{name}"),
                model=_clean(node.get("model")),
                serial=_clean(node.get("serial")),
                size_bytes=_size(node.get("size")),
                rotational=_boolish(node.get("rota")),
                transport=node.get("tran") or None,
                removable=bool(_boolish(node.get("rm"))),
                read_only=bool(_boolish(node.get("ro"))),
                mountpoints=points,
            )
        )
    return disks


def parse_smart(text: str) -> tuple[bool | None, int | None, str | None]:
    """(overall health passed, power-on hours, serial) from ``smartctl -j -a``."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None, None, None
    status = data.get("smart_status", {})
    passed = status.get("passed") if isinstance(status, dict) else None
    hours = data.get("power_on_time", {}).get("hours")
    return (
        passed if isinstance(passed, bool) else None,
        hours if isinstance(hours, int) else None,
        _clean(data.get("serial_number")),
    )


def parse_nvme_controller(text: str) -> tuple[str | None, list[str]]:
    """(firmware revision, erase commands offered) from ``nvme id-ctrl -o json``."""
    from assetctl.resources.playbooks.module_utils.assetctl_sanitize import (
        nvme_capabilities,
        nvme_erase_commands,
    )

    try:
        data = json.loads(text)
        caps = nvme_capabilities(text) if isinstance(data, dict) else {}
    except (TypeError, ValueError):
        return None, []
    if not isinstance(data, dict):
        return None, []
    revision = data.get("fr")
    return (_clean(revision) if isinstance(revision, str) else None), nvme_erase_commands(caps)


def parse_battery(name: str, text: str) -> BatteryFacts:
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def number(key: str) -> int | None:
        raw = values.get(f"POWER_SUPPLY_{key}", "").strip()
        return int(raw) if raw.isdigit() else None

    full = number("ENERGY_FULL") or number("CHARGE_FULL")
    design = number("ENERGY_FULL_DESIGN") or number("CHARGE_FULL_DESIGN")
    return BatteryFacts(name=name, full=full, design=design, cycle_count=number("CYCLE_COUNT"))


def parse_macs(text: str) -> list[str]:
    try:
        links = json.loads(text) if text.strip() else []
    except json.JSONDecodeError:
        return []
    return sorted(
        {
            link["address"].lower()
            for link in links
            if link.get("link_type") == "ether"
            and link.get("address")
            and link["address"] != "00:00:00:00:00:00"
        }
    )


def _disk_of(source: str | None, disks: list[DiskFacts]) -> str | None:
    """The disk name under a root device like /dev/nvme0n1p2 or /dev/sda1."""
    if not source or not source.startswith("/dev/"):
        return None
    device = source[len("/dev/") :]
    for disk in sorted(disks, key=lambda d: -len(d.name)):
        if device == disk.name or re.fullmatch(rf"{re.escape(disk.name)}p?\d+", device):
            return disk.name
    return None


def parse_facts(output: str) -> MachineFacts:
    sections = split_sections(output)
    dmi = parse_dmi(sections.get("dmi", ""))
    facts = MachineFacts(
        manufacturer=_clean(dmi.get("sys_vendor")),
        product=_clean(dmi.get("product_name")),
        serial=_clean(dmi.get("product_serial")) or _clean(dmi.get("chassis_serial")),
        chassis_type=int(dmi["chassis_type"]) if dmi.get("chassis_type", "").isdigit() else None,
        bios_date=_clean(dmi.get("bios_date")),
    )
    # Lenovo puts the machine type in product_name and the model name in product_version.
    version = _clean(dmi.get("product_version"))
    if facts.manufacturer and facts.manufacturer.lower() == "lenovo" and version:
        facts.product = version
    cpu = sections.get("cpu", "")
    model = re.search(r"^model name\s*:\s*(.+)$", cpu, re.MULTILINE)
    facts.cpu = " ".join(model.group(1).split()) if model else None
    cores = re.search(r"^cores:(\d+)$", cpu, re.MULTILINE)
    facts.cores = int(cores.group(1)) if cores and int(cores.group(1)) else None
    memory = re.search(r"MemTotal:\s*(\d+)\s*kB", sections.get("mem", ""))
    facts.ram_mb = int(memory.group(1)) // 1024 if memory else None
    facts.disks = parse_lsblk(sections.get("lsblk", ""))
    facts.root_source = sections.get("root", "").strip() or None
    running = _disk_of(facts.root_source, facts.disks)
    for disk in facts.disks:
        disk.holds_running_system = disk.name == running or "/" in disk.mountpoints
        smart = sections.get(f"smart:{disk.name}")
        if smart:
            disk.smart_passed, disk.power_on_hours, serial = parse_smart(smart)
            disk.serial = disk.serial or serial
        nvme = sections.get(f"nvme:{disk.name}")
        if nvme:
            disk.firmware_revision, disk.erase_commands = parse_nvme_controller(nvme)
    facts.batteries = [
        parse_battery(key.split(":", 1)[1], text)
        for key, text in sections.items()
        if key.startswith("battery:")
    ]
    facts.macs = parse_macs(sections.get("net", ""))
    boot = sections.get("boot", "").strip()
    facts.boot_firmware = Firmware(boot) if boot in set(Firmware) else None
    return facts
