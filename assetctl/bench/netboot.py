"""`bench netboot`: machines boot the bench live system from the network.

dnsmasq answers the machines' PXE requests on one interface of the bench and never answers
DNS. Two ways, as FOG users know them:

- **proxy-DHCP** (the default): the site's DHCP server keeps giving the addresses; dnsmasq
  only adds the boot information, so nothing changes for the other computers on the network;
- **the only DHCP server** of an isolated bench network (``dhcp_range``), e.g. a switch that
  carries only the bench's machines.

A machine's own PXE firmware gets iPXE by TFTP (``undionly.kpxe`` for BIOS, ``ipxe.efi`` for
UEFI, from Debian's ipxe package); iPXE (or a network card whose firmware is iPXE already)
then fetches everything else over HTTP from the bench: a script, the kernel and the two
initramfs parts (the shared system and the bench's key). The script asks for
``/boot?mac=…&platform=…&serial=…``, which is how the bench records which machine booted when
(``netboot-boots.jsonl`` in the bench folder) for discovery to tell.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from assetctl.bench.live import KERNEL_ARGS, BenchLive
from assetctl.config import Settings
from assetctl.errors import AssetctlError

IPXE_FOLDER = Path("/usr/lib/ipxe")
IPXE_FILES = {"undionly.kpxe": "BIOS", "ipxe.efi": "UEFI"}
MAC_RE = re.compile(r"^[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}$")
PLATFORMS = ("efi", "pcbios")


class NetbootError(AssetctlError):
    """The network boot service cannot start (interface, address, dnsmasq, files)."""


@dataclass(frozen=True)
class Boot:
    """One machine that fetched the live system."""

    mac: str
    address: str
    platform: str  # efi or pcbios, as iPXE says
    serial: str
    at: str  # UTC, ISO 8601

    def line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=True)


FIELDS = ("mac", "address", "platform", "serial", "at")


def journal_path(settings: Settings) -> Path:
    return settings.data_dir / "bench" / "netboot-boots.jsonl"


def record_boot(settings: Settings, boot: Boot) -> None:
    """One line appended (a single write: several benches' processes never mix lines)."""
    path = journal_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(descriptor, (boot.line() + "\n").encode())
    finally:
        os.close(descriptor)


def boots_of(settings: Settings, macs: set[str]) -> list[Boot]:
    """The recorded network boots of any of ``macs`` (lower-case, colon-separated), oldest
    first; a damaged line is skipped."""
    path = journal_path(settings)
    found: list[Boot] = []
    with suppress(FileNotFoundError), path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                data = json.loads(line)
                boot = Boot(
                    **{k: str(data[k]) for k in ("mac", "address", "platform", "serial", "at")}
                )
            except (ValueError, KeyError, TypeError):
                continue
            if boot.mac in macs:
                found.append(boot)
    return found


def normal_mac(text: str) -> str | None:
    text = text.strip().lower().replace("-", ":")
    return text if MAC_RE.match(text) else None


def clean_value(text: str, limit: int = 64) -> str:
    """A value a machine sent (its SMBIOS serial): printable ASCII only, bounded."""
    return "".join(ch for ch in text if 32 <= ord(ch) < 127)[:limit].strip()


@dataclass(frozen=True)
class Network:
    interface: str
    address: str  # the bench's IPv4 address on that interface
    prefix: int

    @property
    def subnet(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.address}/{self.prefix}", strict=False)


def interface_network(interface: str) -> Network:
    """The interface's first IPv4 address, from ``ip -j addr``."""
    done = subprocess.run(
        ["ip", "-j", "-4", "addr", "show", "dev", interface], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise NetbootError(
            f"no network interface {interface!r} on this bench (`ip link` lists them)"
        )
    try:
        entries = json.loads(done.stdout or "[]")
        info = entries[0]["addr_info"][0]
        return Network(interface, str(info["local"]), int(info["prefixlen"]))
    except (ValueError, LookupError, TypeError):
        raise NetbootError(
            f"{interface} has no IPv4 address: give the bench an address on the machines' "
            "network first"
        ) from None


def parse_range(text: str, network: Network) -> tuple[str, str]:
    """``START,END`` (or ``START-END``) inside the interface's subnet, the bench's own address
    left out."""
    parts = re.split(r"\s*[,-]\s*", text.strip())
    try:
        start, end = (ipaddress.IPv4Address(p) for p in parts)
    except ValueError:
        raise NetbootError(
            f"--dhcp-range {text!r}: give two IPv4 addresses, e.g. 10.0.0.100,10.0.0.200"
        ) from None
    subnet = network.subnet
    if start not in subnet or end not in subnet or int(end) < int(start):
        raise NetbootError(
            f"--dhcp-range {text}: both ends must be in {subnet} ({network.interface}), "
            "start before end"
        )
    if int(start) <= int(ipaddress.IPv4Address(network.address)) <= int(end):
        raise NetbootError(f"--dhcp-range {text} holds the bench's own address {network.address}")
    return str(start), str(end)


def dnsmasq_config(
    network: Network,
    http: str,
    tftp_root: Path,
    lease_file: Path,
    dhcp_range: tuple[str, str] | None,
) -> str:
    """dnsmasq's configuration: no DNS, only this interface, PXE and iPXE."""
    script = f"{http}/boot.ipxe"
    lines = [
        "port=0",
        f"interface={network.interface}",
        "bind-interfaces",
        "log-dhcp",
        "enable-tftp",
        f"tftp-root={tftp_root}",
        "tftp-secure",
        f"dhcp-leasefile={lease_file}",
        "dhcp-match=set:ipxe,175",
        "dhcp-vendorclass=set:bios,PXEClient:Arch:00000",
        "dhcp-vendorclass=set:efi64,PXEClient:Arch:00007",
        "dhcp-vendorclass=set:efi64,PXEClient:Arch:00009",
    ]
    if dhcp_range is None:
        lines += [
            f"dhcp-range={network.subnet.network_address},proxy",
            'pxe-prompt="assetctl",0',
            'pxe-service=tag:!ipxe,x86PC,"assetctl (BIOS)",undionly.kpxe',
            'pxe-service=tag:!ipxe,X86-64_EFI,"assetctl (UEFI)",ipxe.efi',
            'pxe-service=tag:!ipxe,BC_EFI,"assetctl (UEFI)",ipxe.efi',
            f"dhcp-boot=tag:ipxe,{script}",
            f'pxe-service=tag:ipxe,x86PC,"assetctl",{script}',
            f'pxe-service=tag:ipxe,X86-64_EFI,"assetctl",{script}',
        ]
    else:
        start, end = dhcp_range
        lines += [
            f"dhcp-range={start},{end},{network.subnet.netmask},2h",
            "dhcp-authoritative",
            f"dhcp-boot=tag:ipxe,{script}",
            "dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi",
            "dhcp-boot=tag:!ipxe,tag:bios,undionly.kpxe",
        ]
    return "\n".join(lines) + "\n"


def boot_script(http: str) -> str:
    """iPXE's first script: come back with who the machine is."""
    return (
        "#!ipxe\n"
        f"chain {http}/boot?mac=${{mac:hexhyp}}&platform=${{platform}}"
        "&serial=${serial:uristring}\n"
    )


def kernel_script(http: str) -> str:
    """iPXE's second script: the kernel and one initramfs (the shared system followed by the
    bench's key part: the kernel unpacks concatenated archives in turn, and one file spares
    the firmware's own handling of several, which old iPXE builds under UEFI do not pass on)."""
    return (
        "#!ipxe\n"
        f"kernel {http}/vmlinuz initrd=initrd.img {KERNEL_ARGS}\n"
        f"initrd {http}/initrd.img\n"
        "boot\n"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    http: str
    live: BenchLive
    on_boot: Callable[[Boot], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # http.server's naming
        return  # the boots are recorded; the rest is noise

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # http.server's naming
        url = urlsplit(self.path)
        live = self.server.live
        files = {"/vmlinuz": (live.system.kernel,), "/initrd.img": live.initrds}
        if url.path == "/boot.ipxe":
            self._send(boot_script(self.server.http).encode(), "text/plain")
        elif url.path == "/boot":
            query = parse_qs(url.query)
            mac = normal_mac(query.get("mac", [""])[0])
            platform = query.get("platform", [""])[0]
            if mac is not None:
                self.server.on_boot(
                    Boot(
                        mac=mac,
                        address=self.client_address[0],
                        platform=platform if platform in PLATFORMS else "unknown",
                        serial=clean_value(query.get("serial", [""])[0]),
                        at=datetime.now(UTC).isoformat(timespec="seconds"),
                    )
                )
            self._send(kernel_script(self.server.http).encode(), "text/plain")
        elif url.path in files:
            parts = files[url.path]
            # the kernel reads a further archive only at a 4-byte boundary: zeros between
            sizes = [path.stat().st_size for path in parts]
            pads = [-size % 4 if index < len(parts) - 1 else 0 for index, size in enumerate(sizes)]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(sum(sizes) + sum(pads)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                for path, pad in zip(parts, pads, strict=True):
                    with path.open("rb") as handle:
                        self.connection.sendfile(handle)
                    self.wfile.write(b"\0" * pad)
        else:
            self.send_error(404)


def tftp_folder(work: Path) -> Path:
    """iPXE's two first-stage files, linked from Debian's ipxe package."""
    root = work / "tftp"
    root.mkdir()
    missing = [name for name in IPXE_FILES if not (IPXE_FOLDER / name).exists()]
    if missing:
        raise NetbootError(
            f"iPXE's {', '.join(missing)} not found in {IPXE_FOLDER}: install Debian's ipxe "
            "package (scripts/setup.sh does)"
        )
    for name in IPXE_FILES:
        (root / name).symlink_to(IPXE_FOLDER / name)
    return root


@dataclass
class Service:
    network: Network
    http: str
    mode: str  # proxy or dhcp
    dnsmasq: subprocess.Popen[bytes]
    log: Path

    def running(self) -> bool:
        return self.dnsmasq.poll() is None

    def tail(self) -> str:
        return self.log.read_text(errors="replace").strip()[-600:]


@contextmanager
def serve(
    settings: Settings,
    live: BenchLive,
    interface: str,
    *,
    dhcp_range: str | None = None,
    port: int = 0,
    on_boot: Callable[[Boot], None] | None = None,
) -> Iterator[Service]:
    """Serve network boot on ``interface`` until the block ends; every boot is recorded."""
    import shutil

    if shutil.which("dnsmasq") is None:
        raise NetbootError("dnsmasq is not installed (scripts/setup.sh installs dnsmasq-base)")
    if os.geteuid() != 0:
        raise NetbootError("network boot needs root (DHCP and TFTP ports)")
    network = interface_network(interface)
    limits = parse_range(dhcp_range, network) if dhcp_range else None

    def recorded(boot: Boot) -> None:
        record_boot(settings, boot)
        if on_boot is not None:
            on_boot(boot)

    try:
        server = _Server((network.address, port), _Handler)
    except OSError as exc:
        raise NetbootError(f"cannot serve HTTP on {network.address}:{port}: {exc}") from None
    server.http = f"http://{network.address}:{server.server_address[1]}"
    server.live = live
    server.on_boot = recorded
    thread = threading.Thread(target=server.serve_forever, name="netboot-http", daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory(prefix="assetctl-netboot-") as folder:
        work = Path(folder)
        os.chmod(work, 0o755)
        config = work / "dnsmasq.conf"
        config.write_text(
            dnsmasq_config(network, server.http, tftp_folder(work), work / "leases", limits)
        )
        log = work / "dnsmasq.log"
        with log.open("wb") as out:
            dnsmasq = subprocess.Popen(
                ["dnsmasq", "--keep-in-foreground", "--log-facility=-", f"--conf-file={config}",
                 "--user=root", "--pid-file="],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        try:
            with suppress(subprocess.TimeoutExpired):
                dnsmasq.wait(timeout=1.0)
            service = Service(network, server.http, "dhcp" if limits else "proxy", dnsmasq, log)
            if not service.running():
                raise NetbootError(f"dnsmasq did not start on {interface}: {service.tail()}")
            yield service
        finally:
            dnsmasq.terminate()
            with suppress(subprocess.TimeoutExpired):
                dnsmasq.wait(timeout=5)
            if dnsmasq.poll() is None:
                dnsmasq.kill()
            server.shutdown()
            server.server_close()
