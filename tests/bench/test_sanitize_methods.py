"""Which method each disk gets (NIST SP 800-88), decided from captured firmware outputs.

The decision code is playbooks/module_utils/assetctl_sanitize.py, the file the wipe module
runs on the machine itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import playbook_module

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "real-outputs"
sanitize = playbook_module("assetctl_sanitize")


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


# --- the whole decision table, each branch with the words the certificate prints ------------
# (mutation testing showed the reasons, the bit masks and the ATA branches unguarded)

ATA_NONE = {
    "model": "X",
    "security_supported": False,
    "enabled": False,
    "frozen": False,
    "enhanced_erase": False,
    "sanitize": False,
    "block_erase": False,
    "crypto_scramble": False,
    "overwrite_ext": False,
}
NO_FIRMWARE = ("overwrite", "Clear", "the controller offers neither Sanitize nor Format NVM")


@pytest.mark.parametrize(
    ("disk", "nvme", "ata", "expected"),
    [
        (NVME, {"sanicap": 0x1}, None,
         ("nvme-sanitize-crypto", "Purge", "NVMe Sanitize, Crypto Erase supported")),
        (NVME, {"sanicap": 0x2}, None,
         ("nvme-sanitize-block", "Purge", "NVMe Sanitize, Block Erase supported")),
        (NVME, {"sanicap": 0x4}, None,
         ("nvme-sanitize-overwrite", "Purge", "NVMe Sanitize, Overwrite supported")),
        (NVME, {"oacs": 0x2, "fna": 0x4}, None,
         ("nvme-format-crypto", "Purge",
          "no Sanitize; Format NVM with cryptographic erase supported")),
        # FNA bit 0 (format applies to all namespaces) is not the crypto-erase bit
        (NVME, {"oacs": 0x2, "fna": 0x1}, None,
         ("nvme-format-user-data", "Purge", "no Sanitize; Format NVM, user data erase")),
        # OACS bit 0 is Security Send/Receive, not Format NVM
        (NVME, {"oacs": 0x1}, None, NO_FIRMWARE),
        (NVME, None, None, NO_FIRMWARE),  # id-ctrl said nothing: no firmware command trusted
        (NVME, {"oacs": 0x2}, None,  # FNA not reported: no crypto erase assumed
         ("nvme-format-user-data", "Purge", "no Sanitize; Format NVM, user data erase")),
        ({"name": "disk0", "transport": "nvme"}, {"sanicap": 0x2}, None,
         ("nvme-sanitize-block", "Purge", "NVMe Sanitize, Block Erase supported")),
        ({"name": "nvme1n1", "transport": None}, {"sanicap": 0x1}, None,
         ("nvme-sanitize-crypto", "Purge", "NVMe Sanitize, Crypto Erase supported")),
        ({"name": "sdb", "transport": "usb"}, {"sanicap": 0x1}, None,
         ("overwrite", "Clear", "behind a USB bridge: firmware erase commands do not pass")),
        ({"name": "sda", "transport": "sata", "rotational": True}, None, ATA_NONE,
         ("overwrite", "Clear", "spinning disk: one full overwrite pass")),
        (SATA_SSD, None, None,
         ("overwrite", "Clear", "no ATA IDENTIFY data (bridge or non-ATA drive)")),
        (SATA_SSD, None, {**ATA_NONE, "frozen": True, "sanitize": True, "crypto_scramble": True},
         ("overwrite", "Clear", "security frozen by the BIOS (a suspend/resume may unfreeze "
          "it): firmware erase refused")),
        (SATA_SSD, None, {**ATA_NONE, "sanitize": True, "crypto_scramble": True},
         ("ata-sanitize-crypto", "Purge", "ATA Sanitize, Crypto Scramble supported")),
        (SATA_SSD, None, {**ATA_NONE, "sanitize": True, "block_erase": True},
         ("ata-sanitize-block", "Purge", "ATA Sanitize, Block Erase supported")),
        # a BLOCK ERASE command without the Sanitize feature set is not a sanitize
        (SATA_SSD, None, {**ATA_NONE, "block_erase": True},
         ("overwrite", "Clear", "no usable firmware erase: one full overwrite pass")),
        (SATA_SSD, None, {**ATA_NONE, "security_supported": True, "enhanced_erase": True},
         ("ata-secure-erase-enhanced", "Purge", "ATA Enhanced Security Erase supported")),
        # a password already set (security enabled): not ours to use
        (SATA_SSD, None,
         {**ATA_NONE, "security_supported": True, "enabled": True, "enhanced_erase": True},
         ("overwrite", "Clear", "no usable firmware erase: one full overwrite pass")),
        # enhanced erase announced without the security feature set
        (SATA_SSD, None, {**ATA_NONE, "enhanced_erase": True},
         ("overwrite", "Clear", "no usable firmware erase: one full overwrite pass")),
        (SATA_SSD, None, {**ATA_NONE, "security_supported": True},
         ("overwrite", "Clear", "no usable firmware erase: one full overwrite pass")),
    ],
)  # fmt: skip
def test_the_decision_table(
    disk: dict[str, object],
    nvme: dict[str, int] | None,
    ata: dict[str, object] | None,
    expected: tuple[str, str, str],
) -> None:
    assert sanitize.choose_method(disk, nvme, ata) == expected
    forced = sanitize.choose_method(disk, nvme, ata, force_overwrite=True)
    assert forced == ("overwrite", "Clear", "overwrite asked for (--method overwrite)")


def test_the_parsers_read_exactly_what_the_tools_print() -> None:
    # nvme-cli 1.x text: hexadecimal and decimal fields
    assert sanitize.nvme_capabilities(
        read("nvme-id-ctrl-text-micron-9200-no-sanitize-nvmecli1x.txt")
    ) == {"sanicap": 0, "fna": 0, "oacs": 0xE}
    assert sanitize.nvme_capabilities("oacs    : 23\nfna     : 4\nsanicap : 0x2\n") == {
        "oacs": 23,
        "fna": 4,
        "sanicap": 2,
    }
    # the sanitize log's status codes (SSTAT bits 0-2): 0 never, 1 completed, 2 in progress,
    # 3 failed, 4 completed without deallocation; anything else is not understood
    log = "Sanitize Progress (SPROG) :  {sprog}\nSanitize Status (SSTAT) :  {sstat}\n"
    status = sanitize.nvme_sanitize_status
    assert status(log.format(sprog=0, sstat="0x0")) == ("never", 0.0)
    assert status(log.format(sprog=65535, sstat="0x1")) == ("completed", 100.0)
    assert status(log.format(sprog=16384, sstat="0x2")) == ("in_progress", 25.0)
    assert status(log.format(sprog=0, sstat="0x3")) == ("failed", 0.0)
    assert status(log.format(sprog=65535, sstat="0x4")) == ("completed", 100.0)
    assert status(log.format(sprog=0, sstat="0x5")) == ("unknown", 0.0)
    assert status(log.format(sprog=0, sstat="0x1")) == ("completed", 100.0)  # SPROG reset
    assert status("Sanitize Status (SSTAT) :  0x2\n") == ("in_progress", None)
    assert status("no sanitize log here") == ("unknown", None)
    ata = sanitize.ata_sanitize_status
    assert ata("Sanitize status:\n    State:    SD2 Sanitize operation In Process\n") == (
        "in_progress",
        None,
    )
    assert ata("Sanitize operation In Process, Progress: 0x4000 (25%)\n") == ("in_progress", 25.0)
    assert ata("State:    SD2 (operation in progress)\n") == ("in_progress", None)
    assert ata("Sanitize operation completed without error\n") == ("completed", 100.0)
    assert ata("State:    SD0 Sanitize Idle\n") == ("idle", None)
    assert ata("") == ("unknown", None)
    assert sanitize.dco_real_max("SG_IO: bad/missing sense data") is None
    # a drive without DCO (QEMU's disk, captured in the bench lab) says "Real max sectors: 1"
    assert sanitize.dco_real_max(read("hdparm-dco-identify-qemu-7.2-harddisk.txt")) is None


def test_ata_identify_reads_the_security_section_only() -> None:
    samsung = sanitize.ata_identify(read("hdparm-I-sata-ssd-samsung-850evo-not-frozen.txt"))
    assert samsung is not None
    assert {k: v for k, v in samsung.items() if k != "model"} == {
        "security_supported": True,
        "enabled": False,
        "frozen": False,
        "enhanced_erase": True,
        "sanitize": False,
        "block_erase": False,
        "crypto_scramble": False,
        "overwrite_ext": False,
    }
    assert samsung["model"] == "Samsung SSD 850 EVO 2TB"  # its "Model Number:" line
    text = (
        "\tModel Number:       Drive X\n"
        "Commands/features:\n"
        "\t   *\tSANITIZE feature set\n"
        "\t   *\tCRYPTO_SCRAMBLE_EXT command\n"
        "\t   *\tOVERWRITE_EXT command\n"
        "Security: \n"
        "\t\tsupported\n"
        "\t\tenabled\n"
        "\tnot\tfrozen\n"
        "Logical Unit WWN Device Identifier: 5002538c40379e5a\n"
        "\t\tfrozen\n"  # after the security section: not about security
        "Checksum: correct\n"
    )
    found = sanitize.ata_identify(text)
    assert found == {
        "model": "Drive X",
        "security_supported": True,
        "enabled": True,
        "frozen": False,
        "enhanced_erase": False,
        "sanitize": True,
        "block_erase": False,
        "crypto_scramble": True,
        "overwrite_ext": True,
    }
    assert sanitize.ata_identify("HDIO_DRIVE_CMD(identify) failed: Invalid argument") is None
    # a bridge that answers a model name, then fails the IDENTIFY itself
    garbled = "\tModel Number:       JMicron\nHDIO_DRIVE_CMD(identify) failed: Input/output error\n"
    assert sanitize.ata_identify(garbled) is None
