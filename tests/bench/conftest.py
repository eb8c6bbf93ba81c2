"""A real OpenSSH server on 127.0.0.1 for the bench tests, and a machine's captured facts."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.sshd import SshServer, build_sysfs, sshd_binary, start_sshd
from tests.conftest import Cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _require(why: str) -> None:
    if os.environ.get("ASSETCTL_REQUIRE_SSHD") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """sshd -D on a free loopback port, accepting one generated client key for root."""
    if sshd_binary() is None:
        _require("openssh-server is not installed (scripts/setup.sh installs it)")
    if os.geteuid() != 0:
        _require("the bench tests log in as root on the test sshd: run them as root")
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bench_config(home: Path, sshd: SshServer, tmp_path: Path) -> Path:
    """The test's config: the sshd's client key, and the captured Dell Latitude 5420 sysfs."""
    sysfs = build_sysfs(tmp_path / "machine", "sysfs-dmi-id-and-bat0-dell-latitude5420.json")
    config = home / "config.toml"
    text = config.read_text()
    remote_env = (
        f'ASSETCTL_FACTS_ROOT = "{sysfs}"\n'
        f'PATH = "{FIXTURES / "bin"}:/usr/sbin:/usr/bin:/sbin:/bin"\n'
    )
    text = text.replace('ssh_key = "bench/id_ed25519"', f'ssh_key = "{sshd.client_key}"')
    text = text.replace("timeout = 10\n", "timeout = 10\n\n[bench.remote_env]\n" + remote_env)
    config.write_text(text)
    return config


@pytest.fixture
def laptop(cli_db: Cli, sshd: SshServer, bench_config: Path) -> str:
    """The captured Dell Latitude, discovered (its host key pinned) and registered."""
    out = cli_db.ok("bench", "discover", sshd.address, "--kind", "laptop").stdout
    return out.split()[2]


SIZE = 48 * 1024 * 1024


@pytest.fixture
def loop_disk(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loop device over a file full of (non-zero) data: a disk that held city data."""
    backing = tmp_path / "disk.img"
    with backing.open("wb") as handle:
        handle.write(os.urandom(SIZE))
    try:
        device = subprocess.run(
            ["losetup", "-f", "--show", str(backing)], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no loop device here: {exc}")
    # a loop device reads as a solid-state disk (the policy's sample read-back), whatever a
    # test before left on this one
    Path(f"/sys/block/{Path(device).name}/queue/rotational").write_text("0")
    try:
        yield device, backing
    finally:
        subprocess.run(["losetup", "-d", device], check=False)
