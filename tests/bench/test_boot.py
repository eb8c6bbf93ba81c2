"""The slower tier (not CI): a deployed disk boots under QEMU (software emulation, UEFI
firmware from OVMF) to a login prompt that carries the asset tag.

    scripts/test-slow.sh      # installs QEMU and OVMF, then runs the tests marked slow

Builds `test-boot` (test-minimal with a kernel, an init and a serial console), deploys it
onto a loop device through the test sshd as `bench deploy` does, and boots the disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.sshd import SshServer
from tests.bench.test_deploy import CACHE, big_disk, deploy_args, show  # noqa: F401
from tests.conftest import Cli

pytestmark = pytest.mark.slow
OVMF = Path("/usr/share/OVMF")


@pytest.fixture
def boot_image(home: Path) -> None:
    if os.environ.get("ASSETCTL_SLOW_TESTS") != "1":
        pytest.skip("the slow tier: run scripts/test-slow.sh")
    if shutil.which("qemu-system-x86_64") is None or not (OVMF / "OVMF_CODE_4M.fd").exists():
        pytest.fail("QEMU and OVMF are missing: scripts/test-slow.sh installs them")
    env = {**os.environ, "ASSETCTL_HOME": str(home), "ASSETCTL_IMAGE_CACHE": CACHE}
    env.pop("ASSETCTL_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "assetctl", "image", "build", "test-boot"],
        env=env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_deployed_disk_boots_to_a_login_prompt(
    cli_db: Cli,
    sshd: SshServer,
    laptop: str,
    boot_image: None,
    big_disk: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    cli_db.ok("bench", "wipe", laptop, "--host", sshd.address, "--disk", big_disk, "--yes")
    args = deploy_args(laptop, sshd, big_disk, "--yes")
    args[args.index("test-minimal")] = "test-boot"
    cli_db.ok("bench", "deploy", laptop, *args)
    assert show(cli_db, laptop)["status"] == "ready"
    variables = tmp_path / "OVMF_VARS.fd"
    shutil.copyfile(OVMF / "OVMF_VARS_4M.fd", variables)
    serial = tmp_path / "serial.log"
    with serial.open("wb") as out:
        qemu = subprocess.Popen(
            [
                "qemu-system-x86_64", "-machine", "q35", "-m", "1024", "-nographic",
                "-no-reboot", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF / 'OVMF_CODE_4M.fd'}",
                "-drive", f"if=pflash,format=raw,file={variables}",
                "-drive", f"file={tmp_path / 'disk.img'},format=raw,if=virtio,snapshot=on",
            ],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline and qemu.poll() is None:
                if f"{laptop} login:".encode() in serial.read_bytes():
                    break
                time.sleep(2)
        finally:
            qemu.kill()
            qemu.wait()
    log = serial.read_bytes().decode(errors="replace")
    assert "Welcome to GRUB" in log or "GNU GRUB" in log
    assert "Linux version" in log
    assert f"{laptop} login:" in log, log[-3000:]
