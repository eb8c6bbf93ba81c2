"""A disk that silently keeps its old data in one region: what a wipe's verification must catch.

A FUSE file system (mfusepy over libfuse) with one file, ``disk``, over a backing file. Reads
and writes pass through, except writes inside the *kept* byte ranges: they are reported as
written and thrown away, as a drive with remapped or failing sectors can do. Every read's
range is appended to a log, so that a test knows whether a verification looked at the kept
region. A loop device over ``disk`` (direct I/O: no page cache between the two) is the block
device the bench wipes.

It can also be slow: ``rate`` bytes per second at most, read or written, as an old desktop's
disk is next to this machine's (the wipe's progress display has time to show something).

Run as ``python -m lab.faultydisk BACKING MOUNTPOINT [--rate N] [START:LENGTH ...]``; it
stays in the foreground until the mount point is unmounted. :func:`faulty_disk` starts it,
attaches the loop device and cleans up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAME = "disk"


@dataclass(frozen=True)
class FaultyDisk:
    device: str  # the loop device over the FUSE file
    backing: Path  # what the disk really holds
    reads: Path  # one "start length" line per read the disk served
    kept: tuple[tuple[int, int], ...]  # (start, length) of the regions writes never reach

    def read_ranges(self) -> list[tuple[int, int]]:
        lines = self.reads.read_text().split("\n") if self.reads.exists() else []
        return [(int(a), int(b)) for a, b in (line.split() for line in lines if line)]

    def kept_region_read(self) -> bool:
        """Whether any read since the log was last cleared touched a kept region."""
        return any(
            start < k_start + k_length and k_start < start + length
            for start, length in self.read_ranges()
            for k_start, k_length in self.kept
        )

    def clear_reads(self) -> None:
        self.reads.write_text("")


def _operations(
    backing: Path, kept: list[tuple[int, int]], reads: Path, rate: int | None = None
) -> Any:
    import mfusepy as fuse

    size = backing.stat().st_size
    lock = threading.Lock()

    def pace(length: int) -> None:
        if rate:
            time.sleep(length / rate)

    class Operations(fuse.Operations):  # type: ignore[misc]
        def __init__(self) -> None:
            self.fd = os.open(backing, os.O_RDWR)
            self.log = reads.open("a", buffering=1)

        def getattr(self, path: str, fh: int | None = None) -> dict[str, Any]:
            now = time.time()
            if path == "/":
                mode, length = stat.S_IFDIR | 0o755, 0
            elif path == "/" + NAME:
                mode, length = stat.S_IFREG | 0o600, size
            else:
                raise fuse.FuseOSError(errno.ENOENT)
            return {
                "st_mode": mode,
                "st_nlink": 1,
                "st_size": length,
                "st_atime": now,
                "st_mtime": now,
                "st_ctime": now,
            }

        def readdir(self, path: str, fh: int) -> list[str]:
            return [".", "..", NAME]

        def open(self, path: str, flags: int) -> int:
            if path != "/" + NAME:
                raise fuse.FuseOSError(errno.ENOENT)
            return 0

        def read(self, path: str, length: int, offset: int, fh: int) -> bytes:
            with lock:
                self.log.write(f"{offset} {length}\n")
            pace(length)
            return os.pread(self.fd, length, offset)

        def write(self, path: str, data: bytes, offset: int, fh: int) -> int:
            pace(len(data))
            end = offset + len(data)
            view = memoryview(data)
            position = offset
            # write what lies outside every kept region; drop the rest, and say all was written
            for start, length in sorted(kept):
                if start >= end or start + length <= position:
                    continue
                if position < start:
                    os.pwrite(self.fd, view[position - offset : start - offset], position)
                position = max(position, min(end, start + length))
            if position < end:
                os.pwrite(self.fd, view[position - offset :], position)
            return len(data)

        def truncate(self, path: str, length: int, fh: int | None = None) -> None:
            raise fuse.FuseOSError(errno.EPERM)

        def fsync(self, path: str, datasync: int, fh: int) -> None:
            os.fsync(self.fd)

        def flush(self, path: str, fh: int) -> None:
            return None

    return Operations()


def serve(
    backing: Path, mountpoint: Path, kept: list[tuple[int, int]], rate: int | None = None
) -> None:
    import mfusepy as fuse

    reads = mountpoint.parent / (mountpoint.name + ".reads")
    fuse.FUSE(
        _operations(backing, kept, reads, rate),
        str(mountpoint),
        foreground=True,
        direct_io=True,  # no page cache: a dropped write must not be read back from memory
        allow_other=True,
    )


@contextlib.contextmanager
def faulty_disk(
    folder: Path, size: int, kept: list[tuple[int, int]], rate: int | None = None
) -> Iterator[FaultyDisk]:
    """A loop device of ``size`` bytes whose ``kept`` regions hold old data that no write
    replaces (none: a sound disk); the rest of the disk holds old data too until it is
    written; ``rate`` bytes per second at most."""
    backing = folder / "backing.img"
    with backing.open("wb") as handle:
        handle.truncate(size)
        for start, length in kept:  # the city's data, where the disk will keep it
            handle.seek(start)
            handle.write(b"dossier confidentiel de la ville ".ljust(length, b"#")[:length])
        for start in range(0, size, 16 * 1024 * 1024):  # and old data all over the disk
            handle.seek(start)
            handle.write(os.urandom(4096))
    mountpoint = folder / "mnt"
    mountpoint.mkdir()
    spec = [f"{start}:{length}" for start, length in kept]
    if rate:
        spec = ["--rate", str(rate), *spec]
    server = subprocess.Popen(
        [sys.executable, "-m", "lab.faultydisk", str(backing), str(mountpoint), *spec],
        cwd=Path(__file__).resolve().parents[1],
        stderr=subprocess.PIPE,
    )
    device = None
    rotational = Path("/nonexistent")
    try:
        target = mountpoint / NAME
        deadline = time.monotonic() + 15
        while not target.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                error = server.stderr.read().decode() if server.stderr else ""
                raise RuntimeError(f"the FUSE disk did not start: {error.strip()}")
            time.sleep(0.05)
        device = subprocess.run(
            ["losetup", "-f", "--show", "--direct-io=on", str(target)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        rotational = Path(f"/sys/block/{Path(device).name}/queue/rotational")
        # a spinning disk, as the city's old desktops have (the policy reads it back in full);
        # the flag outlives the loop device's detach: set back below
        rotational.write_text("1")
        reads = mountpoint.parent / (mountpoint.name + ".reads")
        disk = FaultyDisk(device, backing, reads, tuple(kept))
        disk.clear_reads()
        yield disk
    finally:
        if device:
            if rotational.exists():
                rotational.write_text("0")  # what a new loop device says
            subprocess.run(["losetup", "-d", device], check=False)
        subprocess.run(["umount", "-l", str(mountpoint)], check=False, capture_output=True)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv: list[str]) -> int:
    backing, mountpoint, *spec = argv
    rate = None
    if spec[:1] == ["--rate"]:
        rate, spec = int(spec[1]), spec[2:]
    kept = [(int(a), int(b)) for a, b in (item.split(":") for item in spec)]
    serve(Path(backing), Path(mountpoint), kept, rate)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
