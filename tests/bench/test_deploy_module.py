"""The deploy module's own pieces on a real loop device.

Partitioning: the kernel is told of the new table with partx (not sfdisk's paused re-read),
whatever the layout before, and a partition the kernel still shows with the old geometry stops
the deployment before anything is written. Write-behind: what tar writes reaches the disk
during the extraction, not only at the unmount.

The code is playbooks/library/assetctl_deploy.py, the module that runs on the machine. Needs
root and loop devices with partitions.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.bench.test_deploy import big_disk  # noqa: F401 (the fixture)
from tests.helpers import playbook_module

deploy = playbook_module("assetctl_deploy")

MIB_SECTORS = 2048  # 512-byte sectors


def kernel_view(device: str) -> dict[str, tuple[int, int]]:
    """{partition: (start, size)} in sectors, as the kernel shows them in sysfs."""
    name = Path(device).name
    found = {}
    for entry in Path("/sys/class/block").iterdir():
        if entry.name.startswith(name + "p"):
            start = int((entry / "start").read_text())
            found[entry.name] = (start, int((entry / "size").read_text()))
    return found


@pytest.fixture
def disk(big_disk: str) -> str:  # noqa: F811 (the fixture imported above)
    if os.geteuid() != 0:
        pytest.skip("partitioning a loop device needs root")
    return big_disk


def test_each_layout_reaches_the_kernel(disk: str) -> None:
    """UEFI, then BIOS (its 1 MiB first partition where the 260 MiB one was), then UEFI
    again: each time the kernel shows exactly the new table, and the check agrees."""
    name = Path(disk).name
    parts = deploy.partitions(disk)
    for firmware, first in (("uefi", 260), ("bios", 1), ("uefi", 260)):
        deploy.partition(disk, firmware)
        deploy.wait_for(list(parts))
        deploy.check_geometry(disk, list(parts))
        view = kernel_view(disk)
        assert sorted(view) == [f"{name}p1", f"{name}p2"]
        assert view[f"{name}p1"] == (MIB_SECTORS, first * MIB_SECTORS)
        assert view[f"{name}p2"][0] == (1 + first) * MIB_SECTORS


def test_a_partition_left_with_the_old_geometry_is_refused(disk: str) -> None:
    """The table on the disk changed but the kernel was not told (another tool, a busy
    device): the check names the partition and both geometries, and refuses."""
    deploy.partition(disk, "uefi")
    table = "label: gpt\nsize=100MiB, type=L\ntype=L\n"
    subprocess.run(
        ["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", disk],
        input=table, text=True, check=True, capture_output=True,
    )  # fmt: skip
    with pytest.raises(deploy.StepFailed) as refused:
        deploy.check_geometry(disk, list(deploy.partitions(disk)))
    message = str(refused.value)
    assert f"the kernel shows {disk}p1 at sector 2048, {260 * MIB_SECTORS} sectors" in message
    assert f"the new table puts it at sector 2048, {100 * MIB_SECTORS} sectors" in message
    assert "nothing written to it" in message


def written_to(device: str) -> int:
    """Bytes written to ``device`` since it was set up (sysfs stat, 512-byte sectors)."""
    fields = (Path("/sys/class/block") / Path(device).name / "stat").read_text().split()
    return int(fields[6]) * 512


def held_dirty_for_long(size: int) -> bool:
    """The kernel lets ``size`` bytes stay dirty well over a second (its background write-back
    starts at dirty_background_bytes, or ratio of memory, and otherwise after 30 s)."""
    vm = Path("/proc/sys/vm")
    limit = int((vm / "dirty_background_bytes").read_text())
    if not limit:
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        limit = total_kib * 1024 * int((vm / "dirty_background_ratio").read_text()) // 100
    expire = int((vm / "dirty_expire_centisecs").read_text())
    return limit > 4 * size and expire >= 500


def test_the_file_system_is_written_back_during_the_block(disk: str, tmp_path: Path) -> None:
    """The same 32 MiB written without and then with write-behind: left alone, the kernel
    keeps it in memory for the length of the block; with write-behind it is on the disk
    before the block ends."""
    size = 32 << 20
    if not held_dirty_for_long(size):
        pytest.skip("this kernel writes back 32 MiB within a second on its own")
    # inode tables and journal zeroed now, not by the kernel in the background meanwhile
    mkfs = ["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", disk]
    subprocess.run(mkfs, check=True, capture_output=True)
    where = tmp_path / "root"
    where.mkdir()
    subprocess.run(["mount", disk, str(where)], check=True)
    try:
        before = written_to(disk)
        (where / "alone.bin").write_bytes(os.urandom(size))
        time.sleep(1.5)
        alone = written_to(disk) - before
        subprocess.run(["sync", "-f", str(where)], check=True)

        before = written_to(disk)
        with deploy.written_behind(str(where), period=0.2):
            (where / "behind.bin").write_bytes(os.urandom(size))
            time.sleep(1.5)
            behind = written_to(disk) - before
    finally:
        subprocess.run(["umount", str(where)], check=True)
    assert alone < size // 2  # the kernel held most of it
    assert behind >= size  # all of it on the disk, and its metadata
