"""A real OpenSSH server on 127.0.0.1 for the bench tests, and a machine's captured facts."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass
class SshServer:
    host: str
    port: int
    client_key: Path
    folder: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _require(why: str) -> None:
    if os.environ.get("ASSETCTL_REQUIRE_SSHD") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """sshd -D on a free loopback port, accepting one generated client key for root."""
    binary = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(binary).exists():
        _require("openssh-server is not installed (scripts/setup.sh installs it)")
    if os.geteuid() != 0:
        _require("the bench tests log in as root on the test sshd: run them as root")
    from assetctl.bench.ssh import generate_key

    folder = tmp_path_factory.mktemp("sshd")
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "host_ed25519")],
        check=True,
    )
    client_key = folder / "client" / "id_ed25519"
    (folder / "authorized_keys").write_text(generate_key(client_key) + "\n")
    (folder / "authorized_keys").chmod(0o600)
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_ed25519'}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {folder / 'authorized_keys'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        "Subsystem sftp internal-sftp\nLogLevel ERROR\nMaxStartups 64\nMaxSessions 64\n"
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    process = subprocess.Popen([binary, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"sshd failed: {process.stderr.read().decode()}") from None
            time.sleep(0.1)
    try:
        yield SshServer("127.0.0.1", port, client_key, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)


def build_sysfs(root: Path, capture: str) -> Path:
    """A /sys tree holding the DMI and battery files captured on a real machine."""
    data = json.loads((FIXTURES / "real-outputs" / capture).read_text())
    for path, value in data.items():
        if path.startswith("/sys/class/dmi/id/") or path.startswith("/sys/class/power_supply/"):
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(value if value.endswith("\n") else value + "\n")
    return root


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
