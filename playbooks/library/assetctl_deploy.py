#!/usr/bin/python
"""Ansible module: write a family image onto a disk, make it the machine's own system, and
verify it.

One module run does the whole deployment, so that it costs one round trip of Ansible instead
of one per step; each step is timed and the timings are returned. Steps: the machine and disk
checks of the wipe (module_utils/assetctl_machine.py: the right machine, a disk that is
neither the running system nor mounted nor removable), partition (GPT: an EFI system
partition for UEFI, a BIOS boot partition for legacy firmware), file systems, mount, stream
the image from the bench (HTTP) through tar while hashing it, the identity (fstab by UUID, host
name, machine-id, SSH host keys if the image has sshd, the accounts' passwords), the boot
loader, unmount, then the compliance checks of verify.yml on the disk mounted read-only
(module_utils/assetctl_compliance.py). Everything mounted is unmounted, passed or failed.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

if TYPE_CHECKING:  # the type checker reads the sibling folder (mypy_path)
    from assetctl_compliance import partitions, verify_disk
    from assetctl_machine import private_mounts, refusals
else:
    try:
        from ansible.module_utils.assetctl_compliance import partitions, verify_disk
        from ansible.module_utils.assetctl_machine import private_mounts, refusals
    except ImportError:  # imported outside Ansible (ansible-lint): the sibling folder
        import sys

        sys.path.insert(
            0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils")
        )
        from assetctl_compliance import partitions, verify_disk
        from assetctl_machine import private_mounts, refusals

T = TypeVar("T")
Params = dict[str, Any]


DOCUMENTATION = r"""
module: assetctl_deploy
short_description: Write a family image onto a disk, personalise it, verify it
description:
  - Checks the machine and the disk, partitions the disk, makes the file systems, streams the
    image archive from a URL into tar (checking its sha256), writes fstab by UUID, host name,
    hosts, machine-id, SSH host keys, the accounts' passwords, installs GRUB, unmounts, and
    runs the compliance checks on the disk mounted read-only.
options:
  disk:
    description: The whole disk to write.
    type: str
    required: true
  expected_serial:
    description: The serial the machine must report (its asset's); null to skip the check.
    type: str
  dmi_root:
    description: Prefix of /sys/class/dmi/id (tests point it at a captured tree).
    type: str
    default: ""
  profile:
    description: The profile's variables, for the compliance checks.
    type: dict
    required: true
  firmware:
    description: uefi (an EFI system partition and a standalone GRUB on the removable path)
      or bios (a BIOS boot partition and grub-install).
    type: str
    default: uefi
    choices: [uefi, bios]
  image_url:
    description: Where the bench serves the image archive (tar.zst).
    type: str
    required: true
  image_sha256:
    description: The archive's sha256 from its manifest; a different stream fails.
    type: str
    required: true
  hostname:
    description: The system's host name (the asset tag).
    type: str
    required: true
  machine_id:
    description: The system's new machine-id (32 hexadecimal digits).
    type: str
    required: true
  passwords:
    description: Lines of account:password for chpasswd.
    type: str
    required: true
  mount_point:
    description: Where the new root file system is mounted during the deployment.
    type: str
    required: true
author: assetctl developers
"""

EXAMPLES = r"""
- name: Write the image and personalise it
  assetctl_deploy:
    disk: /dev/nvme0n1
    image_url: http://192.168.10.1:8000/token/famille-college.tar.zst
    image_sha256: "{{ deploy_image_sha256 }}"
    hostname: LMM-PP-00012
    machine_id: "{{ deploy_machine_id }}"
    passwords: "{{ lookup('ansible.builtin.env', 'ASSETCTL_DEPLOY_PASSWORDS') }}"
    mount_point: /mnt/assetctl-nvme0n1
    expected_serial: 5CD1234XYZ
    profile: "{{ deploy_profile }}"
"""

RETURN = r"""
steps:
  description: Each step with its duration in seconds.
  type: list
  returned: always
checks:
  description: Each compliance check with ok and its detail (empty if the write failed).
  type: list
  returned: always
sha256:
  description: The sha256 of the archive as received.
  type: str
  returned: success
bytes:
  description: The archive's size as received.
  type: int
  returned: success
"""

CHUNK = 1 << 20
# tar reads (and so writes) 10 KiB at a time by default; records of 64 KiB (-b 128, a pipe's
# buffer; -B reassembles them from the pipe) cut its system calls six-fold and the extraction
# by about a fifth (README, benchmarks). The archive follows -f.
TAR_EXTRACT = ["tar", "--numeric-owner", "--xattrs", "--acls", "--zstd", "-b", "128", "-B", "-xpf"]
# No discard of the whole partition (TRIM, or on a loop device punching holes in its file):
# the disk was sanitised by the wipe that the deployment requires, and a whole-disk discard
# takes seconds on some drives. The partition follows.
MKFS_ROOT = ["mkfs.ext4", "-q", "-F", "-E", "nodiscard"]
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"  # EFI system partition (sgdisk EF00)
BIOS_BOOT_TYPE = "21686148-6449-6E6F-744E-656564454649"  # BIOS boot partition (EF02)
ROOT_TYPE = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"  # Linux root, x86-64 (8304)


class StepFailed(Exception):
    pass


def run(command: list[str], stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=dict(os.environ, **(env or {}))
    )
    if done.returncode != 0:
        shown = " ".join(command)
        raise StepFailed(f"{shown}: {(done.stderr or done.stdout).strip()[-800:]}")
    return done.stdout


def wait_for(paths: list[str], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not all(os.path.exists(p) for p in paths):
        if time.monotonic() > deadline:
            raise StepFailed(f"the kernel did not show {', '.join(paths)}")
        time.sleep(0.1)


@contextmanager
def written_behind(target: str, period: float = 0.5) -> Iterator[None]:
    """syncfs(2) of the file system under ``target`` every ``period`` seconds while the block
    runs: the disk writes the image while tar extracts it. Left alone, a machine with a few GB
    of memory keeps the whole image dirty in its page cache (the kernel starts writing back at
    10 % of memory, or after 30 s) and writes it only at the end, after the extraction instead
    of during it. Without syncfs in the C library, the block simply runs."""
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        yield
        return
    descriptor = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    done = threading.Event()

    def write_back() -> None:
        while not done.wait(period):
            syncfs(descriptor)

    writer = threading.Thread(target=write_back, name="write-behind", daemon=True)
    writer.start()
    try:
        yield
    finally:
        done.set()
        writer.join()
        os.close(descriptor)


def stream_image(url: str, expected: str, target: str) -> tuple[str, int]:
    """The archive from the bench straight into tar; its sha256 is computed on the way, and
    the file system is written back to the disk as it fills."""
    digest = hashlib.sha256()
    received = 0
    with tempfile.TemporaryFile() as errors, written_behind(target):
        tar = subprocess.Popen(
            [*TAR_EXTRACT, "-", "-C", target],
            stdin=subprocess.PIPE,
            stderr=errors,
        )
        pipe = tar.stdin
        assert pipe is not None  # stdin=PIPE
        # a pipe of one chunk, not 64 KiB: the relay hands each chunk over in one write (an
        # older kernel or a lower pipe-max-size: the default pipe)
        with suppress(AttributeError, OSError):
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, CHUNK)
        try:
            # the bench is on the local network: never through a proxy of the live system
            response = open_url(url, timeout=60, use_proxy=False)
            buffer = bytearray(CHUNK)
            view = memoryview(buffer)
            while True:
                count = response.readinto(buffer)
                if not count:
                    break
                digest.update(view[:count])
                pipe.write(view[:count])
                received += count
        except BrokenPipeError:
            pass  # tar stopped: its own message follows
        except Exception as exc:  # the network, the server: said as the step's failure
            tar.kill()
            tar.wait()
            raise StepFailed(
                f"fetching the image from {url}: {exc} (this machine must reach the bench there: "
                "see [bench] image_address and image_port)"
            ) from None
        finally:
            with suppress(BrokenPipeError):
                pipe.close()
        code = tar.wait()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace").strip()
    if code != 0:
        raise StepFailed(f"tar: {message[-800:]}")
    if digest.hexdigest() != expected:
        raise StepFailed(
            f"the image received ({received} bytes, sha256 {digest.hexdigest()}) is not the "
            f"one of the manifest (sha256 {expected}): the disk is not usable, deploy again"
        )
    return digest.hexdigest(), received


def write(path: str, text: str, mode: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def identity(params: Params, target: str, root_uuid: str, esp_uuid: str) -> None:
    fstab = f"# Written by assetctl at deployment.\nUUID={root_uuid} / ext4 errors=remount-ro 0 1\n"
    if esp_uuid:
        fstab += f"UUID={esp_uuid} /boot/efi vfat umask=0077 0 1\n"
    write(os.path.join(target, "etc/fstab"), fstab, 0o644)
    write(os.path.join(target, "etc/hostname"), params["hostname"] + "\n", 0o644)
    write(
        os.path.join(target, "etc/hosts"),
        f"127.0.0.1 localhost\n127.0.1.1 {params['hostname']}\n"
        "::1 localhost ip6-localhost ip6-loopback\n",
        0o644,
    )
    write(os.path.join(target, "etc/machine-id"), params["machine_id"] + "\n", 0o444)
    run(["chpasswd", "--root", target], stdin=params["passwords"].strip() + "\n")
    # initial passwords: the family must choose its own at the first login
    for line in params["passwords"].strip().splitlines():
        run(["chage", "--root", target, "--lastday", "0", line.split(":", 1)[0]])


def system_mounts(target: str, mounted: list[str]) -> None:
    """/dev, /proc and /sys in the new system, for the boot loader's tools."""
    for name in ("dev", "proc", "sys"):
        where = os.path.join(target, name)
        os.makedirs(where, exist_ok=True)
        run(["mount", "--rbind", "/" + name, where])
        mounted.append(where)
        run(["mount", "--make-rslave", where])  # unmounting it must not reach the live system


def boot_menu(params: Params, target: str, root_uuid: str) -> None:
    """SSH host keys (if any) and grub-mkconfig, in the new system."""
    if os.path.exists(os.path.join(target, "usr/sbin/sshd")):
        run(["chroot", target, "ssh-keygen", "-A"])
    os.makedirs(os.path.join(target, "boot/grub"), exist_ok=True)
    # grub-mkconfig names the root file system by UUID only when udev made its by-uuid link;
    # a live system without udev (or a loop device) would get a device path that means
    # nothing once the machine boots from its own disk
    by_uuid = os.path.join("/dev/disk/by-uuid", root_uuid)
    made_link = not os.path.lexists(by_uuid)
    if made_link:
        os.makedirs("/dev/disk/by-uuid", exist_ok=True)
        os.symlink(partitions(params["disk"])[1], by_uuid)
    try:
        run(["chroot", target, "grub-mkconfig", "-o", "/boot/grub/grub.cfg"])
    finally:
        if made_link:
            os.unlink(by_uuid)


def boot_loader(params: Params, target: str, boot_part: str, root_uuid: str) -> None:
    if params["firmware"] == "bios":
        run(
            [
                "chroot",
                target,
                "grub-install",
                "--target=i386-pc",
                "--boot-directory=/boot",
                params["disk"],
            ]
        )
        return
    # UEFI: one standalone GRUB binary on the removable path, finding the system by its file
    # system's UUID; no NVRAM entry and no probing of the disk (which GRUB cannot map for some
    # devices, loop devices among them). GRUB's modules beside its menu, as grub-install
    # would put them.
    run(
        [
            "cp",
            "-a",
            os.path.join(target, "usr/lib/grub/x86_64-efi"),
            os.path.join(target, "boot/grub/"),
        ]
    )
    write(
        os.path.join(target, "boot/grub/embedded.cfg"),
        f"search --no-floppy --fs-uuid --set=root {root_uuid}\nset prefix=($root)/boot/grub\n"
        "configfile $prefix/grub.cfg\n",
        0o644,
    )
    staging = os.path.join(target, "boot/efi/EFI/BOOT")
    os.makedirs(staging, exist_ok=True)
    run(
        [
            "chroot",
            target,
            "grub-mkstandalone",
            "-O",
            "x86_64-efi",
            "--modules=part_gpt part_msdos ext2 search_fs_uuid",
            "-o",
            "/boot/efi/EFI/BOOT/BOOTX64.EFI",
            "boot/grub/grub.cfg=/boot/grub/embedded.cfg",
        ]
    )
    # The EFI system partition is written with mtools, without mounting it: a live system
    # (or a test machine) need not have the vfat driver.
    run(
        ["mcopy", "-s", "-o", "-i", boot_part, os.path.join(target, "boot/efi/EFI"), "::/"],
        env={"MTOOLS_SKIP_CHECK": "1"},
    )
    run(["rm", "-rf", os.path.join(target, "boot/efi/EFI")])


def partition(disk: str, firmware: str) -> None:
    """A new GPT with sfdisk (util-linux; sgdisk sleeps a second twice). Old signatures on the
    disk and in the new partitions are erased. The kernel is told with partx rather than by
    sfdisk, which pauses a quarter of a second first and re-reads the table with an ioctl
    that some kernels answer without parsing GPT."""
    first = (
        f"size=260MiB, type={ESP_TYPE}, name=EFI"
        if firmware == "uefi"
        else f"size=1MiB, type={BIOS_BOOT_TYPE}, name=BIOS"
    )
    script = f"label: gpt\n{first}\ntype={ROOT_TYPE}, name=famille\n"
    run(
        [
            "sfdisk",
            "--quiet",
            "--no-reread",
            "--no-tell-kernel",
            "--wipe",
            "always",
            "--wipe-partitions",
            "always",
            disk,
        ],
        stdin=script,
    )
    # the old partitions out first: updating them in place fails where an old one overlaps
    # a new one (a disk deployed with the other firmware's layout)
    subprocess.run(["partx", "--delete", disk], capture_output=True)  # none is fine
    run(["partx", "--add", disk])


def check_geometry(disk: str, paths: list[str]) -> None:
    """The kernel's partitions are the new table's: never write a file system through a
    partition device that still has the old table's start or size."""
    table = run(["partx", "--raw", "--noheadings", "--output", "NR,START,SECTORS", disk])
    planned: dict[int, tuple[int, int]] = {}
    for line in table.split("\n"):
        if line.strip():
            nr, first, count = line.split()
            planned[int(nr)] = (int(first), int(count))
    for number, path in enumerate(paths, start=1):
        sysfs = os.path.join("/sys/class/block", os.path.basename(os.path.realpath(path)))
        with open(os.path.join(sysfs, "start")) as start, open(os.path.join(sysfs, "size")) as size:
            shown = (int(start.read()), int(size.read()))  # fmt: skip
        if shown != planned.get(number):
            wanted = (
                f"sector {planned[number][0]}, {planned[number][1]} sectors"
                if number in planned
                else "nowhere"
            )
            raise StepFailed(
                f"the kernel shows {path} at sector {shown[0]}, {shown[1]} sectors, but the new "
                f"table puts it at {wanted}: nothing written to it; restart the live system and "
                "deploy again"
            )


def deploy(params: Params, steps: list[dict[str, Any]]) -> dict[str, Any]:
    disk, target, firmware = params["disk"], params["mount_point"], params["firmware"]
    boot_part, root_part = partitions(disk)
    mounted: list[str] = []
    result: dict[str, Any] = {}

    def step(name: str, action: Callable[[], T]) -> T:
        started = time.monotonic()
        try:
            return action()
        finally:
            steps.append({"step": name, "seconds": round(time.monotonic() - started, 3)})

    subprocess.run(["umount", "-R", "-l", target], capture_output=True)  # an earlier attempt
    os.makedirs(target, mode=0o755, exist_ok=True)
    try:
        step("partition", lambda: partition(disk, firmware))
        step("partitions shown", lambda: wait_for([boot_part, root_part]))
        check_geometry(disk, [boot_part, root_part])
        if firmware == "uefi":
            step("EFI file system", lambda: run(["mkfs.vfat", "-F", "32", "-n", "EFI", boot_part]))
        step("root file system", lambda: run([*MKFS_ROOT, "-L", "famille", root_part]))
        run(["mount", "-t", "ext4", root_part, target])
        mounted.append(target)
        sha, size = step(
            "image", lambda: stream_image(params["image_url"], params["image_sha256"], target)
        )
        result.update(sha256=sha, bytes=size)
        root_uuid = run(["blkid", "-s", "UUID", "-o", "value", root_part]).strip()
        esp_uuid = ""
        if firmware == "uefi":
            esp_uuid = run(["blkid", "-s", "UUID", "-o", "value", boot_part]).strip()
            os.makedirs(os.path.join(target, "boot/efi"), mode=0o755, exist_ok=True)
        system_mounts(target, mounted)
        # the boot menu (grub-mkconfig, the slowest) beside the identity and the boot loader:
        # they write different files
        with ThreadPoolExecutor(max_workers=1) as beside:
            menu = beside.submit(step, "boot menu", lambda: boot_menu(params, target, root_uuid))
            step("identity", lambda: identity(params, target, root_uuid, esp_uuid))
            step("boot loader", lambda: boot_loader(params, target, boot_part, root_uuid))
            menu.result()
        result.update(root_uuid=root_uuid, esp_uuid=esp_uuid)
        # a plain (not lazy) unmount: it returns once every byte is on the disk, so that the
        # machine may be switched off as soon as the bench says OK
        step("write-back", lambda: unmount(mounted))
    finally:
        for where in reversed(mounted):  # after a failure: whatever is left, lazily
            subprocess.run(["umount", "-R", "-l", where], capture_output=True)
    return result


def unmount(mounted: list[str]) -> None:
    while mounted:
        run(["umount", "-R", mounted.pop()])
    run(["sync"])


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            disk=dict(type="str", required=True),
            expected_serial=dict(type="str", default=None),
            dmi_root=dict(type="str", default=""),
            firmware=dict(type="str", default="uefi", choices=["uefi", "bios"]),
            image_url=dict(type="str", required=True),
            image_sha256=dict(type="str", required=True),
            hostname=dict(type="str", required=True),
            machine_id=dict(type="str", required=True),
            passwords=dict(type="str", required=True, no_log=True),
            mount_point=dict(type="str", required=True),
            profile=dict(type="dict", required=True),
        ),
        supports_check_mode=False,
    )
    params = module.params
    try:
        private_mounts()
    except OSError as exc:
        module.fail_json(msg=str(exc), steps=[], checks=[])
    serial, problems, _ = refusals(
        params["expected_serial"], [{"path": params["disk"]}], params["dmi_root"]
    )
    if problems:
        module.fail_json(
            msg="; ".join(problems), machine_serial=serial, refused=True, steps=[], checks=[]
        )
    steps: list[dict[str, Any]] = []
    try:
        result = deploy(params, steps)
    except StepFailed as exc:
        module.fail_json(msg=str(exc), steps=steps, checks=[])
    except OSError as exc:
        module.fail_json(msg=f"{exc.filename or ''}: {exc.strerror or exc}", steps=steps, checks=[])
    started = time.monotonic()
    checks, error = verify_disk(
        params["disk"],
        params["mount_point"],
        params["profile"],
        params["hostname"],
        params["firmware"],
    )
    steps.append({"step": "verify", "seconds": round(time.monotonic() - started, 3)})
    if error:
        module.fail_json(msg=error, steps=steps, checks=[], **result)
    failed = [c["check"] for c in checks if not c["ok"]]
    if failed:
        module.fail_json(
            msg="verification failed: " + "; ".join(failed), steps=steps, checks=checks, **result
        )
    module.exit_json(changed=True, steps=steps, checks=checks, **result)


if __name__ == "__main__":
    main()
