"""The deploy module's partitioning on a real loop device: the kernel is told of the new table
with partx (not sfdisk's paused re-read), whatever the layout before, and a partition the
kernel still shows with the old geometry stops the deployment before anything is written.

The code is playbooks/library/assetctl_deploy.py, the module that runs on the machine. Needs
root and loop devices with partitions.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

from tests.bench.test_deploy import big_disk  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "assetctl_deploy", ROOT / "playbooks" / "library" / "assetctl_deploy.py"
)
assert _spec and _spec.loader
deploy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy)

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
