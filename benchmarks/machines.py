"""The bench's machines: overwriting a disk, discovering machines over SSH."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.harness import ASSETCTL, ROOT, Database, Row, bench_config, interleaved, timed


@contextlib.contextmanager
def _loop_device(work: Path, size_mib: int) -> Iterator[str | None]:
    """A loop device over a sparse file (direct I/O), or None where there is none."""
    backing = work / "overwrite.img"
    subprocess.run(["truncate", "-s", f"{size_mib}M", str(backing)], check=True)
    made = subprocess.run(
        ["losetup", "-f", "--show", "--direct-io=on", str(backing)], capture_output=True, text=True
    )
    if made.returncode != 0:
        print(f"benchmark: no loop device ({made.stderr.strip()}): skipped", file=sys.stderr)
        backing.unlink()
        yield None
        return
    device = made.stdout.strip()
    try:
        yield device
    finally:
        subprocess.run(["losetup", "-d", device], check=False)
        backing.unlink()


def _wipe_module() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "assetctl_wipe", ROOT / "playbooks" / "library" / "assetctl_wipe.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_overwrite(work: Path, size_mib: int, runs: int) -> list[Row]:
    """The wipe module's overwrite, in process, against dd on the same loop device; then its
    full read-back (every byte compared with zero), against dd reading the same device."""
    module = _wipe_module()
    size = size_mib * 1024 * 1024
    with _loop_device(work, size_mib) as device:
        if device is None:
            return []

        def ours() -> float:
            start = time.perf_counter()
            written, errors = module.overwrite(device, size)
            assert written == size and not errors
            return time.perf_counter() - start

        def dd(*direction: str) -> float:
            return timed(["dd", *direction, "bs=4M", f"count={size_mib // 4}"], dict(os.environ))

        seconds, floor_seconds = interleaved(
            ours, lambda: dd("if=/dev/zero", f"of={device}", "oflag=direct"), runs
        )

        def read_back() -> float:
            start = time.perf_counter()
            found = module.verify_zeros(device, size, "full", 64, 0)
            assert found["verified"] and found["bytes_verified"] == size
            return time.perf_counter() - start

        read_seconds, read_floor = interleaved(
            read_back, lambda: dd(f"if={device}", "of=/dev/null", "iflag=direct"), runs
        )
    mb = size_mib * 1.048576
    return [
        Row(
            f"overwrite of a {size_mib} MiB loop device ({mb / seconds:.0f} MB/s vs "
            f"{mb / floor_seconds:.0f} MB/s)",
            "-",
            seconds,
            "`dd if=/dev/zero bs=4M oflag=direct`, same device",
            floor_seconds,
            "throughput >= 0.9x dd",
            throughput=True,
        ),
        Row(
            f"full read-back of the same device, every byte checked ({mb / read_seconds:.0f} "
            f"MB/s vs {mb / read_floor:.0f} MB/s)",
            "-",
            read_seconds,
            "`dd of=/dev/null bs=4M iflag=direct`, same device",
            read_floor,
            "throughput >= 0.7x dd",
            throughput=True,
        ),
    ]


def bench_discover(work: Path, hosts: int, runs: int) -> Row | None:
    """`bench discover` of N machines (N loopback addresses of one real sshd) vs one."""
    from lab.sshd import build_sysfs, sshd_binary, start_sshd

    if sshd_binary() is None or os.geteuid() != 0:
        print("benchmark: discover needs openssh-server and root: skipped", file=sys.stderr)
        return None
    (work / "sshd").mkdir()
    addresses = tuple(f"127.0.0.{i}" for i in range(1, hosts + 1))
    server = start_sshd(work / "sshd", addresses)
    try:
        db = Database("sqlite", work)
        sysfs = build_sysfs(work / "machine", "sysfs-dmi-id-and-bat0-dell-latitude5420.json")
        bench_config(db, server.client_key, sysfs)
        many = [
            *ASSETCTL,
            "bench",
            "discover",
            "--kind",
            "laptop",
            *(f"{a}:{server.port}" for a in addresses),
        ]
        one = [*ASSETCTL, "bench", "discover", "--kind", "laptop", f"127.0.0.1:{server.port}"]
        seconds, floor_seconds = interleaved(
            lambda: timed(many, db.env), lambda: timed(one, db.env), runs
        )
    finally:
        server.stop()
    return Row(
        f"`bench discover` of {hosts} machines (real sshd on loopback)",
        "sqlite",
        seconds,
        "the same command for 1 machine",
        floor_seconds,
        "<= 2x floor",
    )
