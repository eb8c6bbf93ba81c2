"""Which method each disk gets (NIST SP 800-88), decided from captured firmware outputs.

The decision code is playbooks/module_utils/assetctl_sanitize.py, the file the wipe module
runs on the machine itself.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "real-outputs"
_spec = importlib.util.spec_from_file_location(
    "assetctl_sanitize", ROOT / "playbooks" / "module_utils" / "assetctl_sanitize.py"
)
assert _spec and _spec.loader
sanitize = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sanitize)


def read(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


NVME = {"name": "nvme0n1", "transport": "nvme", "rotational": False}
SATA_SSD = {"name": "sda", "transport": "sata", "rotational": False}


@pytest.mark.parametrize(
    ("capture", "method", "category"),
    [
        ("nvme-id-ctrl-wdc-pc-sn730-crypto.json", "nvme-sanitize-crypto", "Purge"),
        (
            "nvme-id-ctrl-solidigm-d5-p5336-sbfpf2bu153t-crypto-nvmecli2x.json",
            "nvme-sanitize-crypto",
            "Purge",
        ),
        ("nvme-id-ctrl-H-samsung-pm1733-mzwlj7t6hala-crypto.txt", "nvme-sanitize-crypto", "Purge"),
        (
            "nvme-id-ctrl-H-grep-fna-sanicap-ssstc-ca6-8d1024-no-crypto.txt",
            "nvme-sanitize-block",
            "Purge",
        ),
        ("nvme-id-ctrl-samsung-980pro-no-sanitize.json", "nvme-format-crypto", "Purge"),
        (
            "nvme-id-ctrl-text-micron-9200-no-sanitize-nvmecli1x.txt",
            "nvme-format-user-data",
            "Purge",
        ),
    ],
)
def test_nvme_methods(capture: str, method: str, category: str) -> None:
    caps = sanitize.nvme_capabilities(read(capture))
    assert sanitize.choose_method(NVME, nvme=caps)[:2] == (method, category)


def test_nvme_without_format_or_sanitize_is_overwritten() -> None:
    assert sanitize.choose_method(NVME, nvme={"sanicap": 0, "fna": 0, "oacs": 0})[:2] == (
        "overwrite",
        "Clear",
    )


@pytest.mark.parametrize(
    ("capture", "method", "why"),
    [
        (
            "hdparm-I-sata-ssd-samsung-850evo-not-frozen.txt",
            "ata-secure-erase-enhanced",
            "Enhanced Security Erase",
        ),
        ("hdparm-I-sata-ssd-intel-545s-frozen.txt", "overwrite", "frozen"),
        ("hdparm-I-sata-ssd-tesla-2tb-frozen-sanitize.txt", "overwrite", "frozen"),
        ("hdparm-I-usb-bridge-rpi4-identify-garbage.txt", "overwrite", "no ATA IDENTIFY"),
        ("hdparm-IC-sas-drive-identify-failed.txt", "overwrite", "no ATA IDENTIFY"),
        ("hdparm-I-esata-bridge-wd-mybook-no-security.txt", "overwrite", "no usable firmware"),
    ],
)
def test_sata_methods(capture: str, method: str, why: str) -> None:
    identify = sanitize.ata_identify(read(capture))
    chosen, category, reason = sanitize.choose_method(SATA_SSD, ata=identify)
    assert chosen == method and why in reason
    assert category == ("Purge" if method != "overwrite" else "Clear")


def test_sanitize_feature_used_when_not_frozen() -> None:
    identify = sanitize.ata_identify(read("hdparm-I-sata-ssd-tesla-2tb-frozen-sanitize.txt"))
    assert identify is not None and identify["sanitize"] and identify["block_erase"]
    thawed = {**identify, "frozen": False}
    assert sanitize.choose_method(SATA_SSD, ata=thawed)[0] == "ata-sanitize-block"


def test_spinning_disks_usb_and_forced_overwrite() -> None:
    samsung = sanitize.ata_identify(read("hdparm-I-sata-ssd-samsung-850evo-not-frozen.txt"))
    hdd = {"name": "sdb", "transport": "sata", "rotational": True}
    assert sanitize.choose_method(hdd, ata=samsung)[0] == "overwrite"
    usb = {"name": "sdc", "transport": "usb", "rotational": False}
    assert "USB bridge" in sanitize.choose_method(usb, ata=samsung)[2]
    assert sanitize.choose_method(SATA_SSD, ata=samsung, force_overwrite=True)[0] == "overwrite"


def test_sanitize_progress_reports() -> None:
    status = sanitize.nvme_sanitize_status
    assert status(read("nvme-sanitize-log-H-completed-crypto-erase-sstat-0x1.txt")) == (
        "completed",
        100.0,
    )
    assert status(read("nvme-sanitize-log-completed-block-erase-sstat-0x101.txt"))[0] == (
        "completed"
    )
    assert status(read("nvme-sanitize-log-H-in-progress-ssstc-ca6-8d1024.txt")) == (
        "in_progress",
        35.5,
    )
    assert (
        status(read("nvme-sanitize-log-in-progress-stuck-intel-660p-ssdpeknw010t8.txt"))[0]
        == "in_progress"
    )
    ata = sanitize.ata_sanitize_status
    assert ata(read("hdparm-sanitize-status-in-progress-sata-ssd-shinedisk.txt")) == (
        "in_progress",
        25.0,
    )
    # the drive answered "started" but never did anything: idle, with no completion
    assert (
        ata(read("hdparm-sanitize-block-erase-and-status-unsupported-crucial-mx500.txt"))[0]
        == "idle"
    )


def test_hidden_areas() -> None:
    enabled = sanitize.hidden_area(read("hdparm-N-hpa-enabled-300gb.txt"))
    assert enabled == {
        "visible": 586070255,
        "native": 586072368,
        "enabled": True,
        "hidden_sectors": 2113,
    }
    assert sanitize.hidden_area(read("hdparm-N-hpa-disabled-750gb.txt"))["hidden_sectors"] == 0
    assert sanitize.hidden_area(read("hdparm-N-usb-stick-bogus-hpa.txt")) is None
    assert sanitize.dco_real_max(read("hdparm-dco-identify-750gb.txt")) == 1465149168
