"""Deployments: `bench deploy` of an image onto a loop device through a real sshd, beside a
plain extraction of the same archive onto the same device, and several benches at once."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    ASSETCTL,
    ROOT,
    Database,
    Row,
    bench_config,
    interleaved,
    loop_device,
    settle,
    timed,
)


def _extraction(
    device: str, archive: Path, mount_point: Path, url: str = "", tuned: bool = False
) -> float:
    """The floor: plain extraction onto the device, i.e. mkfs, mount, tar of the archive from
    a local file (or, with ``url``, ``curl URL | tar``: the same over HTTP), unmount (which
    writes it back); the partition table is made beforehand, untimed. ``tuned``: the local
    extraction as assetctl_deploy does it (no discard, tar's 64 KiB records, the file system
    written back during the extraction), to show what the rest of a deployment costs."""
    mount_point.mkdir(exist_ok=True)
    table = b"label: gpt\nsize=260MiB, type=U\ntype=L\n"
    subprocess.run(["sfdisk", "--quiet", "--wipe", "always", device], check=True, input=table,
                   capture_output=True)  # fmt: skip
    subprocess.run(["partx", "--update", device], capture_output=True)
    plain = ["tar", "--numeric-owner", "--xattrs", "--acls", "--zstd", "-xpf"]
    settle(archive)
    start = time.perf_counter()
    if tuned:
        library = str(ROOT / "playbooks" / "library")
        if library not in sys.path:
            sys.path.insert(0, library)
        from assetctl_deploy import MKFS_ROOT, TAR_EXTRACT, written_behind

        subprocess.run([*MKFS_ROOT, f"{device}p2"], check=True, capture_output=True)
        subprocess.run(["mount", f"{device}p2", str(mount_point)], check=True)
        with written_behind(str(mount_point)):
            subprocess.run([*TAR_EXTRACT, str(archive), "-C", str(mount_point)], check=True)
        subprocess.run(["umount", str(mount_point)], check=True)
        return time.perf_counter() - start
    for command in (
        ["mkfs.ext4", "-q", "-F", f"{device}p2"],
        ["mount", f"{device}p2", str(mount_point)],
        [*plain, str(archive), "-C", str(mount_point)] if not url else
        ["sh", "-c", f"curl -sf '{url}' | {' '.join(plain)} - -C '{mount_point}'"],
        ["umount", str(mount_point)],
    ):  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


PLAIN = "mkfs + mount + tar --zstd -x + umount of the same archive, same device"


def family_disk_size(data: dict[str, Any]) -> int:
    """A loop device for a family image: its installed size and half again, 4 GiB at least."""
    return max(4 << 30, int(data.get("installed_bytes", 0) * 1.5) + (1 << 30))


class DeployLab:
    """Four benches (four homes, four loop devices, one sshd answering for every machine),
    each with a discovered and wiped laptop, and test-minimal built once and shared (with the
    family images in ``family``, if any)."""

    def __init__(self, work: Path, server: Any, family: Path | None) -> None:
        self.work, self.server = work, server
        self.benches: list[tuple[Database, str, str]] = []
        self.devices: list[str] = []
        self.family_images = sorted(family.glob("famille-*.json")) if family else []
        self.family = family
        self.built = work / "unset"

    def prepare(self) -> None:
        from lab.sshd import build_sysfs

        cache = os.environ.get("ASSETCTL_IMAGE_CACHE", "/var/cache/assetctl")
        for n in range(4):
            db = Database("sqlite", self.work)
            db.env["ASSETCTL_IMAGE_CACHE"] = cache
            sysfs = build_sysfs(
                self.work / f"machine{n}", "sysfs-dmi-id-and-bat0-dell-latitude5420.json"
            )
            (sysfs / "sys/class/dmi/id/product_serial").write_text(f"BENCH{n}XYZ\n")
            bench_config(db, self.server.client_key, sysfs)
            device = self.loop(f"disk{n}.img", 1536 * 1024 * 1024)
            tag = "LMM-PP-00001"
            # a deployment seals the accounts' passwords with the programme's key
            db.env["ASSETCTL_KEY_PASSPHRASE"] = "phrase de passe du banc de mesure"
            db.env["ASSETCTL_KEY_FILE"] = str(self.work / f"programme{n}.key")
            for command in (
                ["key", "init"],
                ["bench", "discover", "--kind", "laptop", self.server.address],
                ["bench", "wipe", tag, "--host", self.server.address, "--disk", device, "--yes"],
            ):
                done = subprocess.run([*ASSETCTL, *command], env=db.env, capture_output=True)
                if done.returncode != 0:  # say why, not only which command
                    raise SystemExit(f"{' '.join(command)}: {done.stdout!r} {done.stderr!r}")
            if n == 0:
                subprocess.run(
                    [*ASSETCTL, "image", "build", "test-minimal"], env=db.env, check=True,
                    capture_output=True,
                )  # fmt: skip
                self.built = db.home / "images"
                for item in self.family_images:
                    assert self.family is not None
                    archive = self.family / self.manifest(item)["archive"]
                    os.link(item, self.built / item.name)
                    os.link(archive, self.built / archive.name)
            else:
                (db.home / "images").mkdir()
                for item in self.built.iterdir():
                    if item.is_file():
                        os.link(item, db.home / "images" / item.name)
            self.benches.append((db, tag, device))

    @staticmethod
    def manifest(path: Path) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    def loop(self, name: str, size: int) -> str:
        device = loop_device(self.work / name, size)
        self.devices.append(device)
        return device

    def command(self, n: int, device: str = "", profile: str = "test-minimal") -> list[str]:
        _, tag, disk = self.benches[n]
        return [*ASSETCTL, "bench", "deploy", tag, "--host", self.server.address, "--disk",
                device or disk, "--profile", profile, "--yes"]  # fmt: skip

    def deploy(self, archive: Path, device: str = "", profile: str = "test-minimal") -> float:
        settle(archive)
        return timed(self.command(0, device, profile), self.benches[0][0].env)

    def extract(self, device: str, archive: Path, url: str = "", tuned: bool = False) -> float:
        return _extraction(device, archive, self.work / "floor-mnt", url, tuned)

    def at_once(self, disks: tuple[str, ...], profile: str, archive: Path) -> float:
        """Four deployments at once, one per bench."""
        settle(archive)
        start = time.perf_counter()
        processes = [
            subprocess.Popen(self.command(n, disks[n], profile), env=self.benches[n][0].env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for n in range(4)
        ]  # fmt: skip
        for process in processes:
            _, err = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(err.decode(errors="replace")[-2000:])
        return time.perf_counter() - start

    def release(self) -> None:
        for device in self.devices:
            subprocess.run(["umount", "-R", "-l", f"/mnt/assetctl-{Path(device).name}"],
                           capture_output=True)  # fmt: skip
            subprocess.run(["losetup", "-d", device], capture_output=True)


def _test_minimal_rows(lab: DeployLab, runs: int) -> list[Row]:
    """test-minimal against plain extraction, then four deployments at once against one."""
    manifest = lab.manifest(lab.built / "test-minimal.json")
    archive = lab.built / manifest["archive"]
    device = lab.benches[0][2]

    def ours() -> float:
        return lab.deploy(archive)

    mine, floor = interleaved(ours, lambda: lab.extract(device, archive), runs)
    parallel, single = interleaved(
        lambda: lab.at_once(("", "", "", ""), "test-minimal", archive), ours, max(1, runs // 2)
    )
    return [
        Row(
            f"`bench deploy` of test-minimal ({manifest['size_bytes'] / 1e6:.0f} MB "
            "archive) onto a 1.5 GiB loop device, through sshd",
            "sqlite", mine, PLAIN, floor, "report (fixed costs)",
        ),
        Row(
            "4 deployments of test-minimal at once (four benches, four loop devices, "
            "one 2-core machine)",
            "sqlite", parallel, "1 deployment", single, "report",
        ),
    ]  # fmt: skip


def _family_rows(lab: DeployLab, item: Path, runs: int) -> list[Row]:
    """A family image, ``runs`` times interleaved four ways: the deployment, plain extraction
    (local and through curl), and the extraction tuned as the module does it."""
    from assetctl.bench.imageserver import serving

    data = lab.manifest(item)
    size = family_disk_size(data)
    device = lab.loop(f"{data['profile']}.img", size)
    archive = lab.built / data["archive"]
    timings: dict[str, list[float]] = {"ours": [], "local": [], "http": [], "tuned": []}
    with serving(archive, "127.0.0.1") as url:
        for _ in range(runs):
            timings["ours"].append(lab.deploy(archive, device, data["profile"]))
            timings["local"].append(lab.extract(device, archive))
            timings["http"].append(lab.extract(device, archive, url))
            timings["tuned"].append(lab.extract(device, archive, tuned=True))
    each = zip(timings["ours"], timings["local"], strict=True)
    print(
        f"benchmark: {data['profile']}: deploy / plain extraction, run by run: "
        + ", ".join(f"{a / b:.2f}x ({a:.1f} s / {b:.1f} s)" for a, b in each),
        file=sys.stderr,
    )
    mine = statistics.median(timings["ours"])
    name = (
        f"`bench deploy` of {data['profile']} ({data['size_bytes'] / 1e6:.0f} MB "
        f"archive) onto a {size / (1 << 30):.1f} GiB loop device, through sshd"
    )
    floors = (
        (PLAIN, "local", "<= 1.3x floor"),
        ("the same, the archive through `curl` from the bench's HTTP server", "http", "report"),
        (
            "the local extraction tuned as the deployment does it (no discard, tar "
            "-b 128, written back during tar)",
            "tuned",
            "report (the rest of a deployment)",
        ),
    )
    return [
        Row(name, "sqlite", mine, floor_name, statistics.median(timings[key]), target)
        for floor_name, key, target in floors
    ]


def _family_at_once_row(lab: DeployLab, item: Path) -> Row:
    """Four deployments of a family image at once, where the disks' work dominates."""
    data = lab.manifest(item)
    size = family_disk_size(data)
    disks = tuple(lab.loop(f"four{n}.img", size) for n in range(4))
    archive = lab.built / data["archive"]
    parallel, single = interleaved(
        lambda: lab.at_once(disks, data["profile"], archive),
        lambda: lab.deploy(archive, disks[0], data["profile"]),
        1,
    )
    return Row(
        f"4 deployments of {data['profile']} at once (four benches, four loop "
        "devices, one 2-core machine)",
        "sqlite", parallel, "1 deployment", single, "report",
    )  # fmt: skip


def bench_deploy(
    work: Path, runs: int, family: Path | None = None, family_runs: int = 5
) -> list[Row]:
    """`bench deploy` of test-minimal onto a loop device through a real sshd, beside plain
    extraction of the same archive onto the same device; then 4 deployments at once vs 1
    (four benches' worth: four homes, four loop devices, one machine answering for all).
    With ``family`` (a folder of images built by `image build famille-...`), each family
    image too, onto a loop device of its size, ``family_runs`` times interleaved with plain
    extraction (local and through curl) and with the extraction tuned as the module does it."""
    import shutil

    from lab.sshd import sshd_binary, start_sshd

    if sshd_binary() is None or os.geteuid() != 0 or shutil.which("debootstrap") is None:
        print("benchmark: deploy needs root, sshd and debootstrap: skipped", file=sys.stderr)
        return []
    (work / "deploy-sshd").mkdir()
    server = start_sshd(work / "deploy-sshd")
    lab = DeployLab(work, server, family)
    try:
        lab.prepare()
        rows = _test_minimal_rows(lab, runs)
        for item in lab.family_images:
            rows += _family_rows(lab, item, family_runs)
        if lab.family_images:
            rows.append(_family_at_once_row(lab, lab.family_images[0]))
        return rows
    finally:
        server.stop()
        lab.release()


def image_sizes(folder: Path) -> list[str]:
    """The size of each built image in ``folder``, as Markdown table lines."""
    import json as json_module

    lines = [
        "| image | archive (zstd) | installed | packages | build time |",
        "|---|---:|---:|---:|---:|",
    ]
    for item in sorted(folder.glob("*.json")):
        data = json_module.loads(item.read_text())
        installed = data.get("installed_bytes")
        lines.append(
            f"| {data['profile']} | {data['size_bytes'] / 1e6:.0f} MB | "
            f"{f'{installed / 1e6:.0f} MB' if installed else '?'} | {len(data['packages'])} | "
            f"{data['build_seconds']:.0f} s |"
        )
    return lines
