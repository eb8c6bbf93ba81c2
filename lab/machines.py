"""The bench lab: QEMU machines on a bench network inside a network namespace.

    with BenchNetwork.create("aclab") as network:          # a bridge in its own namespace
        machine = LabMachine(MachineSpec("pc1", serial="LAB-0001"), network, folder)
        machine.start(boot="network")                       # or "disk", or an ISO path
        address = machine.wait_live()                       # the live system's banner
        machine.type("parent\r")                            # on its serial console
        machine.screenshot(folder / "screen.png")           # its VGA screen, through QEMU

The bench (this process: `bench netboot`, SSH, the image server) stays in the host's namespace
and reaches the machines through one veth pair, whose host end is the bench's interface on the
machines' network, as a real bench's network card would be. The namespace holds the bridge and
the machines' taps, so no DHCP offer, PXE request or broadcast reaches another network.

Each machine has its own SMBIOS identity (manufacturer, model, serial), an NVMe disk with its
own serial, a SATA disk on AHCI, UEFI (OVMF) or BIOS (SeaBIOS) firmware, and a virtio network
card whose firmware is iPXE (Debian's ipxe-qemu). Guests run under KVM where it works, else
under software emulation (TCG): `/dev/kvm` exists on the machines here but guests hang under it,
so TCG is the default (``ASSETCTL_LAB_ACCEL=kvm`` tries KVM).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

OVMF = Path("/usr/share/OVMF")
READY_RE = re.compile(rb"assetctl-live ready: ip=(\d+\.\d+\.\d+\.\d+) serial=(\S*)")


class LabError(RuntimeError):
    """The lab could not do what a test asked (missing QEMU, a machine that never came up)."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise LabError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


@dataclass
class BenchNetwork:
    """A bridge in namespace ``name``; the bench's end is ``interface`` (``address``/24)."""

    name: str
    subnet: str = "10.77.0"
    taps: list[str] = field(default_factory=list)

    @property
    def interface(self) -> str:
        return f"{self.name}-b"[:15]

    @property
    def address(self) -> str:
        return f"{self.subnet}.1"

    @classmethod
    def create(cls, name: str = "aclab", subnet: str = "10.77.0") -> BenchNetwork:
        network = cls(name, subnet)
        network.destroy()  # what a killed run left
        _ip("netns", "add", name)
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "link", "add", "br0", "type", "bridge")
        _ip("-n", name, "link", "set", "br0", "type", "bridge", "forward_delay", "0")
        _ip("-n", name, "link", "set", "br0", "up")
        _ip("link", "add", network.interface, "type", "veth", "peer", "name", "uplink")
        _ip("link", "set", "uplink", "netns", name)
        _ip("-n", name, "link", "set", "uplink", "master", "br0", "up")
        _ip("addr", "add", f"{network.address}/24", "dev", network.interface)
        _ip("link", "set", network.interface, "up")
        return network

    def add_tap(self, tap: str) -> str:
        _ip("-n", self.name, "tuntap", "add", tap, "mode", "tap")
        _ip("-n", self.name, "link", "set", tap, "master", "br0", "up")
        self.taps.append(tap)
        return tap

    def run(self, *command: str, **kwargs: object) -> subprocess.Popen[bytes]:
        """A process inside the namespace (a machine, or the site's own DHCP server)."""
        return subprocess.Popen(["ip", "netns", "exec", self.name, *command], **kwargs)  # type: ignore[call-overload, no-any-return]

    def destroy(self) -> None:
        _ip("link", "del", self.interface, check=False)
        _ip("netns", "del", self.name, check=False)

    def __enter__(self) -> BenchNetwork:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.destroy()


@dataclass(frozen=True)
class MachineSpec:
    """One machine: its identity, its firmware and its disks (sizes in MiB)."""

    name: str
    manufacturer: str = "Dell Inc."
    product: str = "OptiPlex 7050"
    serial: str = "LAB-0001"
    firmware: str = "uefi"  # uefi (OVMF) or bios (SeaBIOS)
    mac: str = "52:54:00:77:00:01"
    memory_mb: int = 1024
    nvme_mib: int = 3072  # 0: no NVMe controller
    nvme_serial: str = "NVME-LAB-0001"
    sata_mib: int = 256  # 0: no SATA disk (a laptop)
    sata_serial: str = "SATA-LAB-0001"
    sata_ssd: bool = False  # QEMU's SATA disk says it spins unless given rotation_rate=1
    tpm: bool = False  # a TPM 2.0 (swtpm), its state kept beside the disks between starts


def accel() -> str:
    return "kvm" if os.environ.get("ASSETCTL_LAB_ACCEL") == "kvm" else "tcg"


def missing_tools() -> list[str]:
    """What the lab needs that this machine lacks (scripts/setup.sh installs it)."""
    missing = [tool for tool in ("qemu-system-x86_64", "ip") if shutil.which(tool) is None]
    if not (OVMF / "OVMF_CODE_4M.fd").exists():
        missing.append("ovmf")
    if not Path("/usr/lib/ipxe/qemu/efi-virtio.rom").exists():
        missing.append("ipxe-qemu")
    if not Path("/usr/lib/ipxe/ipxe.efi").exists():
        missing.append("ipxe")
    if not Path("/dev/net/tun").exists():
        missing.append("/dev/net/tun")
    return missing


class LabMachine:
    """A QEMU machine of the lab, its disks kept in ``folder`` between starts."""

    def __init__(self, spec: MachineSpec, network: BenchNetwork, folder: Path) -> None:
        self.spec = spec
        self.network = network
        self.folder = folder
        self.tap = network.add_tap(f"t-{spec.name}"[:15])
        self.process: subprocess.Popen[bytes] | None = None
        self.tpm_process: subprocess.Popen[bytes] | None = None
        self.serial_log = folder / f"{spec.name}-serial.log"
        self.serial_socket = folder / f"{spec.name}-serial.sock"  # to type on the console
        self.monitor = folder / f"{spec.name}-monitor.sock"
        folder.mkdir(parents=True, exist_ok=True)
        for disk, size in ((self.nvme, spec.nvme_mib), (self.sata, spec.sata_mib)):
            if size and not disk.exists():
                with disk.open("wb") as handle:
                    handle.truncate(size << 20)
        self.variables = folder / f"{spec.name}-OVMF_VARS.fd"
        if spec.firmware == "uefi" and not self.variables.exists():
            shutil.copyfile(OVMF / "OVMF_VARS_4M.fd", self.variables)

    @property
    def nvme(self) -> Path:
        return self.folder / f"{self.spec.name}-nvme.img"

    @property
    def sata(self) -> Path:
        return self.folder / f"{self.spec.name}-sata.img"

    def command(self, boot: str) -> list[str]:
        """QEMU's command line; ``boot`` is "network", "disk" or an ISO's path."""
        spec = self.spec
        smbios = "type=1," + ",".join(
            f"{key}={value.replace(',', ',,')}"  # QEMU's escape for a comma
            for key, value in (
                ("manufacturer", spec.manufacturer),
                ("product", spec.product),
                ("serial", spec.serial),
            )
        )
        order = {"network": (1, 2), "disk": (2, 1)}.get(boot, (3, 2))
        command = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", accel(), "-cpu", "max",
            "-m", str(spec.memory_mb), "-smp", "1", "-display", "none", "-no-reboot",
            "-chardev",
            f"socket,id=serial0,path={self.serial_socket},server=on,wait=off,"
            f"logfile={self.serial_log}",
            "-serial", "chardev:serial0",
            "-monitor", f"unix:{self.monitor},server,nowait",
            "-smbios", smbios,
            "-netdev", f"tap,id=net0,ifname={self.tap},script=no,downscript=no",
            "-device", f"virtio-net-pci,netdev=net0,mac={spec.mac},bootindex={order[0]}",
            "-device", "ahci,id=ahci",
        ]  # fmt: skip
        if spec.sata_mib:
            command += [
                "-drive", f"file={self.sata},if=none,id=sata0,format=raw",
                "-device",
                f"ide-hd,drive=sata0,bus=ahci.0,serial={spec.sata_serial}"
                + (",rotation_rate=1" if spec.sata_ssd else "")
                + ("" if spec.nvme_mib else f",bootindex={order[1]}"),
            ]  # fmt: skip
        if spec.nvme_mib:
            command += [
                "-drive", f"file={self.nvme},if=none,id=nvme0,format=raw",
                "-device", f"nvme,drive=nvme0,serial={spec.nvme_serial},bootindex={order[1]}",
            ]  # fmt: skip
        if spec.tpm:
            command += [
                "-chardev", f"socket,id=chrtpm,path={self.tpm_socket}",
                "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                "-device", "tpm-tis,tpmdev=tpm0",
            ]  # fmt: skip
        if spec.firmware == "uefi":
            command += [
                "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF / 'OVMF_CODE_4M.fd'}",
                "-drive", f"if=pflash,format=raw,file={self.variables}",
            ]  # fmt: skip
        if boot not in ("network", "disk"):
            command += ["-drive", f"file={boot},media=cdrom,readonly=on,if=none,id=cd0",
                        "-device", "ide-cd,drive=cd0,bus=ahci.1,bootindex=1"]  # fmt: skip
        return command

    def start(self, boot: str = "network") -> None:
        if self.process is not None:
            raise LabError(f"{self.spec.name} is already running")
        self.serial_log.write_bytes(b"")
        self.monitor.unlink(missing_ok=True)
        self.serial_socket.unlink(missing_ok=True)
        if self.spec.tpm:
            self._start_tpm()
        self.process = self.network.run(
            *self.command(boot), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=(self.folder / f"{self.spec.name}-qemu.log").open("wb"),
        )  # fmt: skip

    @property
    def tpm_socket(self) -> Path:
        return self.folder / f"{self.spec.name}-tpm.sock"

    def _start_tpm(self) -> None:
        """swtpm for QEMU's TPM: its state (what a previous owner left in it) survives a
        restart of the machine, as a real TPM's does."""
        state = self.folder / f"{self.spec.name}-tpm"
        state.mkdir(exist_ok=True)
        self.tpm_socket.unlink(missing_ok=True)
        self.tpm_process = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}",
             "--ctrl", f"type=unixio,path={self.tpm_socket}", "--flags", "not-need-init"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=(self.folder / f"{self.spec.name}-swtpm.log").open("wb"),
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.tpm_socket.exists():
            if self.tpm_process.poll() is not None or time.monotonic() > deadline:
                raise LabError(f"{self.spec.name}: swtpm did not start (see its log)")
            time.sleep(0.05)

    def ssh(self, address: str, key: Path, command: str, input: bytes = b"") -> str:
        """A command on the machine's live system, as root with the bench's key; its output."""
        done = subprocess.run(
            ["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", f"root@{address}",
             command],
            input=input, capture_output=True, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise LabError(f"{self.spec.name}: {command}: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode(errors="replace")

    def serial(self) -> bytes:
        try:
            return self.serial_log.read_bytes()
        except FileNotFoundError:
            return b""

    def wait_for(self, pattern: bytes | re.Pattern[bytes], timeout: float) -> re.Match[bytes]:
        """The first match of ``pattern`` in the serial console, waiting up to ``timeout``."""
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        while True:
            found = regex.search(self.serial())
            if found:
                return found
            if self.process is not None and self.process.poll() is not None:
                raise LabError(f"{self.spec.name} stopped: {self.tail()}")
            if time.monotonic() > deadline:
                raise LabError(
                    f"{self.spec.name}: no {regex.pattern!r} in {timeout:.0f} s: {self.tail()}"
                )
            time.sleep(1)

    def boot_live(self, timeout: float = 900) -> str:
        """Start from the bench's network; the live system's address once its SSH server
        answers (the bench's next step)."""
        self.start("network")
        address = self.wait_live(timeout)
        self.wait_ssh(address)
        return address

    def wait_live(self, timeout: float = 600) -> str:
        """The address the live system's banner prints once it has one."""
        return self.wait_for(READY_RE, timeout).group(1).decode()

    def wait_ssh(self, address: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((address, 22), timeout=5) as probe:
                    if probe.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                pass
            time.sleep(1)
        raise LabError(f"{self.spec.name}: no SSH server at {address} in {timeout:.0f} s")

    def type(self, text: str) -> None:
        """Type ``text`` on the serial console (what it prints goes on to the log)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.serial_socket))
            sock.sendall(text.encode())
            time.sleep(0.5)

    def tail(self, size: int = 2500) -> str:
        return self.serial()[-size:].decode(errors="replace")

    def human_monitor(self, command: str) -> str:
        """A command to QEMU's monitor (e.g. ``screendump file.ppm``)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.monitor))
            sock.settimeout(5)
            sock.sendall(command.encode() + b"\n")
            time.sleep(1)
            try:
                return sock.recv(65536).decode(errors="replace")
            except TimeoutError:
                return ""

    def screenshot(self, png: Path) -> Path:
        """The machine's screen (its VGA card) saved as PNG, through QEMU's screendump."""
        from PIL import Image

        ppm = png.with_suffix(".ppm")
        ppm.unlink(missing_ok=True)
        self.human_monitor(f"screendump {ppm}")
        deadline = time.monotonic() + 10
        while not ppm.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        if not ppm.exists():
            raise LabError(f"{self.spec.name}: QEMU wrote no screen dump")
        with Image.open(ppm) as screen:
            screen.save(png)
        ppm.unlink()
        return png

    def stop(self) -> None:
        for process in (self.process, self.tpm_process):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.process = self.tpm_process = None
