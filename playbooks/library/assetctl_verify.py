#!/usr/bin/python
"""Ansible module: check a deployed family system against its profile, before any family.

Mounts the deployed root file system read-only, lists the EFI system partition with mtools
(no vfat driver needed), reports one line per check, unmounts; fails if any check fails.
Nothing is changed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ansible.module_utils.basic import AnsibleModule

if TYPE_CHECKING:  # the type checker reads the sibling folder (mypy_path)
    from assetctl_compliance import verify_disk
    from assetctl_machine import private_mounts
else:
    try:
        from ansible.module_utils.assetctl_compliance import verify_disk
        from ansible.module_utils.assetctl_machine import private_mounts
    except ImportError:  # imported outside Ansible (ansible-lint): the sibling folder
        import sys

        sys.path.insert(
            0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils")
        )
        from assetctl_compliance import verify_disk
        from assetctl_machine import private_mounts


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


def main() -> None:
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
    try:
        private_mounts()
    except OSError as exc:
        module.fail_json(msg=str(exc), checks=[])
    checks, error = verify_disk(
        params["disk"],
        params["mount_point"],
        params["profile"],
        params["hostname"],
        params["firmware"],
    )
    if error:
        module.fail_json(msg=error, checks=[])
    failed = [c["check"] for c in checks if not c["ok"]]
    if failed:
        module.fail_json(msg="verification failed: " + "; ".join(failed), checks=checks)
    module.exit_json(changed=False, checks=checks)


if __name__ == "__main__":
    main()
