"""The programme's sanitisation policy, and what a verification covers.

NIST SP 800-88 Rev. 2 (September 2025) asks for an organisation-wide sanitisation programme
and separates two results: *verification*, that the technique was applied as intended (every
byte overwritten, or the drive reporting its Purge command completed), and *validation*, that
the result is good enough (the read-back, the drive's own status, and a person who accepts
it). The commands per interface are those of IEEE 2883-2022. The settings are ``[wipe]``
(:class:`assetctl.config.settings.WipeSettings`).
"""

from __future__ import annotations

from typing import Any

from assetctl.config.settings import WipeSettings
from assetctl.vocabulary import Media, ReadBack

MIB = 1024 * 1024
STANDARDS = (
    "NIST SP 800-88 Rev. 2 (Guidelines for Media Sanitization, septembre 2025)",
    "IEEE 2883-2022 (Standard for Sanitizing Storage)",
)
# the region sizes whose chance of escaping a sampled read-back a certificate states
MISSED_REGIONS_MIB = (1, 64)
# the disk the policy states a sample's chances on: a city desktop's 256 GB
POLICY_DISK_BYTES = 256 * 10**9


def read_back_for(media: str | None, requested: ReadBack | None, policy: WipeSettings) -> ReadBack:
    """How much of a disk to read back after an overwrite: in full where the policy says so
    for its media (a technician cannot ask for less there), else what was asked, else a
    sample."""
    try:
        kind = Media(media or Media.UNKNOWN)
    except ValueError:
        kind = Media.UNKNOWN
    if kind in policy.full_read_back or requested == ReadBack.FULL:
        return ReadBack.FULL
    return ReadBack.SAMPLE


def chance_missed(region_bytes: int, disk_bytes: int, draws: int, block: int = MIB) -> float:
    """The chance that ``draws`` blocks drawn at random (with replacement) over a disk all miss
    one region of ``region_bytes`` the disk kept (the first and last blocks, always read, are
    left out: a region elsewhere is the case that matters)."""
    blocks = max(1, disk_bytes // block)
    region = min(blocks, max(1, -(-region_bytes // block)))
    return float((1 - region / blocks) ** draws)


def coverage(disk: dict[str, Any]) -> dict[str, Any]:
    """What a disk's read-back covered, from its record (:func:`assetctl.wipes.certificate_record`
    fields): the share of the disk read and, for a sample, the chance of missing a region the
    disk kept, for each size of ``MISSED_REGIONS_MIB``."""
    details = disk.get("details") or {}
    size = disk.get("size_bytes") or 0
    read = disk.get("bytes_verified") or 0
    found: dict[str, Any] = {
        "read_back": details.get("read_back"),
        "bytes_read": read,
        "share_read": min(1.0, read / size) if size else None,
    }
    if details.get("read_back") in (ReadBack.SAMPLE, "canaries") and size:
        block, draws = details.get("block_size") or MIB, details.get("samples") or 0
        found.update(
            blocks=details.get("sample_blocks"),
            block_size=block,
            draws=draws,
            missed={
                mib: chance_missed(mib * MIB, size, draws, block) for mib in MISSED_REGIONS_MIB
            },
        )
    return found


def policy_record(policy: WipeSettings, organisation: str) -> dict[str, Any]:
    """The sanitisation policy as configured, for ``assetctl wipe policy``."""
    # the order the bench tries them in (playbooks/module_utils/assetctl_sanitize.choose_method)
    methods = {
        Media.NVME: (
            "nvme-sanitize-crypto",
            "nvme-sanitize-block",
            "nvme-sanitize-overwrite",
            "nvme-format-crypto",
            "nvme-format-user-data",
            "overwrite",
        ),
        Media.SSD: (
            "ata-sanitize-crypto",
            "ata-sanitize-block",
            "ata-secure-erase-enhanced",
            "overwrite",
        ),
        Media.HDD: ("overwrite",),
        Media.EMMC: ("overwrite",),
        Media.UNKNOWN: ("overwrite",),
    }
    return {
        "organisation": organisation,
        "standards": list(STANDARDS),
        "media": [
            {
                "media": media.value,
                # NIST categories: the host's overwrite is a Clear, a firmware command a Purge
                "methods": [
                    {"code": m, "category": "Clear" if m == "overwrite" else "Purge"}
                    for m in methods[media]
                ],
                "read_back": read_back_for(media, None, policy).value,
            }
            for media in Media
        ],
        "samples": policy.samples,
        "missed": {
            mib: chance_missed(mib * MIB, POLICY_DISK_BYTES, policy.samples)
            for mib in MISSED_REGIONS_MIB
        },
        "validator": policy.validator,
        "separate_validator": policy.separate_validator,
        "records_kept_years": policy.records_kept_years,
    }
