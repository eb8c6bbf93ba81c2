"""`bench live build`: the live system that machines boot on the bench, from Debian packages.

The whole system is one initramfs: the kernel unpacks it into memory and starts systemd from
it, as FOG's and ShredOS's systems do. Nothing of the machine's disks is used to run it, so
every disk can be wiped, and a network boot needs two files only (kernel and initramfs).

1. The system (shared by every bench, cached like image bases, keyed by what it is made of):
   a debootstrap base, ``playbooks/live.yml`` through Ansible's chroot connection, pruned of
   what a bench never uses (documentation, sound and graphics drivers...), packed as
   ``initrd.img`` (a zstd newc cpio) beside the kernel ``vmlinuz``, with a manifest (package
   versions, sizes, sha256).
2. The bench's own part: a second, tiny cpio holding only ``/root/.ssh/authorized_keys`` (the
   bench's public key), loaded after the first one (the kernel merges both). The shared system
   holds no key, so a machine that boots it without the bench's part lets nobody in.
3. A hybrid ISO (GRUB for BIOS and UEFI, from a CD or a USB key) with both parts, for the
   machines that cannot boot from the network.

Building needs root (debootstrap, chroot, mounts) and, for the ISO, grub-mkrescue (GRUB's PC
and EFI files, xorriso, mtools): scripts/setup.sh installs them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assetctl.config import Settings
from assetctl.images.build import (
    ImageError,
    cache_dir,
    ensure_base,
    installed_bytes,
    mounted,
    package_versions,
    require_chroot_connection,
    sha256_file,
    unpack,
)

Progress = Callable[[str], None]
VOLUME = "ASSETCTL_LIVE"
# The kernel's console on the screen and on the first serial port (servers and the bench lab
# read it there); the banner, sshd and everything else come from the system's own units.
KERNEL_ARGS = "console=tty0 console=ttyS0,115200n8"
# What a bench never uses, left out of the system in memory (paths inside the tree).
PRUNE = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/lintian",
    "var/cache/apt",
    "var/lib/apt/lists",
    "var/cache/debconf/templates.dat-old",
    "boot/initrd.img-*",
    "boot/System.map-*",
    "usr/lib/modules/*/kernel/sound",
    "usr/lib/modules/*/kernel/drivers/gpu",
    "usr/lib/modules/*/kernel/drivers/media",
    "usr/lib/modules/*/kernel/drivers/net/wireless",
    "usr/lib/modules/*/kernel/drivers/bluetooth",
    "usr/lib/modules/*/kernel/drivers/infiniband",
    "usr/lib/modules/*/kernel/drivers/staging",
    "usr/lib/modules/*/kernel/drivers/iio",
    "usr/lib/modules/*/kernel/drivers/isdn",
    "usr/lib/modules/*/kernel/drivers/net/can",
    "usr/lib/modules/*/kernel/drivers/input/touchscreen",
    "usr/lib/modules/*/kernel/net/wireless",
    "usr/lib/modules/*/kernel/net/mac80211",
    "usr/lib/modules/*/kernel/net/bluetooth",
    "usr/lib/modules/*/kernel/fs/ocfs2",
    "usr/lib/modules/*/kernel/fs/gfs2",
    "usr/lib/modules/*/kernel/fs/ceph",
    "usr/lib/modules/*/kernel/fs/xfs",
    "usr/lib/modules/*/kernel/fs/btrfs",
    "usr/lib/modules/*/kernel/fs/nfs",
    "usr/lib/modules/*/kernel/fs/nfsd",
    "usr/lib/modules/*/kernel/fs/f2fs",
    "usr/lib/modules/*/kernel/net/sunrpc",
    "usr/lib/modules/*/kernel/drivers/target",
    "usr/lib/modules/*/kernel/drivers/mtd",
    # servers' fibre-channel and data-centre cards, never in a family's computer
    "usr/lib/modules/*/kernel/drivers/scsi/lpfc",
    "usr/lib/modules/*/kernel/drivers/scsi/qla2xxx",
    "usr/lib/modules/*/kernel/drivers/scsi/qla4xxx",
    "usr/lib/modules/*/kernel/drivers/scsi/bfa",
    "usr/lib/modules/*/kernel/drivers/scsi/be2iscsi",
    "usr/lib/modules/*/kernel/drivers/scsi/qedf",
    "usr/lib/modules/*/kernel/drivers/scsi/qedi",
    "usr/lib/modules/*/kernel/drivers/scsi/csiostor",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/mellanox",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/chelsio",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/qlogic",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/cavium",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/emulex",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/huawei",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/netronome",
    "usr/lib/modules/*/kernel/drivers/net/ethernet/sfc",
    "usr/share/i18n",
    "usr/sbin/policy-rc.d",
    "etc/ssh/ssh_host_*",
    "tmp/*",
)


@dataclass(frozen=True)
class LiveBase:
    """The debootstrap the live system starts from (the shape image bases are keyed by)."""

    suite: str = "bookworm"
    mirror: str = "http://deb.debian.org/debian"
    variant: str = "minbase"
    components: tuple[str, ...] = ("main", "non-free-firmware")


@dataclass
class LiveSystem:
    """The shared system: where its files are and what its manifest says."""

    folder: Path
    manifest: dict[str, Any]
    built: bool  # False: it was up to date

    @property
    def kernel(self) -> Path:
        return self.folder / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.folder / "initrd.img"


@dataclass
class BenchLive:
    """What this bench boots machines with: the shared system, its key part and its ISO."""

    system: LiveSystem
    key_part: Path
    iso: Path | None

    @property
    def initrds(self) -> tuple[Path, Path]:
        return self.system.initrd, self.key_part


def base(settings: Settings) -> LiveBase:
    return LiveBase(mirror=settings.images.mirror or LiveBase.mirror)


def recipe_digest(settings: Settings) -> str:
    """What the shared system is made of: its base, live.yml, the kernel's arguments and what
    is pruned. The bench's key is not part of it."""
    from assetctl.bench.playbooks import playbooks_dir

    shape = base(settings)
    content = json.dumps(
        [shape.suite, shape.mirror, shape.variant, list(shape.components), KERNEL_ARGS, PRUNE]
    ).encode()
    content += (playbooks_dir() / "live.yml").read_bytes()
    return hashlib.sha256(content).hexdigest()


def system_folder(settings: Settings) -> Path:
    return cache_dir(settings) / f"live-{recipe_digest(settings)[:16]}"


def bench_folder(settings: Settings) -> Path:
    return settings.data_dir / "bench" / "live"


def current_system(settings: Settings) -> LiveSystem | None:
    """The shared system of the current recipe, if it was built and its files are whole."""
    folder = system_folder(settings)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    for name, size in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != size:
            return None
    return LiveSystem(folder, manifest, built=False)


def _run(command: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    from assetctl.images.build import _run as run

    return run(command, what, **kwargs)


def configure(settings: Settings, tree: Path, progress: Progress, status: Progress | None) -> None:
    from assetctl.bench.playbooks import run_inventory

    host = {
        "ansible_connection": "community.general.chroot",
        "ansible_host": str(tree),
        "ansible_python_interpreter": "/usr/bin/python3",
        "live_mirror": base(settings).mirror,
        "live_suite": base(settings).suite,
        "live_apt_proxy": settings.images.apt_proxy,
        "live_volume": VOLUME,
    }
    inventory = {"all": {"hosts": {"live": host}}}
    result = run_inventory(settings, "live.yml", inventory, ["live"], task="", on_task=status)
    if result.status != "successful":
        failed = result.failure or f"the playbook ended {result.status}"
        raise ImageError(f"live.yml failed: {failed} (run artefacts: {result.artifacts})")
    progress(f"live.yml: {result.changed} task(s) changed")


def prune(tree: Path) -> None:
    for pattern in PRUNE:
        for path in tree.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    for version in (tree / "usr/lib/modules").iterdir():
        _run(["chroot", str(tree), "depmod", "-a", version.name], "indexing the kernel's modules")


def kernel_of(tree: Path) -> Path:
    kernels = sorted((tree / "boot").glob("vmlinuz-*"))
    if not kernels:
        raise ImageError("live.yml installed no kernel (linux-image-amd64)")
    return kernels[-1]


def pack_initramfs(tree: Path, out: Path) -> None:
    """The tree as a newc cpio compressed with zstd (the kernel unpacks it into memory)."""
    partial = out.with_name(out.name + ".partial")
    names = subprocess.run(
        ["find", ".", "-path", "./boot", "-prune", "-o", "-print0"],
        cwd=tree, capture_output=True, check=True,
    ).stdout  # fmt: skip
    with partial.open("wb") as handle:
        cpio = subprocess.Popen(
            ["cpio", "--null", "--create", "--format=newc", "--quiet", "--reproducible"],
            cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        zstd = subprocess.Popen(
            ["zstd", "-q", "-T0", "-12", "-c"], stdin=cpio.stdout, stdout=handle,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        assert cpio.stdin is not None and cpio.stdout is not None
        cpio.stdout.close()
        cpio.stdin.write(names)
        cpio.stdin.close()
        cpio_err = cpio.stderr.read() if cpio.stderr else b""
        zstd_err = zstd.stderr.read() if zstd.stderr else b""
        if cpio.wait() != 0 or zstd.wait() != 0:
            partial.unlink(missing_ok=True)
            raise ImageError(f"packing the live system failed: {(cpio_err + zstd_err)[-800:]!r}")
    partial.replace(out)


def build_system(
    settings: Settings,
    *,
    force: bool = False,
    progress: Progress = lambda _message: None,
    status: Progress | None = None,
) -> LiveSystem:
    """The shared live system, from the cache or built now."""
    if not force:
        current = current_system(settings)
        if current is not None:
            progress(f"live system: from the cache ({current.folder})")
            return current
    require_chroot_connection()
    if os.geteuid() != 0:
        raise ImageError("building the live system needs root (debootstrap, chroot and mounts)")
    for tool in ("cpio", "zstd"):
        if shutil.which(tool) is None:
            raise ImageError(f"{tool} is not installed (scripts/setup.sh installs it)")
    started = datetime.now(UTC)
    archive = ensure_base(settings, base(settings), progress)
    folder = system_folder(settings)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix="live-work-") as work:
        tree = Path(work) / "rootfs"
        progress("live system: unpacking the base")
        unpack(archive, tree)
        with mounted(tree):
            progress("live system: live.yml (packages, sshd, network, banner)")
            configure(settings, tree, progress, status)
        versions = package_versions(tree)
        kernel = kernel_of(tree)
        prune(tree)
        installed = installed_bytes(tree)
        staged = Path(work) / "out"
        staged.mkdir()
        shutil.copyfile(kernel, staged / "vmlinuz")
        progress("live system: packing the initramfs")
        pack_initramfs(tree, staged / "initrd.img")
        files = {name: (staged / name).stat().st_size for name in ("vmlinuz", "initrd.img")}
        manifest = {
            "recipe_hash": recipe_digest(settings),
            "suite": base(settings).suite,
            "kernel": kernel.name.removeprefix("vmlinuz-"),
            "kernel_args": KERNEL_ARGS,
            "files": files,
            "sha256": {name: sha256_file(staged / name) for name in files},
            "installed_bytes": installed,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
            "base": archive.name,
            "packages": versions,
        }
        (staged / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        staged.rename(folder)
    for old in folder.parent.glob("live-*"):
        if old != folder and old.is_dir() and not old.name.startswith("live-work-"):
            shutil.rmtree(old, ignore_errors=True)
    return LiveSystem(folder, manifest, built=True)


def _cpio_entry(name: str, data: bytes, mode: int, inode: int) -> bytes:
    fields = [inode, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    header = b"070701" + b"".join(b"%08X" % value for value in fields)
    entry = header + name.encode() + b"\0"
    entry += b"\0" * (-len(entry) % 4)
    entry += data + b"\0" * (-len(data) % 4)
    return entry


def key_part(public_key: str) -> bytes:
    """A newc cpio holding the bench's public key as root's only authorized key."""
    out = io.BytesIO()
    out.write(_cpio_entry("root", b"", 0o040700, 1))
    out.write(_cpio_entry("root/.ssh", b"", 0o040700, 2))
    out.write(_cpio_entry("root/.ssh/authorized_keys", public_key.encode(), 0o100600, 3))
    out.write(_cpio_entry("TRAILER!!!", b"", 0, 0))
    data = out.getvalue()
    return data + b"\0" * (-len(data) % 512)


def bench_public_key(settings: Settings) -> str:
    path = settings.bench.ssh_key.with_name(settings.bench.ssh_key.name + ".pub")
    try:
        text = path.read_text().strip()
    except OSError:
        raise ImageError(
            f"the bench has no key yet ({path}): run `assetctl bench keygen` first"
        ) from None
    if not text.startswith(("ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-")) or "\n" in text:
        raise ImageError(f"{path} is not an OpenSSH public key: run `assetctl bench keygen`")
    return text + "\n"


GRUB_CFG = """\
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
set timeout=3
menuentry "assetctl : systeme du banc (effacement et installation)" {{
    linux /live/vmlinuz {args}
    initrd /live/initrd.img /live/bench.img
}}
"""


def make_iso(system: LiveSystem, key: Path, out: Path) -> None:
    """A hybrid ISO (BIOS and UEFI, CD or USB key) with the system and the bench's part."""
    if shutil.which("grub-mkrescue") is None or shutil.which("xorriso") is None:
        raise ImageError(
            "making the ISO needs grub-mkrescue and xorriso (scripts/setup.sh installs them)"
        )
    with tempfile.TemporaryDirectory(dir=out.parent, prefix="iso-") as work:
        root = Path(work)
        (root / "live").mkdir()
        (root / "boot" / "grub").mkdir(parents=True)
        for source, name in ((system.kernel, "vmlinuz"), (system.initrd, "initrd.img")):
            try:
                os.link(source, root / "live" / name)
            except OSError:  # another file system
                shutil.copyfile(source, root / "live" / name)
        shutil.copyfile(key, root / "live" / "bench.img")
        (root / "boot" / "grub" / "grub.cfg").write_text(GRUB_CFG.format(args=KERNEL_ARGS))
        partial = out.with_name(out.name + ".partial")
        _run(
            ["grub-mkrescue", "-o", str(partial), str(root), "--", "-volid", VOLUME],
            "making the live system's ISO",
        )
        partial.replace(out)


def build(
    settings: Settings,
    *,
    force: bool = False,
    iso: bool = True,
    progress: Progress = lambda _message: None,
    status: Progress | None = None,
) -> BenchLive:
    """This bench's live system: the shared system (cached), the key part, the ISO."""
    public_key = bench_public_key(settings)
    system = build_system(settings, force=force, progress=progress, status=status)
    folder = bench_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "bench.img"
    key.write_bytes(key_part(public_key))
    image = folder / "assetctl-live.iso"
    record = {
        "system": system.folder.name,
        "system_sha256": system.manifest["sha256"],
        "key": public_key.strip(),
    }
    stamp = folder / "live.json"
    try:
        previous = json.loads(stamp.read_text())
    except (OSError, ValueError):
        previous = {}
    if iso:
        if force or previous.get("iso_of") != record or not image.exists():
            progress("live system: making the ISO")
            make_iso(system, key, image)
        record_iso = {**record, "iso_of": record, "iso_sha256": sha256_file(image)}
        stamp.write_text(json.dumps(record_iso, indent=2) + "\n")
        return BenchLive(system, key, image)
    stamp.write_text(json.dumps({**previous, **record}, indent=2) + "\n")
    # an ISO made earlier holds the same system and key, or it is not offered
    same = previous.get("iso_of") == record and image.exists()
    return BenchLive(system, key, image if same else None)


def current(settings: Settings) -> BenchLive:
    """What `bench netboot` serves: the built system of the current recipe and this bench's
    key part; a clear error when either is missing or stale."""
    system = current_system(settings)
    if system is None:
        raise ImageError(
            "the bench live system is not built (or live.yml changed since): run "
            "`assetctl bench live build` as root"
        )
    key = bench_folder(settings) / "bench.img"
    if not key.exists() or key.read_bytes() != key_part(bench_public_key(settings)):
        raise ImageError(
            "the live system's key part is missing or holds another key: run "
            "`assetctl bench live build`"
        )
    image = bench_folder(settings) / "assetctl-live.iso"
    return BenchLive(system, key, image if image.exists() else None)
