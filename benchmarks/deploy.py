"""Deployments: `bench deploy` of an image onto a loop device through a real sshd, beside a
plain extraction of the same archive onto the same device, and several benches at once."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def bench_deploy(
    work: Path, runs: int, family: Path | None = None, family_runs: int = 5
) -> list[Row]:
    """`bench deploy` of test-minimal onto a loop device through a real sshd, beside plain
    extraction of the same archive onto the same device; then 4 deployments at once vs 1
    (four benches' worth: four homes, four loop devices, one machine answering for all).
    With ``family`` (a folder of images built by `image build famille-...`), each family
    image too, onto a loop device of its size, ``family_runs`` times interleaved with plain
    extraction (local and through curl) and with the extraction tuned as the module does it."""
    import json as json_module
    import shutil

    from assetctl.bench.imageserver import serving
    from lab.sshd import build_sysfs, sshd_binary, start_sshd

    if sshd_binary() is None or os.geteuid() != 0 or shutil.which("debootstrap") is None:
        print("benchmark: deploy needs root, sshd and debootstrap: skipped", file=sys.stderr)
        return []
    (work / "deploy-sshd").mkdir()
    server = start_sshd(work / "deploy-sshd")
    cache = os.environ.get("ASSETCTL_IMAGE_CACHE", "/var/cache/assetctl")
    benches, devices = [], []
    family_images = sorted(family.glob("famille-*.json")) if family else []
    try:
        for n in range(4):
            db = Database("sqlite", work)
            db.env["ASSETCTL_IMAGE_CACHE"] = cache
            sysfs = build_sysfs(
                work / f"machine{n}", "sysfs-dmi-id-and-bat0-dell-latitude5420.json"
            )
            serial = f"BENCH{n}XYZ"
            (sysfs / "sys/class/dmi/id/product_serial").write_text(serial + "\n")
            bench_config(db, server.client_key, sysfs)
            device = loop_device(work / f"disk{n}.img", 1536 * 1024 * 1024)
            devices.append(device)
            subprocess.run(
                [*ASSETCTL, "bench", "discover", "--kind", "laptop", server.address],
                env=db.env, check=True, capture_output=True,
            )  # fmt: skip
            tag = "LMM-PP-00001"
            subprocess.run(
                [*ASSETCTL, "bench", "wipe", tag, "--host", server.address, "--disk", device,
                 "--yes"], env=db.env, check=True, capture_output=True,
            )  # fmt: skip
            if n == 0:
                subprocess.run(
                    [*ASSETCTL, "image", "build", "test-minimal"], env=db.env, check=True,
                    capture_output=True,
                )  # fmt: skip
                built = db.home / "images"
                for item in family_images:
                    archive = family / json_module.loads(item.read_text())["archive"]
                    os.link(item, built / item.name)
                    os.link(archive, built / archive.name)
            else:
                (db.home / "images").mkdir()
                for item in built.iterdir():
                    if item.is_file():
                        os.link(item, db.home / "images" / item.name)
            benches.append((db, tag, device))
        manifest = json_module.loads((built / "test-minimal.json").read_text())
        archive = built / manifest["archive"]

        def deploy_command(n: int, device: str = "", profile: str = "test-minimal") -> list[str]:
            _, tag, disk = benches[n]
            return [*ASSETCTL, "bench", "deploy", tag, "--host", server.address, "--disk",
                    device or disk, "--profile", profile, "--yes"]  # fmt: skip

        def ours() -> float:
            settle(archive)
            return timed(deploy_command(0), benches[0][0].env)

        def extraction() -> float:
            return _extraction(devices[0], archive, work / "floor-mnt")

        mine, floor = interleaved(ours, extraction, runs)
        rows = [
            Row(
                f"`bench deploy` of test-minimal ({manifest['size_bytes'] / 1e6:.0f} MB "
                "archive) onto a 1.5 GiB loop device, through sshd",
                "sqlite",
                mine,
                "mkfs + mount + tar --zstd -x + umount of the same archive, same device",
                floor,
                "report (fixed costs)",
            )
        ]
        for item in family_images:
            data = json_module.loads(item.read_text())
            size = max(4 << 30, int(data.get("installed_bytes", 0) * 1.5) + (1 << 30))
            device = loop_device(work / f"{data['profile']}.img", size)
            devices.append(device)

            def family_deploy(
                device: str = device, profile: str = data["profile"], name: str = data["archive"]
            ) -> float:
                settle(built / name)
                return timed(deploy_command(0, device, profile), benches[0][0].env)

            def family_floor(device: str = device, name: str = data["archive"]) -> float:
                return _extraction(device, built / name, work / "floor-mnt")

            timings: dict[str, list[float]] = {"ours": [], "local": [], "http": [], "tuned": []}
            with serving(built / data["archive"], "127.0.0.1") as url:
                for _ in range(family_runs):  # interleaved, four ways
                    timings["ours"].append(family_deploy())
                    timings["local"].append(family_floor())
                    timings["http"].append(
                        _extraction(device, built / data["archive"], work / "floor-mnt", url)
                    )
                    timings["tuned"].append(
                        _extraction(device, built / data["archive"], work / "floor-mnt",
                                    tuned=True)
                    )  # fmt: skip
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
            rows.append(
                Row(
                    name,
                    "sqlite",
                    mine,
                    "mkfs + mount + tar --zstd -x + umount of the same archive, same device",
                    statistics.median(timings["local"]),
                    "<= 1.3x floor",
                )
            )
            rows.append(
                Row(
                    name,
                    "sqlite",
                    mine,
                    "the same, the archive through `curl` from the bench's HTTP server",
                    statistics.median(timings["http"]),
                    "report",
                )
            )
            rows.append(
                Row(
                    name,
                    "sqlite",
                    mine,
                    "the local extraction tuned as the deployment does it (no discard, tar "
                    "-b 128, written back during tar)",
                    statistics.median(timings["tuned"]),
                    "report (the rest of a deployment)",
                )
            )

        def four(
            disks: tuple[str, ...] = ("", "", "", ""),
            profile: str = "test-minimal",
            served: Path = archive,
        ) -> float:
            settle(served)
            start = time.perf_counter()
            processes = [
                subprocess.Popen(deploy_command(n, disks[n], profile), env=benches[n][0].env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                for n in range(4)
            ]  # fmt: skip
            for process in processes:
                _, err = process.communicate()
                if process.returncode != 0:
                    raise RuntimeError(err.decode(errors="replace")[-2000:])
            return time.perf_counter() - start

        parallel, single = interleaved(four, ours, max(1, runs // 2))
        rows.append(
            Row(
                "4 deployments of test-minimal at once (four benches, four loop devices, "
                "one 2-core machine)",
                "sqlite",
                parallel,
                "1 deployment",
                single,
                "report",
            )
        )
        if family_images:  # the same with a family image, where the disks' work dominates
            data = json_module.loads(family_images[0].read_text())
            size = max(4 << 30, int(data.get("installed_bytes", 0) * 1.5) + (1 << 30))
            disks = tuple(loop_device(work / f"four{n}.img", size) for n in range(4))
            devices.extend(disks)

            def four_family() -> float:
                return four(disks, data["profile"], built / data["archive"])

            def one_family() -> float:
                settle(built / data["archive"])
                return timed(deploy_command(0, disks[0], data["profile"]), benches[0][0].env)

            parallel, single = interleaved(four_family, one_family, 1)
            rows.append(
                Row(
                    f"4 deployments of {data['profile']} at once (four benches, four loop "
                    "devices, one 2-core machine)",
                    "sqlite",
                    parallel,
                    "1 deployment",
                    single,
                    "report",
                )
            )
        return rows
    finally:
        server.stop()
        for device in devices:
            subprocess.run(["umount", "-R", "-l", f"/mnt/assetctl-{Path(device).name}"],
                           capture_output=True)  # fmt: skip
            subprocess.run(["losetup", "-d", device], capture_output=True)


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
