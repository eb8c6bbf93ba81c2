"""SSH to a machine's live system with paramiko: the bench's key, the bench's known hosts.

Host-key policy. A live system may make new host keys at every boot, so a key cannot tell one
machine from another; the DMI serial does. Hence:

- ``bench discover`` (``pin=True``) accepts the key the machine shows, records it for that
  address in the bench's own known-hosts file, and says so when it replaced another one;
- every later command on that address (wipe, deploy) must see exactly the recorded key, else
  it refuses: another machine may have taken the address since the discovery.

No paramiko object leaves this module: callers get text and :class:`CommandResult` back.
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assetctl.errors import AssetctlError

DEFAULT_PORT = 22


class BenchConnectionError(AssetctlError):
    """The machine could not be reached, or refused the bench's key."""


class HostKeyError(BenchConnectionError):
    """The machine's host key is not the one recorded at discovery."""


@dataclass(frozen=True)
class Target:
    """An address on the bench network: host[:port], user root by default."""

    host: str
    port: int = DEFAULT_PORT
    user: str = "root"

    @classmethod
    def parse(cls, text: str) -> Target:
        user, _, rest = text.rpartition("@")
        host, port = rest, DEFAULT_PORT
        if rest.count(":") == 1:  # host:port (not an IPv6 address)
            host, port_text = rest.split(":")
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise BenchConnectionError(f"{text!r}: the port must be a number from 1 to 65535")
            port = int(port_text)
        if not host:
            raise BenchConnectionError(f"{text!r} is not a host")
        return cls(host=host, port=port, user=user or "root")

    @property
    def key_name(self) -> str:
        """The name OpenSSH uses in known_hosts for this address."""
        return self.host if self.port == DEFAULT_PORT else f"[{self.host}]:{self.port}"

    def __str__(self) -> str:
        return self.host if self.port == DEFAULT_PORT else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Session:
    """What a connection established: the host key seen and whether it replaced another."""

    fingerprint: str
    replaced_key: bool


def fingerprint(key: Any) -> str:
    import base64
    import hashlib

    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def generate_key(path: Path) -> str:
    """Create the bench's ed25519 key pair (mode 0600); returns the public key line."""
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        raise AssetctlError(f"{path} exists already; the bench keeps its key")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    line = f"{public} assetctl-bench"
    path.with_suffix(".pub").write_text(line + "\n")
    return line


def _load_private_key(path: Path) -> Any:
    import paramiko

    if not path.exists():
        raise BenchConnectionError(
            f"no bench SSH key at {path}: create it with "
            "`assetctl bench keygen` and put its .pub in the live system"
        )
    for key_class in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return key_class.from_private_key_file(str(path))
        except paramiko.SSHException:
            continue
    raise BenchConnectionError(f"{path} is not an unencrypted ed25519, ECDSA or RSA key")


class Connection:
    """One SSH connection to one machine; use as a context manager."""

    def __init__(
        self, target: Target, *, key_path: Path, known_hosts: Path, pin: bool, timeout: float = 10.0
    ) -> None:
        self.target = target
        self.key_path = key_path
        self.known_hosts = known_hosts
        self.pin = pin
        self.timeout = timeout
        self._transport: Any = None
        self.session: Session | None = None

    def __enter__(self) -> Connection:
        import paramiko

        target = self.target
        try:
            sock = socket.create_connection((target.host, target.port), timeout=self.timeout)
        except OSError as exc:
            raise BenchConnectionError(
                f"{target}: cannot connect ({exc.strerror or exc}); is "
                "the machine booted on the bench live system?"
            ) from None
        transport = paramiko.Transport(sock)
        self._transport = transport
        try:
            transport.start_client(timeout=self.timeout)
            key = transport.get_remote_server_key()
            self.session = self._check_host_key(key)
            transport.auth_publickey(target.user, _load_private_key(self.key_path))
        except paramiko.AuthenticationException:
            self.close()
            raise BenchConnectionError(
                f"{target}: the live system refused the bench key {self.key_path}.pub"
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self.close()
            raise BenchConnectionError(f"{target}: SSH failed ({exc})") from None
        except BaseException:
            self.close()
            raise
        return self

    def _check_host_key(self, key: Any) -> Session:
        import paramiko

        hosts = paramiko.HostKeys()
        if self.known_hosts.exists():
            hosts.load(str(self.known_hosts))
        name = self.target.key_name
        recorded = hosts.lookup(name) or {}
        known = recorded.get(key.get_name())
        if known is not None and known == key:
            return Session(fingerprint(key), replaced_key=False)
        if not self.pin:
            what = "has changed since" if recorded else "was not recorded by"
            raise HostKeyError(
                f"{self.target}: the host key {what} `assetctl bench discover` "
                f"({fingerprint(key)}): another machine may be at this address. Run "
                "`assetctl bench discover` on it again before working on it"
            )
        if name in hosts:
            del hosts[name]
        hosts.add(name, key.get_name(), key)
        self.known_hosts.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        hosts.save(str(self.known_hosts))
        self.known_hosts.chmod(0o600)
        return Session(fingerprint(key), replaced_key=bool(recorded))

    def run(
        self, command: str, *, stdin: str | None = None, timeout: float = 120.0
    ) -> CommandResult:
        """Run ``command`` on the machine; its exit status, stdout and stderr."""
        import paramiko

        channel = self._transport.open_session(timeout=self.timeout)
        channel.settimeout(timeout)
        try:
            channel.exec_command(command)
            if stdin is not None:
                channel.sendall(stdin.encode())
            channel.shutdown_write()
            out, err = bytearray(), bytearray()
            deadline = time.monotonic() + timeout
            while True:
                # OpenSSH may send the exit status before the last of the output: read until
                # the end of the stream (EOF comes after every byte of stdout and stderr)
                while channel.recv_ready():
                    out += channel.recv(65536)
                while channel.recv_stderr_ready():
                    err += channel.recv_stderr(65536)
                if channel.eof_received or channel.closed:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                select.select([channel], [], [], min(left, 1.0))
            while channel.recv_ready():
                out += channel.recv(65536)
            while channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
            if not channel.status_event.wait(max(deadline - time.monotonic(), 5.0)):
                raise TimeoutError
            status = channel.exit_status
        except TimeoutError:
            raise BenchConnectionError(
                f"{self.target}: `{command[:40]}` did not finish in {timeout:.0f} s"
            ) from None
        except paramiko.SSHException as exc:
            raise BenchConnectionError(f"{self.target}: SSH failed ({exc})") from None
        finally:
            channel.close()
        return CommandResult(status, out.decode(errors="replace"), err.decode(errors="replace"))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __exit__(self, *exc: object) -> None:
        self.close()
