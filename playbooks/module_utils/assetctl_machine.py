"""The checks before anything is written to a bench machine's disks: its serial is the
asset's, and each disk is a block device that holds neither the running system nor the live
medium, has nothing mounted, is not removable, and is still the disk that was planned.

Shared by the wipe and the deployment modules (module_utils), and importable by the tests.
"""

from __future__ import annotations

import ctypes
import json
import os
import stat
import subprocess
from typing import Any

CLONE_NEWNS = 0x00020000

# an lsblk node, or a planned disk: {"path": ..., "serial": ..., "size_bytes": ...}
Node = dict[str, Any]

PLACEHOLDERS = {
    "",
    "to be filled by o.e.m.",
    "default string",
    "system serial number",
    "not specified",
    "none",
    "0",
}


def run(command: list[str], timeout: float = 120) -> tuple[int, str, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, "", str(exc)
    return done.returncode, done.stdout, done.stderr


def private_mounts() -> None:
    """Put this process, and the commands it runs, in a mount namespace of its own whose
    mounts propagate nowhere. On the live system, systemd's services (udevd, journald,
    networkd...) each run in a mount namespace that receives the root namespace's mounts: a
    deployed file system mounted there was kept by them after its unmount, and mounting it
    again read-only for the checks failed ("would change RO state"). In a private namespace
    nothing of ours reaches them, and everything is unmounted when the module ends."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"unshare(CLONE_NEWNS): {os.strerror(error)}")
    done = subprocess.run(["mount", "--make-rprivate", "/"], capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError(0, f"mount --make-rprivate /: {done.stderr.strip()}")


def machine_serial(dmi_root: str) -> str | None:
    for name in ("product_serial", "chassis_serial"):
        path = os.path.join(dmi_root + "/sys/class/dmi/id", name)
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                value = " ".join(handle.read().split())
        except OSError:
            continue
        if value.lower() not in PLACEHOLDERS:
            return value
    return None


def block_devices() -> list[Node]:
    code, out, err = run(
        ["lsblk", "-J", "-b", "-o", "NAME,PATH,SERIAL,SIZE,TYPE,RM,MOUNTPOINTS,TRAN,ROTA,MODEL"]
    )
    if code != 0:
        raise RuntimeError(f"lsblk failed: {err.strip()}")
    found: list[Node] = json.loads(out).get("blockdevices", [])
    return found


def mountpoints(node: Node) -> list[str]:
    found: list[str] = [p for p in (node.get("mountpoints") or []) if p]
    for child in node.get("children") or []:
        found.extend(mountpoints(child))
    return found


def running_system_disks(devices: list[Node]) -> set[str]:
    """Disks holding / (or the live medium): never wiped."""
    _code, source, _ = run(["findmnt", "-n", "-o", "SOURCE", "/"])
    source = source.strip()
    names: set[str] = set()
    for node in devices:
        points = mountpoints(node)
        if "/" in points or any(p.startswith("/run/live") for p in points):
            names.add(node["name"])
        path = node.get("path") or "/dev/" + node["name"]
        if source == path or (
            source.startswith(path) and source[len(path) :].lstrip("p").isdigit()
        ):
            names.add(node["name"])
    return names


def check_disks(planned: list[Node], devices: list[Node]) -> tuple[list[str], list[Node]]:
    """Every refusal, for every disk, before anything is written."""
    by_path = {(d.get("path") or "/dev/" + d["name"]): d for d in devices}
    running = running_system_disks(devices)
    problems: list[str] = []
    nodes: list[Node] = []
    for plan in planned:
        path = plan["path"]
        node = by_path.get(os.path.realpath(path)) or by_path.get(path)
        if node is None:
            problems.append(f"{path}: no such disk on this machine")
            continue
        try:
            if not stat.S_ISBLK(os.stat(path).st_mode):
                problems.append(f"{path}: not a block device")
                continue
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror}")
            continue
        if node["name"] in running:
            problems.append(f"{path} holds the running system: refused")
        points = mountpoints(node)
        if points:
            problems.append(f"{path} is mounted ({', '.join(points)}): unmount it first")
        if node.get("rm") in (True, "1", 1):
            problems.append(f"{path} is removable media: refused")
        serial = (node.get("serial") or "").strip() or None
        if plan.get("serial") and serial != plan["serial"]:
            problems.append(
                f"{path}: serial {serial}, but {plan['serial']} was planned: not the same disk"
            )
        if plan.get("size_bytes") and int(node.get("size") or 0) != int(plan["size_bytes"]):
            problems.append(
                f"{path}: size {node.get('size')} bytes, but {plan['size_bytes']} was planned"
            )
        nodes.append(node)
    return problems, nodes


def refusals(
    expected_serial: str | None, planned: list[Node], dmi_root: str = ""
) -> tuple[str | None, list[str], list[Node]]:
    """(the machine's serial, every refusal, the lsblk nodes of the planned disks)."""
    serial = machine_serial(dmi_root)
    if expected_serial and (serial or "").upper() != expected_serial.upper():
        return (
            serial,
            [
                f"this machine reports serial {serial}, not {expected_serial}: wrong machine, "
                "nothing was written"
            ],
            [],
        )
    if not planned:
        return serial, ["no disk planned"], []
    try:
        problems, nodes = check_disks(planned, block_devices())
    except (RuntimeError, ValueError) as exc:
        return serial, [str(exc)], []
    if problems:
        return serial, ["refused before writing anything: " + "; ".join(problems)], nodes
    return serial, [], nodes
