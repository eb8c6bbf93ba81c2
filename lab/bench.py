"""The bench side of the lab: the built live system and image, the site's DHCP server and
`assetctl bench netboot` on a :class:`~lab.machines.BenchNetwork`, for the tests and the
benchmarks that run a technician's day on lab machines.

    prepare_bench(env, home)
    with BenchNetwork.create("aclab") as network, LabBench.start(network, env, tmp) as bench:
        machine = LabMachine(spec, network, tmp / "machines")
        machine.start("network")
        address = machine.wait_live()
        run_assetctl(env, "bench", "prepare", "--host", address, ...)
    bench.served  # what `bench netboot` printed
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lab.machines import BenchNetwork, LabError

CACHE = Path(os.environ.get("ASSETCTL_IMAGE_CACHE", "/var/cache/assetctl"))
# a persistent home for the lab's built image: rebuilt only when its recipe changes
IMAGE_HOME = CACHE / "lab-home"
SITE_RANGE = "10.77.0.200,10.77.0.220,2h"  # the site's DHCP server's addresses
SITE_ADDRESS = "10.77.0.2/24"


def run_assetctl(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "assetctl", "-q", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise LabError(f"assetctl {' '.join(args)}: {done.stderr[-3000:]}")
    return done.stdout


def serial_console_variant(profile: str) -> str:
    """A copy of the shipped ``profile`` with a console on the serial port too (so that the
    lab can log in on a machine whose image has no SSH), in the image home's profile folder;
    its name (``<profile>-lab``)."""
    from assetctl.resources import shipped

    text = (shipped("images") / f"{profile}.toml").read_text(encoding="utf-8")
    if "\n[system]\n" not in text:
        raise LabError(f"profile {profile} has no [system] table")
    name = f"{profile}-lab"
    variant = text.replace("\n[system]\n", "\n[system]\nserial_console = true\n", 1)
    (IMAGE_HOME / "images").mkdir(parents=True, exist_ok=True)
    (IMAGE_HOME / "images" / f"{name}.toml").write_text(
        f"# The lab's copy of {profile} with a serial console (written by lab.bench)\n{variant}",
        encoding="utf-8",
    )
    return name


def prepare_bench(env: dict[str, str], home: Path, profile: str = "test-boot") -> None:
    """The bench's key, its live system and ``profile``'s image (both cached), in ``home``."""
    if not (home / "bench" / "id_ed25519").exists():
        run_assetctl(env, "bench", "keygen")
    run_assetctl(env, "bench", "live", "build", "--no-iso")
    image_env = {**env, "ASSETCTL_HOME": str(IMAGE_HOME)}
    image_env.pop("ASSETCTL_DATABASE_URL", None)
    run_assetctl(image_env, "image", "build", profile, timeout=3600)
    (home / "images").mkdir(parents=True, exist_ok=True)
    for built in (IMAGE_HOME / "images").iterdir():
        linked = home / "images" / built.name
        if built.is_file() and not linked.exists():
            os.link(built, linked)


@dataclass
class LabBench:
    network: BenchNetwork
    env: dict[str, str]
    service: subprocess.Popen[bytes]
    site: subprocess.Popen[bytes]
    served: str = ""  # what `bench netboot` printed, once stopped

    @classmethod
    @contextmanager
    def start(cls, network: BenchNetwork, env: dict[str, str], folder: Path) -> Iterator[LabBench]:
        """The site's DHCP server (a dnsmasq that knows nothing of PXE) and `bench netboot`
        in proxy-DHCP mode beside it, until the block ends."""
        folder.mkdir(parents=True, exist_ok=True)
        site = network.run(
            "dnsmasq", "--keep-in-foreground", "--port=0", "--interface=br0",
            "--bind-interfaces", f"--dhcp-range={SITE_RANGE}",
            f"--dhcp-leasefile={folder / 'site.leases'}", "--log-facility=-",
            stdout=(folder / "site.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        subprocess.run(["ip", "-n", network.name, "addr", "add", SITE_ADDRESS, "dev", "br0"])
        service = subprocess.Popen(
            [sys.executable, "-m", "assetctl", "bench", "netboot",
             "--interface", network.interface],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        bench = cls(network, env, service, site)
        try:
            time.sleep(2)
            if service.poll() is not None:
                raise LabError(f"bench netboot stopped: {bench.stop()[-2000:]}")
            yield bench
        finally:
            bench.stop()

    def stop(self) -> str:
        """Stop both servers (once); what `bench netboot` printed."""
        if self.service.stdout is not None and not self.service.stdout.closed:
            if self.service.poll() is None:
                self.service.terminate()
            self.served = (self.service.communicate(timeout=30)[0] or b"").decode(errors="replace")
        if self.site.poll() is None:
            self.site.terminate()
            self.site.wait(timeout=10)
        return self.served
