"""The wipe module's check of a firmware erase, on a disk file: the sampled blocks are written
with a canary before the erase and must not hold it after, whatever the disk held before."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import playbook_module

wipe = playbook_module("assetctl_wipe")

SIZE = 64 * wipe.MIB


def test_a_drive_that_erased_nothing_is_caught_even_on_an_empty_disk(tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    with disk.open("wb") as handle:
        handle.truncate(SIZE)  # all zeros: reading blocks before and after would prove nothing
    offsets = wipe.sample_offsets(SIZE, 16, seed=7)
    canary = wipe.write_canaries(str(disk), SIZE, offsets)
    assert len(canary) == wipe.MIB and canary != bytes(wipe.MIB)
    # the drive "erased" nothing: every sampled block still holds the canary
    assert wipe.canaries_left(str(disk), offsets, canary) == offsets
    # the drive erased: zeros (Format NVM, block erase) or another pattern (crypto erase)
    with disk.open("r+b") as handle:
        handle.write(bytes(SIZE))
    assert wipe.canaries_left(str(disk), offsets, canary) == []
    # a drive that erased half of it
    canary = wipe.write_canaries(str(disk), SIZE, offsets)
    with disk.open("r+b") as handle:
        handle.write(b"\xff" * (SIZE // 2))
    left = wipe.canaries_left(str(disk), offsets, canary)
    assert left == [o for o in offsets if o >= SIZE // 2]
