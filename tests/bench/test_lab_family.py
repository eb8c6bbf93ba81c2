"""The slower tier (scripts/test-slow.sh): a family laptop's image, deployed on a lab machine and
started as the family will start it.

A QEMU laptop of the lab (UEFI, one NVMe disk, a VGA screen) boots from the bench's network;
`bench prepare` wipes it and deploys the family profile `famille-college` (XFCE, LightDM,
LibreOffice, Firefox, the DNS filter and timekpr-nExt's time limits). The lab's copy of the
profile adds a console on the serial port, the only difference (lab.bench.serial_console_variant):
the family image has no SSH server, so the test logs in on that console, as the parent, with the
initial password that the handover sheet would print.

Then, in the running system:
- at the first start, before any login, the parental-control assistant asks the parent on the
  console (the child's name, 1 h 30 a day instead of the profile's 3 hours, the proposed hours
  and filtering level), kept as ``first-start.txt``, and the daemons then apply the answers;
- the graphical login (LightDM's greeter) is on the screen: a screenshot through QEMU's monitor,
  kept as ``greeter.png`` in the test's folder (``ASSETCTL_LAB_SCREENSHOTS`` copies it out);
- the first login asks the parent for a new password (the initial one expires);
- DNS goes to the filtering resolver only, over TLS: the lab answers the filter's addresses
  on the bench network and receives the ClientHello naming the filter's TLS name; no query
  reaches the site's own DNS server (what DHCP offered the machine);
- the children's account has its daily limit and allowed hours in timekpr-nExt's daemon.

About 9 minutes under software emulation on 2 cores, plus the image's build (about 4 minutes
when its recipe changes, then cached in ASSETCTL_IMAGE_CACHE).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.bench import LabBench, prepare_bench, serial_console_variant
from lab.machines import BenchNetwork, LabError, LabMachine, MachineSpec
from tests.bench.test_deploy import CACHE
from tests.bench.test_lab import bench_network  # noqa: F401
from tests.bench.test_lab_batch import slow_tier  # noqa: F401
from tests.conftest import Cli
from tests.helpers import staff

pytestmark = pytest.mark.slow

FILTERS = ("185.228.168.168", "185.228.169.168")  # famille-college's [parental.dns] servers
TLS_NAME = b"family-filter-dns.cleanbrowsing.org"
PROMPT = rb"%s(\s|\xc2\xa0)?:"  # a French prompt: "Mot de passe actuel\u00a0:"
CHILD = "eleve"  # famille-college's children's account
SITE_DNS = "10.77.0.2"  # the site's DHCP server, which DHCP gives as the DNS server

# In the bench network's namespace: what reaches the filter's addresses on port 853 (DNS over
# TLS) and the site's DNS server on port 53, each as one line of JSON.
LISTENER = """
import json, select, socket, sys
filters, site = sys.argv[1].split(","), sys.argv[2]
sockets = []
for address in filters:
    server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, 853)); server.listen(8); sockets.append(server)
for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    plain = socket.socket(socket.AF_INET, kind); plain.bind((site, 53))
    if kind == socket.SOCK_STREAM: plain.listen(8)
    sockets.append(plain)
print("listening", flush=True)
while True:
    for ready in select.select(sockets, [], [])[0]:
        if ready.type == socket.SOCK_DGRAM:
            data, peer = ready.recvfrom(4096)
            print(json.dumps({"to": "%s:53/udp" % site, "from": peer[0], "hex": data.hex()}),
                  flush=True)
            continue
        connection, peer = ready.accept()
        connection.settimeout(5)
        try:
            data = connection.recv(4096)
        except OSError:
            data = b""
        connection.close()
        print(json.dumps({"to": "%s:%d" % ready.getsockname(), "from": peer[0],
                          "hex": data.hex()}), flush=True)
"""


def initial_passwords(db_url: str, tag: str) -> dict[str, str]:
    """The accounts' initial passwords, as the handover sheet opens them (a caseworker's key)."""
    from sqlmodel import select

    from assetctl.assets import find_asset
    from assetctl.db import make_engine, session_scope
    from assetctl.households.sealed import open_secret
    from assetctl.models import DeviceCredential

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            asset = find_asset(session, tag)
            rows = session.exec(
                select(DeviceCredential).where(DeviceCredential.asset_id == asset.id)
            ).all()
            actor = staff("claire", "caseworker")
            return {row.account: open_secret(session, actor, row.sealed_secret) for row in rows}
    finally:
        engine.dispose()


class Console:
    """The machine's serial console, typed on and read back from its log."""

    def __init__(self, machine: LabMachine) -> None:
        self.machine = machine
        self.seen = 0

    def expect(self, pattern: bytes, timeout: float = 120) -> bytes:
        """What the console printed up to ``pattern``'s next appearance."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            out = self.machine.serial()
            found = regex.search(out, self.seen)
            if found:
                text, self.seen = out[self.seen : found.end()], found.end()
                return text
            if time.monotonic() > deadline:
                raise LabError(f"no {pattern!r} on the console: {out[self.seen :][-1500:]!r}")
            time.sleep(0.5)

    def send(self, line: str) -> None:
        self.machine.type(line + "\r")

    def run(self, command: str, timeout: float = 120) -> str:
        """A shell command's output, between two markers."""
        marker = secrets.token_hex(4)
        self.send(f"echo =={marker}==; {command}; echo ==end{marker}==")
        # the markers as echo prints them, not as the console echoes the typed line
        self.expect(f"(?<!echo )=={marker}==\r?\n".encode(), timeout)
        out = self.expect(f"(?<!echo )==end{marker}==".encode(), timeout)
        return out.decode(errors="replace").rsplit(f"==end{marker}==", 1)[0]


def drawn_screen(machine: LabMachine, png: Path, timeout: float) -> Path | None:
    """The screen once it shows a drawn picture (more than a cursor on black: the greeter
    takes minutes to paint under software emulation), saved as PNG; None if it never does."""
    from PIL import Image

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        machine.screenshot(png)
        with Image.open(png) as image:
            colours = image.convert("RGB").getcolors(1 << 20) or []
            lit = sum(count for count, rgb in colours if sum(rgb) > 60)
            if (
                image.size[0] >= 800
                and lit > image.size[0] * image.size[1] // 10
                and len(colours) > 64
            ):
                time.sleep(15)  # and the login box on it
                return machine.screenshot(png)
        time.sleep(10)
    return None


def client_hello_names_the_filter(hexdata: str) -> bool:
    data = bytes.fromhex(hexdata)
    return data[:1] == b"\x16" and TLS_NAME in data  # a TLS handshake, with the SNI in clear


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_family_laptop_starts_to_its_graphical_login_with_its_filter_and_limits(
    cli_db: Cli,
    home: Path,
    tmp_path: Path,
    bench_network: BenchNetwork,  # noqa: F811
    slow_tier: None,  # noqa: F811
) -> None:
    env = {**os.environ, "ASSETCTL_HOME": str(home), "ASSETCTL_IMAGE_CACHE": CACHE}
    env["ASSETCTL_DATABASE_URL"] = cli_db.db_url
    profile = serial_console_variant("famille-college")
    prepare_bench(env, home, profile)
    spec = MachineSpec(
        "fam1", manufacturer="LENOVO", product="ThinkPad E14 Gen 5", serial="LAB-E14-01",
        memory_mb=2048, nvme_mib=16384, nvme_serial="NVME-E14-01", sata_mib=0,
    )  # fmt: skip
    machine = LabMachine(spec, bench_network, tmp_path / "machines")
    for address in FILTERS:
        subprocess.run(["ip", "-n", bench_network.name, "addr", "add", f"{address}/32",
                        "dev", "lo"], check=True)  # fmt: skip
    console = Console(machine)
    with LabBench.start(bench_network, env, tmp_path) as _bench:
        try:
            address = machine.boot_live(timeout=900)
            out = cli_db.ok("bench", "discover", address, "--kind", "laptop", "--json").stdout
            [found] = json.loads(out)
            tag = found["tag"]
            prepared = cli_db(
                "bench", "prepare", "--host", address, "--profile", profile, "--yes", "--json",
            )  # fmt: skip
            assert prepared.exit_code == 0, (prepared.stdout, prepared.stderr)
            machine.stop()
            listener = bench_network.run(
                sys.executable, "-c", LISTENER, ",".join(FILTERS), SITE_DNS,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )  # fmt: skip
            assert listener.stdout is not None
            assert listener.stdout.readline() == b"listening\n"
            machine.start("disk")
            # the first start: before any login, the parental-control assistant (on the
            # console) asks the parent; the parent names the child, gives 1 h 30 a day and
            # keeps the proposed hours and filtering level
            assistant = console.expect(PROMPT % re.escape("[Élève]".encode()), timeout=1500)
            console.send("Léa")
            assistant += console.expect(PROMPT % re.escape(b"[3h]"))
            console.send("1h30")
            assistant += console.expect(PROMPT % re.escape(b"[07:30-21:30]"))
            console.send("")
            assistant += console.expect(PROMPT % re.escape(b"Votre choix [1]"))
            console.send("")
            assistant += console.expect(PROMPT % re.escape(b"(o/n) [o]"))
            console.send("o")
            assistant += console.expect(f"{tag} login:".encode(), timeout=600)
            (tmp_path / "first-start.txt").write_bytes(assistant)
            passwords = initial_passwords(cli_db.db_url, tag)
            new_password = "Fam-" + secrets.token_urlsafe(12)
            # the family's first login (the system speaks French): the initial password from
            # the handover sheet, which has expired, then one of the family's own
            console.send("parent")
            console.expect(PROMPT % b"Mot de passe")
            console.send(passwords["parent"])
            # (the French prompts put a no-break space before their colon)
            expired = console.expect(PROMPT % b"Mot de passe actuel").decode(errors="replace")
            console.send(passwords["parent"])
            console.expect(PROMPT % b"Nouveau mot de passe")
            console.send(new_password)
            console.expect(PROMPT % b"Retapez le nouveau mot de passe")
            console.send(new_password)
            console.expect(f"parent@{tag}".encode())
            greeter = console.run(
                "for i in $(seq 600); do pgrep -u lightdm -f greeter >/dev/null && break;"
                " sleep 1; done; systemctl is-active lightdm; pgrep -u lightdm -a -f greeter",
                timeout=700,
            )
            screen = drawn_screen(machine, tmp_path / "greeter.png", timeout=900)
            resolver = console.run("resolvectl status --no-pager | cat")
            console.run("timeout 60 resolvectl query education.gouv.fr", timeout=120)
            # the parent manages the limits (group timekpr), and sudo works for an administrator
            limits = console.run(f"timekpra --userinfo {CHILD}")
            child = console.run(f"getent passwd {CHILD}")
            disarmed = console.run(
                "systemctl is-enabled assetctl-premier-demarrage.service;"
                " test -e /var/lib/assetctl/premier-demarrage && echo armed || echo disarmed"
            )
            admin = console.run(f"echo {new_password} | sudo -S -p '' id -un")
        finally:
            machine.stop()
            if "listener" in locals():
                listener.terminate()
    reached = [json.loads(line) for line in listener.communicate(timeout=10)[0].splitlines()]
    if os.environ.get("ASSETCTL_LAB_SCREENSHOTS"):
        shutil.copy(screen, os.environ["ASSETCTL_LAB_SCREENSHOTS"])
        shutil.copy(tmp_path / "first-start.txt", os.environ["ASSETCTL_LAB_SCREENSHOTS"])

    # the first start's assistant, in French, before the login prompt, and what it set
    said = " ".join(assistant.decode(errors="replace").split())
    for words in ("Contrôle parental de cet ordinateur", "fonctionne sans Internet",
                  "ne peut pas installer de logiciels", "Protection famille",
                  "temps d'écran : 1 h 30 par jour", "C'est enregistré"):  # fmt: skip
        assert words in said, said
    assert f":Léa:/home/{CHILD}:" in child, child
    assert disarmed.split()[-1] == "disarmed", disarmed

    # the first login: the initial password from the handover sheet, then a new one
    assert "Vous devez changer votre mot de passe immédiatement" in expired, expired
    assert admin.split()[-1] == "root", admin
    # the graphical login is up: LightDM and its greeter, and a drawn screen (not a text console)
    assert greeter.split()[0] == "active", greeter
    assert screen is not None, "the screen stayed black or blank"
    # DNS: the filter, over TLS, and nothing to the site's DNS server
    assert "+DNSOverTLS" in resolver, resolver
    assert all(f"{server}#{TLS_NAME.decode()}" in resolver for server in FILTERS), resolver
    assert "-DefaultRoute" in resolver  # the network's own DNS server (from DHCP) is not used
    hellos = [hit for hit in reached if hit["to"].endswith(":853")]
    assert {hit["to"] for hit in hellos} == {f"{server}:853" for server in FILTERS}, reached
    assert any(client_hello_names_the_filter(hit["hex"]) for hit in hellos), reached
    assert not [hit for hit in reached if hit["to"].startswith(SITE_DNS)], reached
    # the children's account: 1 h 30 a day (the parent's answer, not the profile's 3 hours),
    # 07:30 to 21:30 (the profile's, kept), in timekpr-nExt's daemon
    assert re.search(r"LIMITS_PER_WEEKDAYS: (5400;){6}5400", limits), limits
    assert re.search(r"ALLOWED_HOURS_1: 7\[30-60\];8;9;.*;20;21\[0-30\]", limits), limits
