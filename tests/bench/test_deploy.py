"""Images for real: `image build` (debootstrap, image.yml through Ansible's chroot connection,
twice: the second run changes nothing), then `bench deploy` onto a loop device through the
test sshd (deploy.yml + verify.yml), the result checked on the disk itself; a tampered system
fails verify.yml and its device is no longer ready.

Needs root, loop devices with partitions, debootstrap and the Debian archive (the base is
cached in ASSETCTL_IMAGE_CACHE, default /var/cache/assetctl, between runs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.sshd import SshServer
from tests.bench.test_wipe import show
from tests.conftest import Cli
from tests.helpers import unlock_key

DISK_SIZE = 1536 * 1024 * 1024
CACHE = os.environ.get("ASSETCTL_IMAGE_CACHE", "/var/cache/assetctl")


def _unavailable(why: str) -> None:
    if os.environ.get("ASSETCTL_REQUIRE_ARCHIVE") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="session")
def built_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """test-minimal built once for the session, with the idempotence check."""
    if os.geteuid() != 0:
        _unavailable("image builds need root")
    if shutil.which("debootstrap") is None:
        _unavailable("debootstrap is not installed (scripts/setup.sh installs it)")
    home = tmp_path_factory.mktemp("image-home")
    env = {**os.environ, "ASSETCTL_HOME": str(home), "ASSETCTL_IMAGE_CACHE": CACHE}
    env.pop("ASSETCTL_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "assetctl", "image", "build", "test-minimal",
         "--check-idempotence"],
        env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0:
        if "debootstrap failed" in done.stderr:
            _unavailable(f"debootstrap failed (no Debian archive?): {done.stderr[-500:]}")
        pytest.fail(f"image build failed:\n{done.stderr[-3000:]}")
    assert "image.yml: 0 task(s) changed" in done.stderr  # the second run
    first = done.stderr.split("image.yml: ", 1)[1].split(" ", 1)[0]
    assert int(first) >= 10, done.stderr  # the first run did configure the tree
    return home / "images"


@pytest.fixture
def images(home: Path, built_images: Path) -> Path:
    target = home / "images"
    target.mkdir(parents=True, exist_ok=True)
    for path in built_images.iterdir():
        if path.is_file():
            os.link(path, target / path.name)
    return target


@pytest.fixture
def big_disk(tmp_path: Path) -> Iterator[str]:
    """A 1.5 GiB loop device whose partitions the kernel shows (losetup -P)."""
    backing = tmp_path / "disk.img"
    with backing.open("wb") as handle:
        handle.truncate(DISK_SIZE)
    try:
        device = subprocess.run(
            ["losetup", "-f", "-P", "--show", str(backing)],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no loop device here: {exc}")
    try:
        yield device
    finally:
        mount_point = f"/mnt/assetctl-{Path(device).name}"  # left by a failed deployment
        subprocess.run(["umount", "-R", "-l", mount_point], capture_output=True)
        subprocess.run(["losetup", "-d", device], check=False)


def sh(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


class Mounted:
    """The deployed disk, mounted read-only (or read-write) for the test's own checks."""

    def __init__(self, device: str, where: Path, writable: bool = False) -> None:
        self.device, self.root, self.writable = device, where, writable

    def __enter__(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        option = "rw" if self.writable else "ro"
        sh("mount", "-o", option, f"{self.device}p2", str(self.root))
        return self.root

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["umount", "-R", str(self.root)], check=True)


def deploy_args(tag: str, sshd: SshServer, disk: str, *extra: str) -> list[str]:
    return ["--host", sshd.address, "--disk", disk, "--profile", "test-minimal", *extra]


def test_deploy_writes_a_verified_system(
    cli_db: Cli, sshd: SshServer, laptop: str, images: Path, big_disk: str, tmp_path: Path
) -> None:
    refused = cli_db.fails("bench", "deploy", laptop, *deploy_args(laptop, sshd, big_disk, "-y"))
    assert "no passed wipe since it last came back" in refused.stderr
    cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", big_disk, "--yes")
    result = cli_db.ok("bench", "deploy", laptop, *deploy_args(laptop, sshd, big_disk, "--yes"))
    assert result.stdout.startswith(f"OK {laptop} verify ")
    # how much of the image the machine streamed, as the bench's image server counted it
    archive = next(images.glob("test-minimal-*.tar.zst")).stat().st_size
    assert f"{laptop} {big_disk} image 100 % (" in result.stderr, result.stderr
    assert f"of {archive / 1e6:.0f} MB" in result.stderr
    view = show(cli_db, laptop)
    assert view["status"] == "ready"

    # the partition table and file systems, read by the system's own tools
    table = sh("sgdisk", "-p", big_disk)
    assert "EF00" in table and "8304" in table
    assert sh("blkid", "-s", "TYPE", "-o", "value", f"{big_disk}p1").strip() == "vfat"
    assert sh("blkid", "-s", "TYPE", "-o", "value", f"{big_disk}p2").strip() == "ext4"
    root_uuid = sh("blkid", "-s", "UUID", "-o", "value", f"{big_disk}p2").strip()
    with Mounted(big_disk, tmp_path / "check") as root:
        fstab = (root / "etc/fstab").read_text()
        assert f"UUID={root_uuid} / ext4" in fstab
        assert (root / "etc/hostname").read_text().strip() == laptop
        assert (root / "boot/grub/grub.cfg").exists()
        assert root_uuid in (root / "boot/grub/embedded.cfg").read_text()
        assert (root / "boot/efi").is_dir() and not list((root / "boot/efi").iterdir())
    # the EFI system partition, read without mounting it (this kernel has no vfat)
    assert "BOOTX64.EFI" in sh("mdir", "-b", "-i", f"{big_disk}p1", "::/EFI/BOOT")
    with Mounted(big_disk, tmp_path / "check2") as root:
        groups = {
            line.split(":")[0]: line.split(":")[3].split(",")
            for line in (root / "etc/group").read_text().splitlines()
        }
        assert "parent" in groups["sudo"] and "enfant" not in groups["sudo"]
        shadow = {
            line.split(":")[0]: line.split(":")
            for line in (root / "etc/shadow").read_text().splitlines()
        }
        assert shadow["parent"][1].startswith("$") and shadow["enfant"][1].startswith("$")
        assert shadow["parent"][1] != shadow["enfant"][1]
        # expired: the family chooses its own passwords at the first login
        assert shadow["parent"][2] == "0" and shadow["enfant"][2] == "0"
        dns = (root / "etc/systemd/resolved.conf.d/assetctl-filter.conf").read_text()
        assert "185.228.168.168#family-filter-dns.cleanbrowsing.org" in dns
        assert "DNSOverTLS=yes" in dns
        policies = json.loads((root / "etc/firefox-esr/policies/policies.json").read_text())
        assert policies["policies"]["DNSOverHTTPS"] == {"Enabled": False, "Locked": True}
        assert len((root / "etc/machine-id").read_text().strip()) == 32
        assert "LANG=fr_FR.UTF-8" in (root / "etc/default/locale").read_text()
        assert 'XKBLAYOUT="fr"' in (root / "etc/default/keyboard").read_text()
        assert not (root / "root/.ssh/authorized_keys").exists()
        assert not (root / "usr/sbin/policy-rc.d").exists()

    # the record: the image's sha256 and the verify report; passwords for the handover sheet
    manifest = json.loads((images / "test-minimal.json").read_text())
    from tests.cli.test_family_gdpr import rows

    runs = rows(cli_db.db_url, "SELECT profile, image_sha256, result, details FROM imaging_run")
    assert [(r[0], r[1], r[2]) for r in runs] == [("test-minimal", manifest["sha256"], "passed")]
    details = json.loads(runs[0][3]) if isinstance(runs[0][3], str) else runs[0][3]
    assert details["verify"] and all(c["ok"] for c in details["verify"])
    verified = {c["check"] for c in details["verify"]}
    assert {
        "parental-control assistant armed for the first start",
        "no software installation from the children's account (polkit)",
    } <= verified
    steps = [step["step"] for step in details["steps"]]  # timed on the machine
    assert sorted(steps) == sorted([
        "partition", "partitions shown", "EFI file system", "root file system", "image",
        "identity", "boot menu", "boot loader", "write-back", "verify",
    ])  # fmt: skip
    assert all(step["seconds"] >= 0 for step in details["steps"])
    assert not Path(f"/mnt/assetctl-{Path(big_disk).name}").is_mount()  # all unmounted
    stored = rows(
        cli_db.db_url, "SELECT account, sealed_secret FROM device_credential ORDER BY account"
    )
    assert [a for a, _ in stored] == ["enfant", "parent"]
    assert all(sealed.startswith("s1:") for _, sealed in stored)  # sealed for the caseworkers
    accounts = [(account, unlock_key().open(sealed)) for account, sealed in stored]
    artefacts = Path(details["artifacts"])
    logged = "".join(p.read_text(errors="replace") for p in artefacts.rglob("*") if p.is_file())
    for _, secret in accounts:
        assert len(secret) >= 10 and secret not in logged  # never in the run's logs

    # tampered: the children's account made an administrator; verify.yml catches it
    with Mounted(big_disk, tmp_path / "tamper", writable=True) as root:
        group = root / "etc/group"
        group.write_text(
            "\n".join(
                line + ",enfant" if line.startswith("sudo:") else line
                for line in group.read_text().splitlines()
            )
            + "\n"
        )
    failed = cli_db.fails("bench", "verify", laptop, *deploy_args(laptop, sshd, big_disk))
    assert "FAIL children's account without administrator rights: in sudo" in failed.stderr
    assert show(cli_db, laptop)["status"] == "wiped"
    again = cli_db.fails("asset", "status", laptop, "ready", "--reason", "it worked before")
    assert "its last imaging or verification" in again.stderr
    # deployed again: ready again, with new passwords in place of the old ones
    cli_db.ok("bench", "deploy", laptop, *deploy_args(laptop, sshd, big_disk, "--yes"))
    assert show(cli_db, laptop)["status"] == "ready"
    renewed = [
        (account, unlock_key().open(sealed))
        for account, sealed in rows(
            cli_db.db_url, "SELECT account, sealed_secret FROM device_credential ORDER BY account"
        )
    ]
    assert [a for a, _ in renewed] == ["enfant", "parent"] and renewed != accounts


def test_the_parental_assistant_runs_in_the_built_image(images: Path, tmp_path: Path) -> None:
    """The image as built: its first start's service, and the assistant run in it (chroot),
    with the image's own Python and usermod; verify.yml's check then sees it disarmed."""
    from assetctl.images import first_start
    from assetctl.images.build import first_start_paths, unpack
    from tests.bench.test_compliance import PROFILE, assistant_check

    [archive] = images.glob("test-minimal-*.tar.zst")
    tree = tmp_path / "tree"
    unpack(archive, tree)
    paths = first_start_paths()
    unit = (tree / paths["unit"].lstrip("/")).read_text()
    assert f"ExecStart={first_start.PROGRAM} --first-start" in unit
    assert "Before=getty-pre.target display-manager.service" in unit  # before any login
    assert os.readlink(tree / paths["wants"].lstrip("/")) == paths["unit"]
    rule = (tree / "etc/polkit-1/rules.d/50-assetctl-children.rules").read_text()
    assert 'subject.user !== "enfant"' in rule
    profile = {**PROFILE, "children": {"name": "enfant", "administrator": False},
               "first_start": True, "first_start_paths": paths}  # fmt: skip

    assert assistant_check(tree, profile)["ok"], assistant_check(tree, profile)
    done = subprocess.run(
        ["chroot", str(tree), first_start.PROGRAM, "--first-start"],
        input="Léa\n\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "Contrôle parental" in done.stdout
    assert ":Léa:/home/enfant:" in (tree / "etc/passwd").read_text()
    assert assistant_check(tree, profile) == {
        "check": "parental-control assistant armed for the first start", "ok": False,
        "detail": f"not armed ({paths['armed']} missing)",
    }  # fmt: skip


def test_deploy_refuses_the_wrong_machine(
    cli_db: Cli, sshd: SshServer, laptop: str, images: Path, big_disk: str
) -> None:
    from tests.helpers import add_args, make_ready, snapshot

    cli_db.ok(*add_args("laptop", "purchased", "Dell", "Latitude 5420", "OTHERSERIAL"))
    other = "LMM-PP-00002"
    make_ready(cli_db.db_url, other)
    before = snapshot(cli_db.db_url)
    wrong = cli_db.fails("bench", "deploy", other, *deploy_args(other, sshd, big_disk, "-y"))
    assert "wrong machine, nothing written" in wrong.stderr
    assert snapshot(cli_db.db_url) == before
    with open(big_disk, "rb") as handle:
        assert handle.read(1 << 20) == bytes(1 << 20)  # not a byte written
    gone = cli_db.fails("bench", "deploy", laptop, *deploy_args(laptop, sshd, "/dev/nope", "-y"))
    assert "/dev/nope: no such disk on this machine" in gone.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_prepare_runs_the_whole_bench(
    cli_db: Cli, sshd: SshServer, bench_config: Path, images: Path, big_disk: str, tmp_path: Path
) -> None:
    """Discover, wipe, deploy, verify and label in one command; an unreachable machine stops
    at its first step and the other goes on."""
    from tests.helpers import decode_pdf

    labels = tmp_path / "etiquettes.pdf"
    result = cli_db.fails(
        "bench", "prepare", "--host", sshd.address, "--host", "127.0.0.1:1",
        "--disk", big_disk, "--profile", "test-minimal", "--kind", "laptop",
        "--labels", str(labels), "--yes", "--json",
    )  # fmt: skip
    rows = {r["host"]: r for r in json.loads(result.stdout)}
    good = rows[sshd.address]
    assert (good["discover"], good["wipe"], good["deploy"], good["label"]) == (
        "ok", "ok", "ok", "ok",
    )  # fmt: skip
    bad = rows["127.0.0.1:1"]
    assert (bad["discover"], bad["wipe"], bad["deploy"]) == ("failed", "-", "-")
    assert bad["message"]
    assert "1 of 2 machine(s) not ready" in result.stderr
    assert show(cli_db, good["tag"])["status"] == "ready"
    assert [text for _, text, *_ in decode_pdf(labels)] == [good["tag"]]


def test_deploy_refuses_a_small_disk_and_a_stream_not_the_image(
    cli_db: Cli, sshd: SshServer, laptop: str, images: Path, big_disk: str, tmp_path: Path
) -> None:
    """A disk smaller than the installed image is refused before anything is written; an
    archive whose bytes are not those of its manifest fails the deployment, not ready."""
    from tests.helpers import snapshot

    manifest_file = images / "test-minimal.json"
    manifest = json.loads(manifest_file.read_text())
    assert manifest["installed_bytes"] > 100 * 1024 * 1024  # measured at build (du)
    backing = tmp_path / "small.img"
    with backing.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    small = sh("losetup", "-f", "-P", "--show", str(backing)).strip()
    try:
        cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", small, "--yes")
        before = snapshot(cli_db.db_url)
        refused = cli_db.fails("bench", "deploy", laptop, *deploy_args(laptop, sshd, small, "-y"))
        assert refused.stdout.startswith(f"REFUSED {laptop}: {small} holds 0.1 GB but ")
        assert "test-minimal needs" in refused.stdout and "nothing written" in refused.stdout
        assert "deployment refused; the device is not ready" in refused.stderr
        assert snapshot(cli_db.db_url) == before
        with open(small, "rb") as handle:
            assert handle.read() == bytes(64 * 1024 * 1024)  # the wipe's zeros, untouched
    finally:
        subprocess.run(["losetup", "-d", small], check=False)

    # the manifest (a new file: the archive is a hard link shared with other tests) names
    # other bytes than those the bench serves: the machine's sha256 of the stream differs
    cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", big_disk, "--yes")
    manifest_file.unlink()
    manifest_file.write_text(json.dumps({**manifest, "sha256": "0" * 64}))
    failed = cli_db.fails("bench", "deploy", laptop, *deploy_args(laptop, sshd, big_disk, "-y"))
    assert failed.stdout.startswith(f"FAILED {laptop}: ")
    assert "is not the one of the manifest (sha256 " + "0" * 64 in failed.stdout
    assert "deploy again" in failed.stdout
    assert show(cli_db, laptop)["status"] == "wiped"
    assert not Path(f"/mnt/assetctl-{Path(big_disk).name}").is_mount()


def wiped_and_planned(
    cli_db: Cli, engine: Any, settings: Any, laptop: str, sshd: SshServer, disk: str
) -> Any:
    """The laptop wiped, and its deployment of test-minimal onto ``disk`` planned (in
    process, for tests that change the world between the plan and the run)."""
    from assetctl.bench.deploy import plan_deploy
    from assetctl.bench.ssh import Target

    cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", disk, "--yes")
    plan = plan_deploy(
        engine, settings, laptop, Target.parse(sshd.address), profile="test-minimal", disk=disk
    )
    assert plan.problems == []
    return plan


def deploy_planned(engine: Any, settings: Any, plan: Any) -> Any:
    from assetctl.bench.deploy import run_deploy

    dmi_root = settings.bench.remote_env.get("ASSETCTL_FACTS_ROOT")
    return run_deploy(engine, settings, plan, actor="test", dmi_root=dmi_root)


def test_the_machine_checks_the_disk_again_just_before_writing(
    cli_db: Cli,
    sshd: SshServer,
    laptop: str,
    images: Path,
    big_disk: str,
    tmp_path: Path,
    engine: object,
    settings: object,
) -> None:
    """The bench planned an unmounted disk; by the time the module runs on the machine,
    something mounted it: the module's own checks refuse, and not a byte is written."""
    plan = wiped_and_planned(cli_db, engine, settings, laptop, sshd, big_disk)
    sh("mkfs.ext4", "-q", "-F", big_disk)  # a file system on the whole disk, then mounted
    where = tmp_path / "mounted-meanwhile"
    where.mkdir()
    sh("mount", big_disk, str(where))
    try:
        (where / "keep.txt").write_text("still here")
        outcome = deploy_planned(engine, settings, plan)
        assert outcome.result == "failed"
        assert f"{big_disk} is mounted ({where}): unmount it first" in outcome.message
        assert "refused before writing anything" in outcome.message
        assert (where / "keep.txt").read_text() == "still here"
    finally:
        subprocess.run(["umount", str(where)], check=True)
    assert show(cli_db, laptop)["status"] == "wiped"
    assert "EF00" not in sh("sgdisk", "-p", big_disk)  # no partition table was written


def test_a_machine_that_cannot_reach_the_bench(
    cli_db: Cli,
    sshd: SshServer,
    laptop: str,
    images: Path,
    big_disk: str,
    engine: object,
    settings: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The image's URL leads nowhere (a firewall, a wrong image_address): the deployment
    fails with the URL and what to set, and the device is not ready."""
    from contextlib import contextmanager

    import assetctl.bench.deploy as deploy
    from lab.sshd import free_port

    nowhere = f"http://127.0.0.1:{free_port()}/token/test-minimal.tar.zst"

    @contextmanager
    def unreachable(*_args: object) -> Iterator[str]:
        yield nowhere

    monkeypatch.setattr(deploy, "serving", unreachable)
    plan = wiped_and_planned(cli_db, engine, settings, laptop, sshd, big_disk)
    outcome = deploy_planned(engine, settings, plan)
    assert outcome.result == "failed"
    assert f"fetching the image from {nowhere}" in outcome.message
    assert "see [bench] image_address and image_port" in outcome.message
    assert show(cli_db, laptop)["status"] == "wiped"
    assert not Path(f"/mnt/assetctl-{Path(big_disk).name}").is_mount()
