"""Compliance checks of a deployed family system, read from its disk: the profile's packages,
the accounts, the children's account outside every administrator group, the parental settings,
no technician access left, locale, keyboard, identity, boot files.

Shared by the verify and the deployment modules (module_utils). Nothing is changed: the root
file system is mounted read-only and the EFI system partition is read with mtools.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
from collections.abc import Iterable
from typing import Any

ADMIN_GROUPS = ("sudo", "adm", "admin", "wheel", "root")
# one line of the report: {"check": name, "ok": bool, "detail": text}
Check = dict[str, Any]


def read(root: str, path: str) -> str | None:
    try:
        with open(os.path.join(root, path.lstrip("/")), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def installed_packages(root: str) -> set[str]:
    status = read(root, "/var/lib/dpkg/status") or ""
    found: set[str] = set()
    for block in status.split("\n\n"):
        name = re.search(r"^Package: (\S+)", block, re.M)
        state = re.search(r"^Status: (.+)$", block, re.M)
        if name and state and state.group(1).strip() == "install ok installed":
            found.add(name.group(1))
    return found


def groups_of(root: str) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for line in (read(root, "/etc/group") or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            members[parts[0]] = set(filter(None, parts[3].split(",")))
    return members


def users(root: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (read(root, "/etc/passwd") or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 7:
            found[parts[0]] = parts
    return found


def run_checks(
    root: str,
    profile: dict[str, Any],
    hostname: str,
    firmware: str,
    esp_files: Iterable[str] = (),
) -> list[Check]:
    checks: list[Check] = []

    def check(name: str, ok: object, detail: str = "") -> None:
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    packages = installed_packages(root)
    missing = sorted(set(profile["packages"]) - packages)
    check(
        "profile packages installed",
        not missing,
        "missing: " + ", ".join(missing) if missing else f"{len(profile['packages'])} packages",
    )
    accounts = users(root)
    members = groups_of(root)
    parent, child = profile["parent"]["name"], profile["children"]["name"]
    check("parent account", parent in accounts, parent)
    check("children's account", child in accounts, child)
    admin = [g for g in ADMIN_GROUPS if child in members.get(g, set())]
    check(
        "children's account without administrator rights",
        child in accounts and not admin,
        "in " + ", ".join(admin) if admin else "no admin group",
    )
    if profile["parent"].get("administrator"):
        # the sudo group without the sudo package gives no right in a terminal
        check(
            "parent is an administrator",
            parent in members.get("sudo", set()) and "sudo" in packages,
            "sudo group, sudo installed" if "sudo" in packages else "sudo is not installed",
        )
    dns = profile.get("dns") or {}
    if dns.get("enabled"):
        text = read(root, "/etc/systemd/resolved.conf.d/assetctl-filter.conf") or ""
        servers = all(server in text for server in dns.get("servers", []))
        check(
            "DNS filter (systemd-resolved drop-in)",
            servers and "Domains=~." in text,
            f"servers {', '.join(dns.get('servers', []))}",
        )
    firefox = profile.get("firefox") or {}
    if firefox.get("enabled"):
        try:
            policies = json.loads(read(root, "/etc/firefox-esr/policies/policies.json") or "")
            doh = policies["policies"]["DNSOverHTTPS"]
            locked = doh.get("Locked") is True and (
                doh.get("Enabled") is False or bool(doh.get("ProviderURL"))
            )
        except (ValueError, KeyError, TypeError):
            locked = False
        check(
            "Firefox policy (DNS over HTTPS off or filtered, locked)",
            locked,
            "/etc/firefox-esr/policies/policies.json",
        )
    limits = profile.get("time_limits") or {}
    if limits.get("enabled"):
        text = read(root, f"/var/lib/timekpr/config/timekpr.{child}.conf") or ""
        check(
            "time limits of the children's account (timekpr-nExt)",
            f"[{child}]" in text and "LIMITS_PER_WEEKDAYS" in text,  # the daemon's section
            f"{limits.get('daily_minutes')} minutes a day",
        )
    rule = read(root, "/etc/polkit-1/rules.d/50-assetctl-children.rules") or ""
    check(
        "no software installation from the children's account (polkit)",
        f'subject.user !== "{child}"' in rule and "org.freedesktop.packagekit." in rule,
        "/etc/polkit-1/rules.d/50-assetctl-children.rules",
    )
    if profile.get("first_start"):
        check(*first_start_armed(root, profile))
    if profile.get("unattended_upgrades"):
        text = read(root, "/etc/apt/apt.conf.d/20auto-upgrades") or ""
        check("automatic security updates", 'Unattended-Upgrade "1"' in text, "")
    keys = [
        p
        for p in glob.glob(os.path.join(root, "root/.ssh/authorized_keys*"))
        + glob.glob(os.path.join(root, "home/*/.ssh/authorized_keys*"))
    ]
    check(
        "no technician SSH key left",
        not keys,
        ", ".join(os.path.relpath(k, root) for k in keys) or "none",
    )
    technicians = sorted(
        name for name in accounts if name in ("assetctl", "technicien", "technician", "bench")
    )
    check("no technician account left", not technicians, ", ".join(technicians) or "none")
    locale = read(root, "/etc/default/locale") or ""
    check("locale", f"LANG={profile['locale']}" in locale, profile["locale"])
    keyboard = read(root, "/etc/default/keyboard") or ""
    check("keyboard", f'XKBLAYOUT="{profile["keyboard"]}"' in keyboard, profile["keyboard"])
    check(
        "host name is the asset tag",
        (read(root, "/etc/hostname") or "").strip() == hostname,
        hostname,
    )
    machine_id = (read(root, "/etc/machine-id") or "").strip()
    check(
        "a machine-id of its own",
        re.fullmatch(r"[0-9a-f]{32}", machine_id) is not None,
        f"/etc/machine-id {machine_id[:8]}…" if machine_id else "/etc/machine-id empty",
    )
    fstab = read(root, "/etc/fstab") or ""
    check(
        "file systems mounted by UUID",
        re.search(r"^UUID=\S+\s+/\s", fstab, re.M) is not None,
        "/etc/fstab",
    )
    grub = os.path.exists(os.path.join(root, "boot/grub/grub.cfg"))
    if firmware == "uefi":
        loader = any(name.upper().endswith("/EFI/BOOT/BOOTX64.EFI") for name in esp_files)
        check("boot loader (UEFI)", grub and loader, "EFI/BOOT/BOOTX64.EFI, grub.cfg")
    else:
        loader = os.path.exists(os.path.join(root, "boot/grub/i386-pc/core.img"))
        check("boot loader (BIOS)", grub and loader, "i386-pc/core.img, grub.cfg")
    return checks


def first_start_armed(root: str, profile: dict[str, Any]) -> tuple[str, bool, str]:
    """The parental-control assistant will run at the family's first start: the program and
    its interpreter, its defaults for this children's account, its service enabled, armed."""
    paths = profile["first_start_paths"]
    name = "parental-control assistant armed for the first start"
    program = os.path.join(root, paths["program"].lstrip("/"))
    if not (os.path.isfile(program) and os.access(program, os.X_OK)):
        return name, False, f"{paths['program']} missing or not executable"
    if not os.path.exists(os.path.join(root, "usr/bin/python3")):
        return name, False, "no /usr/bin/python3 to run it"
    try:
        settings = json.loads(read(root, paths["settings"]) or "")
        ours = settings["child"] == profile["children"]["name"]
    except (ValueError, KeyError, TypeError):
        ours = False
    if not ours:
        return name, False, f"{paths['settings']} missing or not for this children's account"
    unit = read(root, paths["unit"]) or ""
    wants = os.path.join(root, paths["wants"].lstrip("/"))
    enabled = os.path.islink(wants) and os.readlink(wants) == paths["unit"]
    if f"ExecStart={paths['program']}" not in unit or not enabled:
        return name, False, f"{paths['unit']} missing or not enabled"
    if not os.path.exists(os.path.join(root, paths["armed"].lstrip("/"))):
        return name, False, f"not armed ({paths['armed']} missing)"
    return name, True, f"{os.path.basename(paths['unit'])}, {paths['armed']}"


def esp_listing(boot_part: str) -> list[str]:
    """The EFI/BOOT folder of the EFI system partition, read with mtools without mounting."""
    done = subprocess.run(
        ["mdir", "-b", "-i", boot_part, "::/EFI/BOOT"],
        capture_output=True,
        text=True,
        env=dict(os.environ, MTOOLS_SKIP_CHECK="1"),
    )
    return done.stdout.splitlines() if done.returncode == 0 else []


def partitions(disk: str) -> tuple[str, str]:
    """(partition 1: the EFI system or BIOS boot partition, partition 2: the root)."""
    suffix = "p" if disk[-1].isdigit() else ""
    return disk + suffix + "1", disk + suffix + "2"


def verify_disk(
    disk: str, mount_point: str, profile: dict[str, Any], hostname: str, firmware: str
) -> tuple[list[Check], str | None]:
    """Mount the deployed root read-only, check it, unmount: (checks, error or None)."""
    boot_part, root_part = partitions(disk)
    subprocess.run(["umount", "-R", "-l", mount_point], capture_output=True)  # earlier attempt
    os.makedirs(mount_point, mode=0o755, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-o", "ro", root_part, mount_point], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        return [], f"cannot mount the deployed system ({root_part}): {mounted.stderr.strip()}"
    try:
        esp = esp_listing(boot_part) if firmware == "uefi" else []
        return run_checks(mount_point, profile, hostname, firmware, esp), None
    finally:
        subprocess.run(["umount", "-R", mount_point], capture_output=True)
