"""Which sanitisation method a disk gets (NIST SP 800-88), from what its firmware says.

Pure functions over the text of ``nvme id-ctrl``, ``nvme sanitize-log``, ``hdparm -I``,
``hdparm -N`` and ``hdparm --sanitize-status``: no I/O, no dependencies, so that the Ansible
module on the live system and assetctl's tests use the same code.
"""

from __future__ import annotations

import json
import re
from typing import Any

CLEAR, PURGE = "Clear", "Purge"


def _number(value: object) -> int:
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def nvme_capabilities(text: str) -> dict[str, int]:
    """sanicap, fna, oacs from `nvme id-ctrl` (JSON of any nvme-cli, or its text, -H or not)."""
    found: dict[str, int] = {}
    try:
        data = json.loads(text)
        for key in ("sanicap", "fna", "oacs"):
            if key in data:
                found[key] = _number(data[key])
    except ValueError:
        for key in ("sanicap", "fna", "oacs"):
            match = re.search(rf"^{key}\s*:\s*(0x[0-9a-fA-F]+|\d+)", text, re.MULTILINE)
            if match:
                found[key] = _number(match.group(1))
    return found


def nvme_erase_commands(caps: dict[str, int]) -> list[str]:
    """The firmware erase commands a controller offers (nvme_capabilities()), in the wipe's
    words: SANICAP bits 0-2 for Sanitize, OACS bit 1 for Format NVM, FNA bit 2 for its
    cryptographic erase (the bits choose_method() reads)."""
    sanicap, fna, oacs = caps.get("sanicap", 0), caps.get("fna", 0), caps.get("oacs", 0)
    return [
        word
        for word, offered in (
            ("sanitize-crypto", sanicap & 0x1),
            ("sanitize-block", sanicap & 0x2),
            ("sanitize-overwrite", sanicap & 0x4),
            ("format", oacs & 0x2),
            ("format-crypto", oacs & 0x2 and fna & 0x4),
        )
        if offered
    ]


def ata_identify(text: str) -> dict[str, Any] | None:
    """What `hdparm -I` says of the drive's erase features (None when IDENTIFY failed)."""
    model = re.search(r"Model Number:\s*(\S.*?)\s*$", text, re.MULTILINE)
    if model is None or "identify) failed" in text:
        return None  # a USB bridge or a SAS drive: no ATA IDENTIFY data
    security = text.split("Security:", 1)[1] if "Security:" in text else ""
    security = security.split("Logical Unit WWN", 1)[0].split("Checksum", 1)[0]
    lines = [" ".join(line.split()) for line in security.splitlines()]

    def says(phrase: str) -> bool:
        return any(line == phrase for line in lines)

    features = [" ".join(line.split()) for line in text.splitlines()]
    return {
        "model": model.group(1),
        "security_supported": says("supported"),
        "enabled": says("enabled"),
        "frozen": says("frozen"),
        "enhanced_erase": any(line.startswith("supported: enhanced erase") for line in lines),
        "sanitize": "* SANITIZE feature set" in features,
        "block_erase": "* BLOCK_ERASE_EXT command" in features,
        "crypto_scramble": "* CRYPTO_SCRAMBLE_EXT command" in features,
        "overwrite_ext": "* OVERWRITE_EXT command" in features,
    }


def hidden_area(text: str) -> dict[str, Any] | None:
    """`hdparm -N`: (visible sectors, native sectors, HPA enabled) or None if meaningless."""
    match = re.search(r"max sectors\s*=\s*(\d+)/(\d+), HPA is (enabled|disabled)", text)
    if not match:
        return None
    visible, native = int(match.group(1)), int(match.group(2))
    if native <= 1:
        return None  # a USB bridge answering nonsense ("0/1, HPA is enabled")
    return {
        "visible": visible,
        "native": native,
        "enabled": match.group(3) == "enabled",
        "hidden_sectors": native - visible,
    }


def dco_real_max(text: str) -> int | None:
    """`hdparm --dco-identify`: the drive's real size in sectors, or None if meaningless (a
    drive without DCO answers "Real max sectors: 1", as QEMU's disk and some bridges do)."""
    match = re.search(r"Real max sectors:\s*(\d+)", text)
    return int(match.group(1)) if match and int(match.group(1)) > 1 else None


def choose_method(
    disk: dict[str, Any],
    nvme: dict[str, int] | None = None,
    ata: dict[str, Any] | None = None,
    force_overwrite: bool = False,
) -> tuple[str, str, str]:
    """(method, NIST category, why) for a disk.

    disk: {"name", "transport", "rotational"}; nvme: nvme_capabilities(); ata: ata_identify().
    """
    if force_overwrite:
        return "overwrite", CLEAR, "overwrite asked for (--method overwrite)"
    transport = (disk.get("transport") or "").lower()
    name = disk.get("name") or ""
    if transport == "usb":
        return "overwrite", CLEAR, "behind a USB bridge: firmware erase commands do not pass"
    if transport == "nvme" or name.startswith("nvme"):
        caps = nvme or {}
        sanicap, fna, oacs = caps.get("sanicap", 0), caps.get("fna", 0), caps.get("oacs", 0)
        if sanicap & 0x1:
            return "nvme-sanitize-crypto", PURGE, "NVMe Sanitize, Crypto Erase supported"
        if sanicap & 0x2:
            return "nvme-sanitize-block", PURGE, "NVMe Sanitize, Block Erase supported"
        if sanicap & 0x4:
            return "nvme-sanitize-overwrite", PURGE, "NVMe Sanitize, Overwrite supported"
        if oacs & 0x2:
            if fna & 0x4:
                return (
                    "nvme-format-crypto",
                    PURGE,
                    "no Sanitize; Format NVM with cryptographic erase supported",
                )
            return "nvme-format-user-data", PURGE, "no Sanitize; Format NVM, user data erase"
        return "overwrite", CLEAR, "the controller offers neither Sanitize nor Format NVM"
    if disk.get("rotational") is True:
        return "overwrite", CLEAR, "spinning disk: one full overwrite pass"
    if ata is None:
        return "overwrite", CLEAR, "no ATA IDENTIFY data (bridge or non-ATA drive)"
    if ata["frozen"]:
        return (
            "overwrite",
            CLEAR,
            "security frozen by the BIOS (a suspend/resume may unfreeze "
            "it): firmware erase refused",
        )
    if ata["sanitize"] and ata["crypto_scramble"]:
        return "ata-sanitize-crypto", PURGE, "ATA Sanitize, Crypto Scramble supported"
    if ata["sanitize"] and ata["block_erase"]:
        return "ata-sanitize-block", PURGE, "ATA Sanitize, Block Erase supported"
    if ata["security_supported"] and not ata["enabled"] and ata["enhanced_erase"]:
        return "ata-secure-erase-enhanced", PURGE, "ATA Enhanced Security Erase supported"
    return "overwrite", CLEAR, "no usable firmware erase: one full overwrite pass"


def nvme_sanitize_status(text: str) -> tuple[str, float | None]:
    """(state, percent) from `nvme sanitize-log`: completed, in_progress, failed or never."""
    sstat = re.search(r"SSTAT\)?\s*:\s*(0x[0-9a-fA-F]+|\d+)", text)
    sprog = re.search(r"SPROG\)?\s*:\s*(\d+)", text)
    if not sstat:
        return "unknown", None
    code = _number(sstat.group(1)) & 0x7
    progress = int(sprog.group(1)) if sprog else None
    percent = None if progress is None else round(100.0 * progress / 65536, 1)
    state = {0: "never", 1: "completed", 2: "in_progress", 3: "failed", 4: "completed"}.get(
        code, "unknown"
    )
    return state, (100.0 if state == "completed" else percent)


def ata_sanitize_status(text: str) -> tuple[str, float | None]:
    """(state, percent) from `hdparm --sanitize-status`."""
    if "Sanitize operation In Process" in text or "SD2" in text:
        match = re.search(r"Progress:\s*\S+\s*\((\d+)%\)", text)
        return "in_progress", float(match.group(1)) if match else None
    if "completed without error" in text.lower():
        return "completed", 100.0
    if "SD0 Sanitize Idle" in text:
        return "idle", None
    return "unknown", None
