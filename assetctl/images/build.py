"""`image build`: a golden image from a profile, built once, deployed to many machines.

1. The base: ``debootstrap`` of the profile's suite into a tree, kept as a compressed archive
   in the cache (``ASSETCTL_IMAGE_CACHE``, else ``[images] cache_dir``, else the data folder),
   keyed by what it depends on; later builds start from it.
2. ``playbooks/image.yml`` configures the tree through Ansible's chroot connection
   (community.general), with /proc, /sys and /dev mounted and services kept from starting.
3. The tree is cleaned (apt caches and lists, machine-id, SSH host keys, logs, the build's own
   files) and packed as ``PROFILE-HASH.tar.zst`` with a manifest (profile, profile hash,
   package versions, size, sha256, build date).

A build of an unchanged profile (and unchanged image.yml) whose archive is still there says so
and does nothing.
Building needs root (debootstrap, chroot, mounts).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from assetctl.config import Settings
from assetctl.errors import AssetctlError
from assetctl.images import first_start
from assetctl.images.profiles import Profile

BASE_INCLUDE = ("python3", "python3-apt", "ca-certificates", "locales", "apt-utils")
Progress = Callable[[str], None]


class ImageError(AssetctlError):
    """An image could not be built, or an image file is missing or damaged."""


@dataclass
class BuildResult:
    profile: str
    archive: Path
    manifest: dict[str, Any]
    built: bool  # False: the image was up to date
    changed_on_second_run: int | None = None


def images_dir(settings: Settings) -> Path:
    return settings.data_dir / "images"


def cache_dir(settings: Settings) -> Path:
    env = os.environ.get("ASSETCTL_IMAGE_CACHE", "").strip()
    if env:
        return Path(env)
    if settings.images.cache_dir:
        return settings.images.cache_dir
    return images_dir(settings) / "cache"


def _run(command: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(command, capture_output=True, **kwargs)
    except FileNotFoundError:
        raise ImageError(
            f"{what}: {command[0]} is not installed (scripts/setup.sh installs it)"
        ) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or b"").decode(errors="replace").strip()[-1500:]
        raise ImageError(f"{what} failed ({' '.join(command[:3])}...):\n{tail}")
    return done


class BaseShape(Protocol):
    """What a debootstrap base is made of (an image profile, or the bench live system)."""

    @property
    def suite(self) -> str: ...
    @property
    def mirror(self) -> str: ...
    @property
    def variant(self) -> str: ...
    @property
    def components(self) -> Sequence[str]: ...


def base_key(profile: BaseShape, mirror: str) -> str:
    content = json.dumps(
        [profile.suite, mirror, profile.variant, sorted(profile.components), BASE_INCLUDE]
    )
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def _pack(tree: Path, archive: Path) -> None:
    """tar (numeric owners, extended attributes) piped to zstd, written atomically."""
    partial = archive.with_name(archive.name + ".partial")
    with partial.open("wb") as out:
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "--xattrs", "--acls", "-C", str(tree), "-cf", "-", "."],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        zstd = subprocess.run(
            ["zstd", "-q", "-T0", "-6", "-c"], stdin=tar.stdout, stdout=out, stderr=subprocess.PIPE
        )
        assert tar.stdout is not None
        tar.stdout.close()
        tar_err = tar.stderr.read() if tar.stderr else b""
        if tar.wait() != 0 or zstd.returncode != 0:
            partial.unlink(missing_ok=True)
            raise ImageError(
                f"packing {tree} failed: {(tar_err + zstd.stderr).decode(errors='replace')[-800:]}"
            )
    partial.replace(archive)


def unpack(archive: Path, tree: Path) -> None:
    tree.mkdir(parents=True, exist_ok=True)
    command = ["tar", "--numeric-owner", "--xattrs", "--acls", "--zstd", "-C", str(tree)]
    _run([*command, "-xf", str(archive)], f"unpacking {archive.name}")


def ensure_base(settings: Settings, profile: BaseShape, progress: Progress) -> Path:
    """The debootstrapped base of ``profile``, from the cache or made now."""
    mirror = settings.images.mirror or profile.mirror
    cache = cache_dir(settings)
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"base-{profile.suite}-{base_key(profile, mirror)}.tar.zst"
    if archive.exists():
        progress(f"base {profile.suite}: from the cache ({archive})")
        return archive
    if shutil.which("debootstrap") is None:
        raise ImageError("debootstrap is not installed (scripts/setup.sh installs it)")
    progress(f"base {profile.suite}: debootstrap from {mirror} (once; then cached)")
    with tempfile.TemporaryDirectory(dir=cache, prefix="debootstrap-") as work:
        tree = Path(work) / "rootfs"
        env = dict(os.environ)
        if settings.images.apt_proxy:
            env["http_proxy"] = settings.images.apt_proxy
        _run(
            [
                "debootstrap",
                f"--variant={profile.variant}",
                f"--components={','.join(profile.components)}",
                f"--include={','.join(BASE_INCLUDE)}",
                profile.suite,
                str(tree),
                mirror,
            ],
            "debootstrap",
            env=env,
        )
        _run(["chroot", str(tree), "apt-get", "clean"], "cleaning the base")
        _pack(tree, archive)
    return archive


@contextlib.contextmanager
def mounted(tree: Path) -> Iterator[None]:
    """/proc, /sys and /dev inside the tree while packages install; the host's resolv.conf
    so that apt reaches the mirror (then the tree's own again, or what a package put there)."""
    done: list[Path] = []
    resolv = tree / "etc" / "resolv.conf"
    link = os.readlink(resolv) if resolv.is_symlink() else None
    saved = resolv.read_bytes() if link is None and resolv.is_file() else None
    ours = False
    try:
        for source, target, options in (
            ("proc", "proc", ["-t", "proc"]),
            ("/sys", "sys", ["--rbind"]),
            ("/dev", "dev", ["--rbind"]),
        ):
            point = tree / target
            point.mkdir(exist_ok=True)
            _run(["mount", *options, source, str(point)], f"mounting {target} in the image")
            done.append(point)
        if Path("/etc/resolv.conf").exists():
            if resolv.is_symlink():
                resolv.unlink()
            shutil.copyfile("/etc/resolv.conf", resolv)
            ours = True
        yield
    finally:
        for point in reversed(done):
            subprocess.run(["umount", "-R", "-l", str(point)], capture_output=True)
        if ours and not resolv.is_symlink():  # still our copy: put the tree's back
            resolv.unlink(missing_ok=True)
            if link is not None:
                resolv.symlink_to(link)
            elif saved is not None:
                resolv.write_bytes(saved)


def firefox_policies(profile: Profile) -> dict[str, Any]:
    firefox = profile.firefox
    policies: dict[str, Any] = {
        "DisableTelemetry": True,
        "DisablePrivateBrowsing": True,
        "DNSOverHTTPS": {"Enabled": False, "Locked": True},
    }
    if firefox.get("dns_over_https") == "filtered" and firefox.get("doh_url"):
        policies["DNSOverHTTPS"] = {
            "Enabled": True,
            "ProviderURL": firefox["doh_url"],
            "Locked": True,
        }
    if firefox.get("homepage"):
        policies["Homepage"] = {"URL": firefox["homepage"], "StartPage": "homepage"}
    if firefox.get("safe_search", True):
        policies["SearchEngines"] = {
            "Add": [
                {
                    "Name": "DuckDuckGo (recherche protégée)",
                    "URLTemplate": "https://duckduckgo.com/?q={searchTerms}&kp=1",
                    "Method": "GET",
                }
            ],
            "Default": "DuckDuckGo (recherche protégée)",
            "PreventInstalls": True,
        }
    return {"policies": policies}


def timekpr_user(profile: Profile) -> str:
    """timekpr-nExt's per-user file, from the profile (the assistant rewrites it with the
    parent's answers, through the same function)."""
    limits = profile.time_limits
    return first_start.timekpr_user(
        profile.children.name,
        int(limits.get("daily_minutes", 120)),
        str(limits.get("allowed_hours", "08:00-20:00")),
    )


def first_start_settings(profile: Profile) -> dict[str, Any]:
    return first_start.settings_from_profile(
        profile.children.name, profile.children.full_name, profile.time_limits, profile.dns
    )


def resolved_dropin(profile: Profile) -> str:
    if not profile.dns.get("enabled"):
        return ""
    [level, *_] = first_start_settings(profile)["levels"]
    return first_start.resolved_dropin(level, bool(profile.dns.get("dns_over_tls", False)))


def timekpr_control(profile: Profile) -> str:
    """timekpr-nExt's per-user counters (``/var/lib/timekpr/work/USER.time``): nothing spent
    yet (without it the daemon knows the user only after a first login)."""
    counters = ("TIME_SPENT_BALANCE", "TIME_SPENT_DAY", "TIME_SPENT_WEEK", "TIME_SPENT_MONTH",
                "PLAYTIME_SPENT_BALANCE", "PLAYTIME_SPENT_DAY")  # fmt: skip
    lines = [f"[{profile.children.name}]", *(f"{name} = 0" for name in counters)]
    return "\n".join(lines) + "\n"


def first_start_paths() -> dict[str, str]:
    """Where image.yml puts the parental-control assistant, and verify.yml looks for it."""
    return {
        "program": first_start.PROGRAM,
        "settings": first_start.SETTINGS,
        "armed": first_start.ARMED,
        "unit": f"/etc/systemd/system/{first_start.UNIT}",
        "wants": f"/etc/systemd/system/multi-user.target.wants/{first_start.UNIT}",
    }


def playbook_variables(settings: Settings, profile: Profile) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "image_mirror": settings.images.mirror or profile.mirror,
        "image_suite": profile.suite,
        "image_components": list(profile.components),
        "image_apt_proxy": settings.images.apt_proxy,
        "image_packages": profile.all_packages(),
        "image_locale": profile.locale,
        "image_keyboard": profile.keyboard,
        "image_timezone": profile.timezone,
        "image_parent": asdict(profile.parent),
        "image_children": asdict(profile.children),
        "image_dns": profile.dns,
        "image_firefox": profile.firefox,
        "image_firefox_policies": firefox_policies(profile),
        "image_time_limits": profile.time_limits,
        "image_timekpr_user": timekpr_user(profile),
        "image_timekpr_control": timekpr_control(profile),
        "image_resolved_dropin": resolved_dropin(profile),
        "image_first_start": profile.first_start,
        "image_first_start_program": first_start.__file__,
        "image_first_start_settings": first_start_settings(profile),
        "image_first_start_unit": first_start.unit_file(),
        "image_first_start_paths": first_start_paths(),
        "image_polkit_rule": first_start.polkit_rule(profile.children.name),
        "image_unattended_upgrades": profile.unattended_upgrades,
        "image_branding_text": str(profile.branding.get("wallpaper_text", "")),
        "image_serial_console": profile.serial_console,
    }


def require_chroot_connection() -> None:
    """Image builds run image.yml through the community.general collection's chroot
    connection, which comes with the ``ansible`` package (the ``images`` extra)."""
    import importlib.util

    try:
        found = importlib.util.find_spec("ansible_collections.community.general") is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        raise ImageError(
            "building an image needs Ansible's community.general collection (its chroot "
            "connection), which is not installed: pip install 'assetctl[images]'"
        )


def configure(
    settings: Settings,
    profile: Profile,
    tree: Path,
    progress: Progress,
    status: Progress | None = None,
) -> int:
    """Run image.yml on the tree; returns how many tasks changed something."""
    from assetctl.bench.playbooks import run_inventory

    inventory = {
        "all": {
            "hosts": {
                "image": {
                    "ansible_connection": "community.general.chroot",
                    "ansible_host": str(tree),
                    "ansible_python_interpreter": "/usr/bin/python3",
                    **playbook_variables(settings, profile),
                }
            }
        }
    }
    result = run_inventory(settings, "image.yml", inventory, ["image"], task="", on_task=status)
    if result.status != "successful":
        failed = result.failure or f"the playbook ended {result.status}"
        raise ImageError(
            f"image.yml failed on {profile.name}: {failed} (run artefacts: {result.artifacts})"
        )
    progress(f"image.yml: {result.changed} task(s) changed")
    if result.changed and result.changed <= 5:
        progress("  " + "; ".join(result.changed_tasks))
    return result.changed


CLEAN = (
    "var/cache/apt/archives/*.deb",
    "var/cache/apt/*.bin",
    "var/lib/apt/lists/*_Packages",
    "var/lib/apt/lists/*_InRelease",
    "var/lib/apt/lists/*_Release*",
    "var/lib/apt/lists/*_Translation-*",
    "etc/ssh/ssh_host_*",
    "var/lib/dbus/machine-id",
    "usr/sbin/policy-rc.d",
    "root/.bash_history",
    "root/.ansible",
    "tmp/*",
    "var/tmp/*",
)


def clean(tree: Path) -> None:
    """What must not be in every deployed machine: caches, identity, logs, build leftovers."""
    for pattern in CLEAN:
        for path in tree.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    (tree / "etc" / "machine-id").write_text("")  # a new one at deployment (systemd)
    for log in (tree / "var" / "log").rglob("*"):
        if log.is_file():
            log.write_bytes(b"")


def package_versions(tree: Path) -> dict[str, str]:
    admin = f"--admindir={tree / 'var/lib/dpkg'}"
    done = _run(
        ["dpkg-query", admin, "-W", "-f", "${Package}\t${Version}\n"],
        "listing the image's packages",
    )
    return dict(line.split("\t", 1) for line in done.stdout.decode().splitlines() if "\t" in line)


def installed_bytes(tree: Path) -> int:
    """The space the system takes once extracted (allocated blocks, as du counts them)."""
    done = _run(["du", "-s", "-x", "-B1", str(tree)], "measuring the image's tree")
    return int(done.stdout.split()[0])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(4 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(settings: Settings, profile_name: str) -> Path:
    return images_dir(settings) / f"{profile_name}.json"


def read_manifest(settings: Settings, profile_name: str) -> dict[str, Any] | None:
    path = manifest_path(settings, profile_name)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def recipe_digest(profile: Profile) -> str:
    """What an image is made of: the profile's content, the packages it installs, the
    playbook that applies it and the first start's assistant it copies in."""
    from assetctl.bench.playbooks import playbooks_dir

    playbook = (playbooks_dir() / "image.yml").read_bytes()
    content = json.dumps([profile.digest(), profile.all_packages(), BASE_INCLUDE]).encode()
    content += playbook + Path(first_start.__file__).read_bytes()
    return hashlib.sha256(content).hexdigest()


def up_to_date(settings: Settings, profile: Profile) -> dict[str, Any] | None:
    manifest = read_manifest(settings, profile.name)
    if manifest is None or manifest.get("recipe_hash") != recipe_digest(profile):
        return None
    archive = images_dir(settings) / manifest["archive"]
    if not archive.exists() or archive.stat().st_size != manifest["size_bytes"]:
        return None
    return manifest


def build(
    settings: Settings,
    profile: Profile,
    *,
    force: bool = False,
    check_idempotence: bool = False,
    progress: Progress = lambda _message: None,
    status: Progress | None = None,
) -> BuildResult:
    """Build ``profile``'s image (unless up to date): ``progress`` hears each phase,
    ``status`` each playbook task as it starts (for a display that redraws itself)."""
    if not force:
        current = up_to_date(settings, profile)
        if current is not None:
            return BuildResult(
                profile.name, images_dir(settings) / current["archive"], current, built=False
            )
    require_chroot_connection()
    if os.geteuid() != 0:
        raise ImageError("building an image needs root (debootstrap, chroot and mounts)")
    started = datetime.now(UTC)
    base = ensure_base(settings, profile, progress)
    out = images_dir(settings)
    (out / "work").mkdir(parents=True, exist_ok=True)
    second: int | None = None
    with tempfile.TemporaryDirectory(dir=out / "work", prefix=f"{profile.name}-") as work:
        tree = Path(work) / "rootfs"
        progress(f"{profile.name}: unpacking the base")
        unpack(base, tree)
        with mounted(tree):
            progress(f"{profile.name}: image.yml (packages, accounts, parental settings)")
            configure(settings, profile, tree, progress, status)
            if check_idempotence:
                progress(f"{profile.name}: image.yml again (it must change nothing)")
                second = configure(settings, profile, tree, progress, status)
        if second:
            raise ImageError(
                f"image.yml is not idempotent: its second run changed {second} task(s)"
            )
        versions = package_versions(tree)
        clean(tree)
        installed = installed_bytes(tree)
        name = f"{profile.name}-{profile.digest()[:12]}.tar.zst"
        progress(f"{profile.name}: packing {name}")
        _pack(tree, out / name)
    archive = out / name
    manifest = {
        "profile": profile.name,
        "profile_hash": profile.digest(),
        "recipe_hash": recipe_digest(profile),
        "description": profile.description,
        "suite": profile.suite,
        "archive": name,
        "size_bytes": archive.stat().st_size,
        "installed_bytes": installed,
        "sha256": sha256_file(archive),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "base": base.name,
        "packages": versions,
    }
    manifest_path(settings, profile.name).write_text(json.dumps(manifest, indent=2) + "\n")
    for old in out.glob(f"{profile.name}-*.tar.zst"):
        if old.name != name:
            old.unlink()
    return BuildResult(profile.name, archive, manifest, built=True, changed_on_second_run=second)


def list_images(settings: Settings) -> list[dict[str, Any]]:
    from assetctl.images.profiles import load_profile

    rows = []
    for path in sorted(images_dir(settings).glob("*.json")):
        data = json.loads(path.read_text())
        try:
            current = recipe_digest(load_profile(data["profile"])) == data.get("recipe_hash")
        except AssetctlError:
            current = False
        rows.append(
            {
                "profile": data["profile"],
                "archive": data["archive"],
                "size_mb": round(data["size_bytes"] / 1e6, 1),
                "installed_mb": round(data.get("installed_bytes", 0) / 1e6, 1) or None,
                "packages": len(data["packages"]),
                "built_at": data["built_at"],
                "sha256": data["sha256"][:16],
                "up_to_date": current,
            }
        )
    return rows
