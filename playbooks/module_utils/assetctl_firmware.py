"""What a machine's firmware keeps of its previous owner, reset after its disks are wiped
(ANSSI's guidance on reconditioned computers): the TPM is cleared, and the UEFI boot entries
that point to a partition no disk holds any more (the previous system's, on the wiped disks)
are removed. Only on the bench live system: anywhere else (a technician's own computer, the
tests' loopback machine) nothing is touched and the record says so.

What the live system cannot do (a BIOS password, the firmware's own settings, a TPM whose
lockout authorisation the previous owner set) stays a manual step, said in the record.
"""

from __future__ import annotations

import os
import re
from typing import Any

try:
    from ansible.module_utils.assetctl_machine import run
except ImportError:  # imported outside Ansible (tests, ansible-lint): the sibling file
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from assetctl_machine import run

# a program only the bench live system has (playbooks/live.yml)
LIVE_MARKER = "/usr/local/lib/assetctl/live-boot"
ENTRY_RE = re.compile(r"^Boot([0-9A-Fa-f]{4})(\*?)\s+(.*?)(?:\t|\s{2,})(\S.*)$")
GPT_PARTITION_RE = re.compile(r"HD\(\d+,GPT,([0-9A-Fa-f-]{36})", re.IGNORECASE)


def boot_entries(text: str) -> list[dict[str, Any]]:
    """``efibootmgr -v``: each entry's number, label, whether active, and the GPT partition
    (its unique GUID, lower case) its path names, if any."""
    entries = []
    for line in text.splitlines():
        match = ENTRY_RE.match(line.rstrip())
        if not match:
            continue
        number, active, label, path = match.groups()
        partition = GPT_PARTITION_RE.search(path)
        entries.append(
            {
                "number": number.upper(),
                "label": label.strip(),
                "active": bool(active),
                "partition": partition.group(1).lower() if partition else None,
            }
        )
    return entries


def stale_entries(entries: list[dict[str, Any]], partitions: set[str]) -> list[dict[str, Any]]:
    """The entries whose partition no disk of the machine holds any more."""
    return [e for e in entries if e["partition"] and e["partition"] not in partitions]


def partition_guids() -> set[str] | None:
    """Every partition's unique GUID on the machine's disks, or None if lsblk failed (then
    every entry would look stale: nothing is removed)."""
    code, out, _ = run(["lsblk", "-rno", "PARTUUID"])
    if code != 0:
        return None
    return {line.strip().lower() for line in out.splitlines() if line.strip()}


def reset_boot_entries() -> dict[str, Any]:
    if not os.path.isdir("/sys/firmware/efi"):
        return {"result": "not-uefi", "removed": [], "kept": []}
    code, out, err = run(["efibootmgr", "-v"])
    if code != 0:
        return {"result": "failed", "message": (err or out).strip()[:300], "removed": []}
    entries = boot_entries(out)
    partitions = partition_guids()
    if partitions is None:
        return {"result": "failed", "message": "lsblk could not list the partitions", "removed": []}
    removed, errors = [], []
    for entry in stale_entries(entries, partitions):
        code, _, err = run(["efibootmgr", "-b", entry["number"], "-B"])
        if code == 0:
            removed.append(entry["label"])
        else:
            errors.append(f"Boot{entry['number']} {entry['label']}: {err.strip()[:200]}")
    kept = [e["label"] for e in entries if e["label"] not in removed]
    return {
        "result": "failed" if errors else "done",
        "removed": removed,
        "kept": kept,
        **({"message": "; ".join(errors)} if errors else {}),
    }


def clear_tpm() -> dict[str, Any]:
    version_file = "/sys/class/tpm/tpm0/tpm_version_major"
    if not os.path.exists("/sys/class/tpm/tpm0"):
        return {"result": "absent"}
    try:
        with open(version_file) as handle:
            version = handle.read().strip()
    except OSError:
        version = "1"
    if version != "2":
        return {"result": "manual", "message": "TPM 1.2: clear it in the firmware's setup"}
    device = "/dev/tpmrm0" if os.path.exists("/dev/tpmrm0") else "/dev/tpm0"
    os.environ["TPM2TOOLS_TCTI"] = f"device:{device}"
    code, out, err = run(["tpm2_clear", "-c", "l"])
    if code != 0:
        return {
            "result": "manual",
            "message": "tpm2_clear refused (the previous owner set a lockout password?): "
            f"clear the TPM in the firmware's setup; {(err or out).strip()[:200]}",
        }
    return {"result": "cleared", "tool": "tpm2_clear -c l"}


def reset_firmware() -> dict[str, Any]:
    """The steps the live system can take, each with its result."""
    if not os.path.exists(LIVE_MARKER):
        return {"on_live_system": False}
    return {"on_live_system": True, "tpm": clear_tpm(), "boot_entries": reset_boot_entries()}
