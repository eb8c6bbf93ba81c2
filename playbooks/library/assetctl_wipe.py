#!/usr/bin/python
"""Ansible module: sanitise the disks of the machine it runs on, with proof.

Runs on the bench live system (python3, util-linux, nvme-cli, hdparm). Every check comes before
the first write: the machine's serial, then for each disk: a block device, not holding the
running system, nothing mounted on it, not removable, and still the disk that was planned
(same serial and size). Then each disk is sanitised (NIST SP 800-88: firmware Purge when the
disk offers one, else one overwrite pass, Clear) and verified by reading it back.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ansible.module_utils.basic import AnsibleModule

if TYPE_CHECKING:  # the type checker reads the sibling folder (mypy_path)
    import assetctl_firmware as firmware
    import assetctl_sanitize as sanitize
    from assetctl_machine import Node, refusals, run
else:
    try:
        from ansible.module_utils import assetctl_firmware as firmware
        from ansible.module_utils import assetctl_sanitize as sanitize
        from ansible.module_utils.assetctl_machine import refusals, run
    except ImportError:  # imported outside Ansible (ansible-lint, benchmarks): the sibling folder
        import sys

        sys.path.insert(
            0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils")
        )
        import assetctl_firmware as firmware
        import assetctl_sanitize as sanitize
        from assetctl_machine import refusals, run


DOCUMENTATION = r"""
module: assetctl_wipe
short_description: Sanitise and verify the disks of a bench machine
description:
  - Checks the machine's DMI serial and each disk before writing anything, then sanitises each
    disk (firmware Purge or one overwrite pass) and verifies it by reading it back; once every
    disk passed, on the bench live system only, clears the TPM and removes the UEFI boot
    entries that point to a partition no disk holds any more.
options:
  expected_serial:
    description: The serial the machine must report (its asset's); null to skip the check.
    type: str
  disks:
    description:
      - Disks to sanitise, as planned; each a dict with path, serial, size_bytes, and verify
        (full or sample: the programme's policy for the disk's media; default the verify option).
    type: list
    elements: dict
    required: true
  method:
    description: auto (firmware Purge where offered) or overwrite.
    type: str
    default: auto
    choices: [auto, overwrite]
  verify:
    description: sample (first and last MiB and random MiB blocks) or full read-back.
    type: str
    default: sample
    choices: [sample, full]
  samples:
    description: Number of random 1 MiB samples read back in sample mode.
    type: int
    default: 64
  mode:
    description: wipe, or verify (re-read a disk that was overwritten with zeros).
    type: str
    default: wipe
    choices: [wipe, verify]
  dmi_root:
    description: Prefix of /sys for the DMI serial (tests point it at a captured tree).
    type: str
    default: ""
author: assetctl developers
"""

EXAMPLES = r"""
- name: Wipe the planned disks
  assetctl_wipe:
    expected_serial: "7XK3Q2J"
    disks: [{path: /dev/sda, serial: "S3Z9NB0K123456", size_bytes: 500107862016}]
"""

RETURN = r"""
machine_serial:
  description: The serial the machine reported.
  type: str
  returned: always
disks:
  description: One record per disk (method, NIST category, verification, bytes, times).
  type: list
  returned: always
firmware_reset:
  description: The TPM clear and the boot entries removed (on the bench live system).
  type: dict
  returned: when every disk passed
"""

CHUNK = 4 * 1024 * 1024
MIB = 1024 * 1024
TOOL = "assetctl_wipe 1"


def now() -> str:
    return datetime.now(UTC).isoformat()


class Gauge:
    """Where a disk's wipe stands, for the bench to read while the module runs (a module
    returns only at its end; `bench wipe` reads this file over SSH): one JSON line, phase,
    bytes done and to do, seconds in the phase; rewritten at most once a second, atomically;
    removed at the end. Best effort: a file that cannot be written changes nothing."""

    def __init__(self, path: str | None) -> None:
        self.path = path or None
        self.phase = ""
        self.started = self.written = 0.0

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        if self.path is None:
            return
        moment = time.monotonic()
        if phase != self.phase:
            self.phase, self.started = phase, moment
        elif moment - self.written < 1.0 and done < total:
            return
        self.written = moment
        line = {"phase": phase, "done": done, "total": total,
                "elapsed": round(moment - self.started, 1)}  # fmt: skip
        try:
            os.makedirs(os.path.dirname(self.path) or ".", mode=0o700, exist_ok=True)
            with open(self.path + ".tmp", "w") as handle:
                handle.write(json.dumps(line) + "\n")
            os.replace(self.path + ".tmp", self.path)
        except OSError:
            self.path = None  # no second try: the wipe goes on without a gauge

    def close(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def no_gauge(phase: str, done: int = 0, total: int = 0) -> None:
    """The gauge of a wipe nobody watches (tests, benchmarks)."""


def aligned_buffer(size: int) -> mmap.mmap:
    return mmap.mmap(-1, size)  # page-aligned, zero-filled: what O_DIRECT needs


def overwrite(
    path: str, size: int, gauge: Callable[[str, int, int], None] = no_gauge
) -> tuple[int, list[str]]:
    """One pass of zeros over the whole disk, bypassing the page cache."""
    written, errors = 0, list[str]()
    buffer = aligned_buffer(CHUNK)
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_DIRECT", 0))
    try:
        view = memoryview(buffer)
        while written < size:
            length = min(CHUNK, size - written)
            try:
                count = os.write(fd, view[:length])
            except OSError as exc:
                errors.append(f"write at {written}: {exc.strerror}")
                break
            if count <= 0:
                errors.append(f"write at {written} returned {count}")
                break
            written += count
            gauge("overwrite", written, size)
        view.release()
        os.fsync(fd)
    finally:
        os.close(fd)
        buffer.close()
    return written, errors


def sample_offsets(size: int, count: int, seed: int) -> list[int]:
    """First and last MiB always, then ``count`` random MiB-aligned blocks."""
    last = max(0, (size - MIB) // MIB * MIB)
    rng = random.Random(seed)
    blocks = max(1, size // MIB)
    picked = {0, last}
    picked.update(rng.randrange(blocks) * MIB for _ in range(min(count, blocks)))
    return sorted(o for o in picked if o < size)


def read_blocks(path: str, offsets: list[int], length: int = MIB) -> Iterator[tuple[int, bytes]]:
    buffer = aligned_buffer(length)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECT", 0))
    try:
        for offset in offsets:
            os.lseek(fd, offset, os.SEEK_SET)
            count = os.readv(fd, [buffer])
            yield offset, bytes(buffer[:count])
    finally:
        os.close(fd)
        buffer.close()


def verify_zeros(
    path: str,
    size: int,
    how: str,
    samples: int,
    seed: int,
    gauge: Callable[[str, int, int], None] = no_gauge,
) -> dict[str, Any]:
    """Read back: every byte read must be zero. Returns what the certificate states: passed,
    the bytes read, the first bad offsets, and for a sample the blocks read and their size."""
    if how == "full":
        offsets = list(range(0, size, CHUNK))
        length = CHUNK
    else:
        offsets = sample_offsets(size, samples, seed)
        length = MIB
    zero = bytes(length)
    checked, bad = 0, list[int]()
    planned = min(size, len(offsets) * length)
    for offset, data in read_blocks(path, offsets, length):
        checked += len(data)
        gauge("read-back", checked, planned)
        if data != zero[: len(data)]:
            first = next(i for i, b in enumerate(data) if b)
            bad.append(offset + first)
    found: dict[str, Any] = {
        "verified": not bad,
        "bytes_verified": checked,
        "bad_offsets": bad[:10],
        "read_back": how,
    }
    if how != "full":
        found.update(sample_blocks=len(offsets), block_size=length, samples=samples)
    return found


def write_canaries(path: str, size: int, offsets: list[int]) -> bytes:
    """Before a firmware erase: the sampled blocks (``offsets``) written with a random MiB of
    this run, so that the erase is seen to change them whatever the disk held (a block that
    was already zero proves nothing). Returns the canary."""
    canary = aligned_buffer(MIB)
    canary.write(os.urandom(MIB))
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_DIRECT", 0))
    try:
        for offset in offsets:
            if offset + MIB <= size:
                os.lseek(fd, offset, os.SEEK_SET)
                os.writev(fd, [canary])
        os.fsync(fd)
    finally:
        os.close(fd)
    data = bytes(canary)
    canary.close()
    return data


def canaries_left(path: str, offsets: list[int], canary: bytes) -> list[int]:
    """After the erase: the sampled blocks that still hold the canary (the drive erased
    nothing there)."""
    return [offset for offset, data in read_blocks(path, offsets) if data == canary]


def firmware_erase(method: str, path: str, deadline_s: float = 6 * 3600) -> tuple[bool, str]:
    """Run a firmware sanitise command and wait for the drive to say it completed."""
    if method.startswith("nvme-sanitize"):
        action = {
            "nvme-sanitize-crypto": "4",
            "nvme-sanitize-block": "2",
            "nvme-sanitize-overwrite": "3",
        }[method]
        code, _, err = run(["nvme", "sanitize", path, "--sanact=" + action])
        if code != 0:
            return False, f"nvme sanitize failed: {err.strip()}"
        started = time.monotonic()
        while time.monotonic() - started < deadline_s:
            time.sleep(5)
            code, out, err = run(["nvme", "sanitize-log", path])
            state, _ = sanitize.nvme_sanitize_status(out)
            if state == "completed":
                return True, "nvme sanitize-log: completed"
            if state in ("failed", "never"):
                return False, f"nvme sanitize-log: {state}"
        return False, "sanitize did not complete in time"
    if method.startswith("nvme-format"):
        ses = "2" if method == "nvme-format-crypto" else "1"
        code, out, err = run(["nvme", "format", path, "--ses=" + ses, "--force"], timeout=3600)
        return code == 0, ("nvme format: " + (out or err).strip())[:300]
    if method.startswith("ata-sanitize"):
        flag = {
            "ata-sanitize-crypto": "--sanitize-crypto-scramble",
            "ata-sanitize-block": "--sanitize-block-erase",
        }[method]
        code, _, err = run(["hdparm", "--yes-i-know-what-i-am-doing", flag, path])
        if code != 0:
            return False, f"hdparm {flag} failed: {err.strip()}"
        seen_progress = False
        started = time.monotonic()
        while time.monotonic() - started < deadline_s:
            time.sleep(5)
            _, out, _ = run(["hdparm", "--sanitize-status", path])
            state, _ = sanitize.ata_sanitize_status(out)
            if state == "in_progress":
                seen_progress = True
            elif state == "completed":
                return True, "hdparm --sanitize-status: completed"
            elif state == "idle":
                # idle without a completion report: the drive did nothing (seen on drives that
                # answer the command with an abort hdparm does not treat as an error)
                return (
                    seen_progress,
                    "sanitize ran and the drive is idle again"
                    if seen_progress
                    else "the drive never started the sanitize",
                )
        return False, "sanitize did not complete in time"
    if method == "ata-secure-erase-enhanced":
        password = "assetctl"
        code, _, err = run(["hdparm", "--user-master", "u", "--security-set-pass", password, path])
        if code != 0:
            return False, f"hdparm --security-set-pass failed: {err.strip()}"
        code, out, err = run(
            ["hdparm", "--user-master", "u", "--security-erase-enhanced", password, path],
            timeout=deadline_s,
        )
        return code == 0, ("hdparm --security-erase-enhanced: " + (err or "ok").strip())[:300]
    return False, f"unknown method {method}"


def inspect(node: Node, path: str, force_overwrite: bool) -> tuple[str, str, str, dict[str, Any]]:
    """The method for a disk and what its firmware reports (hidden areas included)."""
    name, transport = node["name"], (node.get("tran") or "")
    disk = {"name": name, "transport": transport, "rotational": node.get("rota") in (True, "1")}
    report: dict[str, Any] = {"hpa": None, "dco_real_max": None}
    nvme: dict[str, int] | None = None
    ata: dict[str, Any] | None = None
    if not force_overwrite and (transport == "nvme" or name.startswith("nvme")):
        _, out, _ = run(["nvme", "id-ctrl", "-o", "json", path])
        nvme = sanitize.nvme_capabilities(out) if out.strip() else None
    if transport in ("sata", "ata"):
        _, out, _ = run(["hdparm", "-I", path])
        ata = sanitize.ata_identify(out)
        _, hpa_out, _ = run(["hdparm", "-N", path])
        report["hpa"] = sanitize.hidden_area(hpa_out)
        _, dco_out, _ = run(["hdparm", "--dco-identify", path])
        report["dco_real_max"] = sanitize.dco_real_max(dco_out)
    method, category, reason = sanitize.choose_method(disk, nvme, ata, force_overwrite)
    return method, category, reason, report


def sanitise(module: AnsibleModule, plan: Node, node: Node) -> dict[str, Any]:
    path = plan["path"]
    size = int(node.get("size") or 0)
    params = module.params
    seed = int.from_bytes(os.urandom(4), "big")
    record: dict[str, Any] = {
        "path": path,
        "model": (node.get("model") or "").strip() or None,
        "serial": (node.get("serial") or "").strip() or None,
        "size_bytes": size,
        "media": "ssd" if node.get("rota") in (False, "0") else "hdd",
        "transport": node.get("tran"),
        "started_at": now(),
        "errors": [],
        "tool": TOOL,
        "sample_seed": seed,
    }
    # the read-back the programme's policy asks for this disk (bench.wipe plans it per disk)
    how = plan.get("verify") or params["verify"]
    record["verification"] = f"{how} read-back"
    gauge = Gauge(plan.get("progress"))
    try:
        return _sanitise(params, path, size, node, record, how, seed, gauge)
    finally:
        gauge.close()


def _sanitise(
    params: dict[str, Any],
    path: str,
    size: int,
    node: Node,
    record: dict[str, Any],
    how: str,
    seed: int,
    gauge: Gauge,
) -> dict[str, Any]:
    if params["mode"] == "verify":
        record.update(method="verify-only", nist_category=None, reason="re-verification")
        record.update(verify_zeros(path, size, how, params["samples"], seed, gauge))
        record.update(
            bytes_written=0,
            result="passed" if record["verified"] else "failed",
            finished_at=now(),
        )
        return record
    method, category, reason, firmware = inspect(node, path, params["method"] == "overwrite")
    record.update(method=method, nist_category=category, reason=reason, firmware=firmware)
    hpa = firmware.get("hpa")
    if hpa and hpa["enabled"] and hpa["hidden_sectors"] and method == "overwrite":
        # an overwrite cannot reach sectors the drive hides: the disk is not sanitised
        record["errors"].append(
            f"hidden area (HPA): {hpa['hidden_sectors']} sectors out of reach of the overwrite; "
            f"remove it with `hdparm -N p{hpa['native']} {path}` and wipe again"
        )
    if method == "overwrite":
        written, errors = overwrite(path, size, gauge)
        record["bytes_written"] = written
        record["errors"].extend(errors)
        # verification (NIST SP 800-88 Rev. 2): the technique was applied, every byte written
        record["applied"] = written == size and not errors
        record.update(verify_zeros(path, size, how, params["samples"], seed, gauge))
    else:
        offsets = sample_offsets(size, params["samples"], seed)
        canary = write_canaries(path, size, offsets)
        gauge(method)  # the drive's own time: no bytes to count
        done, message = firmware_erase(method, path)
        gauge("read-back")
        record["firmware_status"] = message
        record["bytes_written"] = 0
        if not done:
            record["errors"].append(message)
        unchanged = canaries_left(path, offsets, canary)
        if done and unchanged:
            record["errors"].append(
                f"the drive reported the erase done but {len(unchanged)} of {len(offsets)} "
                "sampled blocks still hold what the bench wrote there just before: nothing "
                "was erased; wipe it again with --method overwrite, or set the drive aside"
            )
        record.update(
            applied=done,  # the drive reported the command completed
            verified=done and not unchanged,
            bytes_verified=len(offsets) * MIB,
            bad_offsets=unchanged[:10],
            read_back="canaries",
            sample_blocks=len(offsets),
            block_size=MIB,
            samples=params["samples"],
            verification="firmware status + sampled blocks written before, changed after",
        )
    record["finished_at"] = now()
    ok = record["verified"] and not record["errors"]
    record["result"] = "passed" if ok else "failed"
    return record


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            expected_serial=dict(type="str", default=None),
            disks=dict(type="list", elements="dict", required=True),
            method=dict(type="str", default="auto", choices=["auto", "overwrite"]),
            verify=dict(type="str", default="sample", choices=["sample", "full"]),
            samples=dict(type="int", default=64),
            mode=dict(type="str", default="wipe", choices=["wipe", "verify"]),
            dmi_root=dict(type="str", default=""),
        ),
        supports_check_mode=False,
    )
    params = module.params
    serial, problems, nodes = refusals(
        params["expected_serial"], params["disks"], params["dmi_root"]
    )
    if problems:
        module.fail_json(msg="; ".join(problems), machine_serial=serial, refused=True, disks=[])
    records: list[dict[str, Any]] = []
    for plan, node in zip(params["disks"], nodes, strict=False):
        try:
            records.append(sanitise(module, plan, node))
        except OSError as exc:
            records.append(
                {
                    "path": plan["path"],
                    "result": "failed",
                    "errors": [str(exc)],
                    "finished_at": now(),
                }
            )
    failed = [r for r in records if r["result"] != "passed"]
    result = dict(
        changed=params["mode"] == "wipe", machine_serial=serial, disks=records, refused=False
    )
    if params["mode"] == "wipe" and not failed:
        # the disks are clean: what the firmware keeps of the previous owner (ANSSI)
        result["firmware_reset"] = firmware.reset_firmware()
    if failed:
        reasons = "; ".join(
            f"{r['path']}: {(r.get('errors') or ['the read-back found data'])[0]}" for r in failed
        )
        module.fail_json(msg=f"not every disk passed: {reasons}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
