"""Start a real OpenSSH server on loopback addresses: for the bench tests and benchmarks."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SshServer:
    host: str
    port: int
    client_key: Path
    folder: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    addresses: tuple[str, ...] = ("127.0.0.1",)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def sshd_binary() -> str | None:
    found = shutil.which("sshd") or "/usr/sbin/sshd"
    return found if Path(found).exists() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sshd(
    folder: Path, addresses: tuple[str, ...] = ("127.0.0.1",), *, detach: bool = False
) -> SshServer:
    """sshd on a free port of each loopback address, accepting one new client key (root).

    In the foreground (-D) by default, stopped by :meth:`SshServer.stop`; ``detach`` lets it
    daemonise (its pid is in ``folder/sshd.pid``) to outlive the caller."""
    from assetctl.bench.ssh import generate_key

    binary = sshd_binary()
    if binary is None:
        raise RuntimeError("openssh-server is not installed")
    folder = folder.resolve()  # sshd wants absolute paths
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "host_ed25519")],
        check=True,
    )
    client_key = folder / "client" / "id_ed25519"
    (folder / "authorized_keys").write_text(generate_key(client_key) + "\n")
    (folder / "authorized_keys").chmod(0o600)
    port = free_port()
    listen = "".join(f"ListenAddress {address}\n" for address in addresses)
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\n{listen}HostKey {folder / 'host_ed25519'}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {folder / 'authorized_keys'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        "Subsystem sftp internal-sftp\nLogLevel ERROR\nMaxStartups 100\nMaxSessions 100\n"
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    arguments = [binary, "-f", str(config)] if detach else [binary, "-D", "-e", "-f", str(config)]
    process = subprocess.Popen(arguments, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            for address in addresses:
                socket.create_connection((address, port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None and (not detach or process.returncode != 0):
                assert process.stderr is not None
                raise RuntimeError(f"sshd failed: {process.stderr.read().decode()}") from None
            time.sleep(0.1)
    return SshServer(addresses[0], port, client_key, folder, None if detach else process, addresses)


# the captured outputs live with the tests that replay them
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def build_sysfs(root: Path, capture: str) -> Path:
    """A /sys tree holding the DMI and battery files captured on a real machine."""
    data = json.loads((FIXTURES / "real-outputs" / capture).read_text())
    for path, value in data.items():
        if path.startswith("/sys/class/dmi/id/") or path.startswith("/sys/class/power_supply/"):
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(value if value.endswith("\n") else value + "\n")
    return root
