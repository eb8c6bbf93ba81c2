"""A bench machine for the demo, on this computer: an SSH server on 127.0.0.1 (as the bench
live system runs), a disk full of old data (a loop device), and the DMI and battery of a real
Dell Latitude 5420 (captured, in tests/fixtures) since a virtual machine has none.

    python scripts/bench_sim.py start FOLDER   # prints shell assignments: SIM_HOST, SIM_DISK...
    python scripts/bench_sim.py stop FOLDER
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lab.sshd import build_sysfs, start_sshd  # noqa: E402


def start(folder: Path) -> None:
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    server = start_sshd(folder / "sshd", detach=True)
    sysfs = build_sysfs(folder / "machine", "sysfs-dmi-id-and-bat0-dell-latitude5420.json")
    disk = folder / "disk.img"
    with disk.open("wb") as handle:  # a 1.5 GiB disk; the city's old data in its first 64 MiB
        for _ in range(16):
            handle.write(os.urandom(4 * 1024 * 1024))
        handle.truncate(1536 * 1024 * 1024)
    device = subprocess.run(  # -P: the kernel shows the partitions the deployment makes
        ["losetup", "-f", "-P", "--show", str(disk)], check=True, capture_output=True, text=True
    ).stdout.strip()
    (folder / "loop").write_text(device)
    print(f"SIM_HOST={server.address}")
    print(f"SIM_DISK={device}")
    print(f"SIM_KEY={server.client_key}")
    print(f"SIM_SYSFS={sysfs}")
    print(f"SIM_IMAGE={disk}")


def stop(folder: Path) -> None:
    folder = folder.resolve()
    pid_file = folder / "sshd" / "sshd.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):  # already stopped
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
    loop = folder / "loop"
    if loop.exists():
        mount_point = "/mnt/assetctl-" + Path(loop.read_text().strip()).name
        subprocess.run(["umount", "-R", "-l", mount_point], capture_output=True)
        subprocess.run(["losetup", "-d", loop.read_text().strip()], check=False)
        loop.unlink()


if __name__ == "__main__":
    {"start": start, "stop": stop}[sys.argv[1]](Path(sys.argv[2]))
