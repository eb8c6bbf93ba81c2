#!/usr/bin/python
"""Ansible module: check a deployed family system against its profile, before any family.

Mounts the deployed root file system read-only, lists the EFI system partition with mtools
(no vfat driver needed), reports one line per check, unmounts; fails if any check fails.
Nothing is changed.
"""

from __future__ import absolute_import, annotations, division, print_function

import glob
import json
import os
import re
import subprocess

from ansible.module_utils.basic import AnsibleModule

__metaclass__ = type

DOCUMENTATION = r"""
module: assetctl_verify
short_description: Compliance checks of a deployed family system
description:
  - Checks a deployed root tree against its image profile (packages, accounts and groups,
    parental settings, no technician access left, locale, keyboard, identity, boot files).
options:
  disk:
    description: The deployed disk (partition 1 is the EFI system partition or the BIOS
      boot partition, partition 2 the root file system).
    type: str
    required: true
  mount_point:
    description: Where the root file system is mounted (read-only) for the checks.
    type: str
    required: true
  profile:
    description: The profile's variables (packages, accounts, parental settings).
    type: dict
    required: true
  hostname:
    description: The expected host name (the asset tag).
    type: str
    required: true
  firmware:
    description: uefi or bios, the boot loader to expect.
    type: str
    default: uefi
    choices: [uefi, bios]
author: assetctl developers
"""

EXAMPLES = r"""
- name: Verify the deployed system
  assetctl_verify:
    disk: /dev/nvme0n1
    mount_point: /mnt/assetctl-nvme0n1
    profile: "{{ deploy_profile }}"
    hostname: LMM-PP-00012
"""

RETURN = r"""
checks:
  description: Each check with ok and its detail.
  type: list
  returned: always
"""

ADMIN_GROUPS = ("sudo", "adm", "admin", "wheel", "root")


def read(root, path):
    try:
        with open(os.path.join(root, path.lstrip("/")), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def installed_packages(root):
    status = read(root, "/var/lib/dpkg/status") or ""
    found = set()
    for block in status.split("\n\n"):
        name = re.search(r"^Package: (\S+)", block, re.M)
        state = re.search(r"^Status: (.+)$", block, re.M)
        if name and state and state.group(1).strip() == "install ok installed":
            found.add(name.group(1))
    return found


def groups_of(root):
    members = {}
    for line in (read(root, "/etc/group") or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            members[parts[0]] = set(filter(None, parts[3].split(",")))
    return members


def users(root):
    found = {}
    for line in (read(root, "/etc/passwd") or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 7:
            found[parts[0]] = parts
    return found


def run_checks(root, profile, hostname, firmware, esp_files=()):
    checks = []

    def check(name, ok, detail=""):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    packages = installed_packages(root)
    missing = sorted(set(profile["packages"]) - packages)
    check("profile packages installed", not missing,
          "missing: " + ", ".join(missing) if missing else "%d packages" % len(profile["packages"]))
    accounts = users(root)
    members = groups_of(root)
    parent, child = profile["parent"]["name"], profile["children"]["name"]
    check("parent account", parent in accounts, parent)
    check("children's account", child in accounts, child)
    admin = [g for g in ADMIN_GROUPS if child in members.get(g, set())]
    check("children's account without administrator rights", child in accounts and not admin,
          "in " + ", ".join(admin) if admin else "no admin group")
    if profile["parent"].get("administrator"):
        check("parent is an administrator", parent in members.get("sudo", set()), "sudo group")
    dns = profile.get("dns") or {}
    if dns.get("enabled"):
        text = read(root, "/etc/systemd/resolved.conf.d/assetctl-filter.conf") or ""
        servers = all(server in text for server in dns.get("servers", []))
        check("DNS filter (systemd-resolved drop-in)", servers and "Domains=~." in text,
              "servers %s" % ", ".join(dns.get("servers", [])))
    firefox = profile.get("firefox") or {}
    if firefox.get("enabled"):
        try:
            policies = json.loads(read(root, "/etc/firefox-esr/policies/policies.json") or "")
            doh = policies["policies"]["DNSOverHTTPS"]
            locked = doh.get("Locked") is True and (doh.get("Enabled") is False
                                                    or bool(doh.get("ProviderURL")))
        except (ValueError, KeyError, TypeError):
            locked = False
        check("Firefox policy (DNS over HTTPS off or filtered, locked)", locked,
              "/etc/firefox-esr/policies/policies.json")
    limits = profile.get("time_limits") or {}
    if limits.get("enabled"):
        text = read(root, "/var/lib/timekpr/config/timekpr.%s.conf" % child) or ""
        check("time limits of the children's account (timekpr-nExt)",
              "LIMITS_PER_WEEKDAYS" in text, "%s minutes a day" % limits.get("daily_minutes"))
    if profile.get("unattended_upgrades"):
        text = read(root, "/etc/apt/apt.conf.d/20auto-upgrades") or ""
        check("automatic security updates", 'Unattended-Upgrade "1"' in text, "")
    keys = [p for p in glob.glob(os.path.join(root, "root/.ssh/authorized_keys*"))
            + glob.glob(os.path.join(root, "home/*/.ssh/authorized_keys*"))]
    check("no technician SSH key left", not keys,
          ", ".join(os.path.relpath(k, root) for k in keys) or "none")
    technicians = sorted(name for name in accounts
                         if name in ("assetctl", "technicien", "technician", "bench"))
    check("no technician account left", not technicians, ", ".join(technicians) or "none")
    locale = read(root, "/etc/default/locale") or ""
    check("locale", "LANG=%s" % profile["locale"] in locale, profile["locale"])
    keyboard = read(root, "/etc/default/keyboard") or ""
    check("keyboard", 'XKBLAYOUT="%s"' % profile["keyboard"] in keyboard, profile["keyboard"])
    check("host name is the asset tag", (read(root, "/etc/hostname") or "").strip() == hostname,
          hostname)
    machine_id = (read(root, "/etc/machine-id") or "").strip()
    check("a machine-id of its own", re.fullmatch(r"[0-9a-f]{32}", machine_id) is not None, "")
    fstab = read(root, "/etc/fstab") or ""
    check("file systems mounted by UUID", re.search(r"^UUID=\S+\s+/\s", fstab, re.M) is not None,
          "/etc/fstab")
    grub = os.path.exists(os.path.join(root, "boot/grub/grub.cfg"))
    if firmware == "uefi":
        loader = any(name.upper().endswith("/EFI/BOOT/BOOTX64.EFI") for name in esp_files)
        check("boot loader (UEFI)", grub and loader, "EFI/BOOT/BOOTX64.EFI, grub.cfg")
    else:
        loader = os.path.exists(os.path.join(root, "boot/grub/i386-pc/core.img"))
        check("boot loader (BIOS)", grub and loader, "i386-pc/core.img, grub.cfg")
    return checks


def esp_listing(boot_part):
    """The EFI/BOOT folder of the EFI system partition, read with mtools without mounting."""
    done = subprocess.run(["mdir", "-b", "-i", boot_part, "::/EFI/BOOT"], capture_output=True,
                          text=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return done.stdout.splitlines() if done.returncode == 0 else []


def main():
    module = AnsibleModule(
        argument_spec=dict(
            disk=dict(type="str", required=True),
            mount_point=dict(type="str", required=True),
            profile=dict(type="dict", required=True),
            hostname=dict(type="str", required=True),
            firmware=dict(type="str", default="uefi", choices=["uefi", "bios"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    disk, root = params["disk"], params["mount_point"]
    suffix = "p" if disk[-1].isdigit() else ""
    boot_part, root_part = disk + suffix + "1", disk + suffix + "2"
    subprocess.run(["umount", "-R", "-l", root], capture_output=True)  # an earlier attempt
    os.makedirs(root, mode=0o755, exist_ok=True)
    mounted = subprocess.run(["mount", "-o", "ro", root_part, root], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        module.fail_json(msg="cannot mount the deployed system (%s): %s"
                         % (root_part, mounted.stderr.strip()), checks=[])
    try:
        esp = esp_listing(boot_part) if params["firmware"] == "uefi" else []
        checks = run_checks(root, params["profile"], params["hostname"], params["firmware"], esp)
    finally:
        subprocess.run(["umount", "-R", root], capture_output=True)
    failed = [c["check"] for c in checks if not c["ok"]]
    if failed:
        module.fail_json(msg="verification failed: " + "; ".join(failed), checks=checks)
    module.exit_json(changed=False, checks=checks)


if __name__ == "__main__":
    main()
