"""The live system's parts and the network boot service, without a machine: the key part read
by the real cpio, dnsmasq's configuration checked by dnsmasq itself, the HTTP answers iPXE gets
from a running service, the boots journal, and the errors a technician meets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetctl.bench import live, netboot
from assetctl.config import load_settings
from tests.conftest import Cli

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGvYzrsStF6QVHHjWoj4ovlF/JzEjFOnmc9+tEHHIg8j bench"


def test_the_key_part_is_a_cpio_the_kernel_merges(tmp_path: Path) -> None:
    part = tmp_path / "bench.img"
    part.write_bytes(live.key_part(KEY + "\n"))
    listing = subprocess.run(
        ["cpio", "-t", "-v", "--quiet"], stdin=part.open("rb"), capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert [line.split()[-1] for line in lines] == [
        "root",
        "root/.ssh",
        "root/.ssh/authorized_keys",
    ]
    assert lines[2].startswith("-rw-------") and lines[1].startswith("drwx------")
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["cpio", "-i", "-d", "--quiet"], stdin=part.open("rb"), cwd=out, check=True)
    assert (out / "root/.ssh/authorized_keys").read_text() == KEY + "\n"


@pytest.mark.parametrize("dhcp_range", [None, ("10.77.0.100", "10.77.0.150")])
def test_dnsmasq_accepts_the_configuration(tmp_path: Path, dhcp_range: tuple[str, str]) -> None:
    if shutil.which("dnsmasq") is None:
        pytest.fail("dnsmasq is missing: scripts/setup.sh installs dnsmasq-base")
    network = netboot.Network("aclab-b", "10.77.0.1", 24)
    config = tmp_path / "dnsmasq.conf"
    text = netboot.dnsmasq_config(
        network, "http://10.77.0.1:8080", tmp_path, tmp_path / "leases", dhcp_range
    )
    config.write_text(text)
    checked = subprocess.run(
        ["dnsmasq", "--test", f"--conf-file={config}"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "port=0" in text.splitlines()  # never a DNS server on the site's network
    if dhcp_range is None:
        assert "dhcp-range=10.77.0.0,proxy" in text.splitlines()
    else:
        assert "dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,2h" in text.splitlines()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("10.77.0.100", "two IPv4 addresses"),
        ("10.78.0.2,10.78.0.9", "must be in 10.77.0.0/24"),
        ("10.77.0.9,10.77.0.2", "start before end"),
        ("10.77.0.1,10.77.0.9", "bench's own address"),
        ("\x1b[2J,x", "two IPv4 addresses"),
    ],
)
def test_a_bad_dhcp_range_is_refused(text: str, why: str) -> None:
    with pytest.raises(netboot.NetbootError, match=why.replace(".", r"\.")):
        netboot.parse_range(text, netboot.Network("aclab-b", "10.77.0.1", 24))
    assert netboot.parse_range(
        "10.77.0.100-10.77.0.150", netboot.Network("x", "10.77.0.1", 24)
    ) == (
        "10.77.0.100",
        "10.77.0.150",
    )


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_what_a_machine_sends_is_cleaned(serial: str) -> None:
    cleaned = netboot.clean_value(serial)
    assert len(cleaned) <= 64
    assert all(32 <= ord(ch) < 127 for ch in cleaned)


def test_the_boots_journal_keeps_each_machine_and_skips_damage(cli_db: Cli, home: Path) -> None:
    the_settings = load_settings()
    first = netboot.Boot(
        "52:54:00:77:00:01", "10.77.0.100", "efi", "LAB-1", "2026-12-02T08:00:00+00:00"
    )
    other = netboot.Boot(
        "52:54:00:77:00:02", "10.77.0.101", "pcbios", "", "2026-12-02T08:01:00+00:00"
    )
    netboot.record_boot(the_settings, first)
    with netboot.journal_path(the_settings).open("ab") as handle:
        handle.write(b'\xff\xfe not json\n{"mac": 1}\n')
    netboot.record_boot(the_settings, other)
    assert netboot.boots_of(the_settings, {first.mac}) == [first]
    assert netboot.boots_of(the_settings, {first.mac, other.mac}) == [first, other]
    assert netboot.boots_of(the_settings, {"00:00:00:00:00:00"}) == []


def test_netboot_without_a_built_live_system_says_what_to_do(cli_db: Cli) -> None:
    cli_db.ok("bench", "keygen")
    failed = cli_db.fails("bench", "netboot", "--interface", "lo")
    assert "bench live build" in failed.stderr
    failed = cli_db.fails("bench", "live", "show")
    assert "bench live build" in failed.stderr


def test_live_build_without_a_bench_key_says_what_to_do(cli_db: Cli) -> None:
    failed = cli_db.fails("bench", "live", "build")
    assert "bench keygen" in failed.stderr


def _fake_live(folder: Path) -> live.BenchLive:
    """The two initramfs parts and a kernel as plain files: what the HTTP side serves."""
    system = folder / "system"
    system.mkdir()
    (system / "vmlinuz").write_bytes(b"kernel" * 1000)
    (system / "initrd.img").write_bytes(os.urandom(300_001))  # not on a 4-byte boundary
    key = folder / "bench.img"
    key.write_bytes(live.key_part(KEY + "\n"))
    return live.BenchLive(live.LiveSystem(system, {}, built=False), key, None)


def test_the_service_answers_ipxe_and_records_the_boot(cli_db: Cli, tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("dnsmasq") is None:
        pytest.fail("the network boot service needs root and dnsmasq (scripts/setup.sh)")
    the_settings = load_settings()
    files = _fake_live(tmp_path)
    seen: list[netboot.Boot] = []
    # dnsmasq in proxy mode on the loopback interface: nothing answers on a real network
    with netboot.serve(the_settings, files, "lo", on_boot=seen.append) as service:
        assert service.running() and service.mode == "proxy"

        def get(path: str) -> bytes:
            with urllib.request.urlopen(service.http + path, timeout=10) as answer:
                return bytes(answer.read())

        first = get("/boot.ipxe").decode()
        assert first.startswith("#!ipxe\n")
        assert f"chain {service.http}/boot?mac=${{mac:hexhyp}}&platform=${{platform}}" in first
        second = get("/boot?mac=52-54-00-77-00-09&platform=efi&serial=LAB%0A%1B9").decode()
        assert f"kernel {service.http}/vmlinuz initrd=initrd.img " in second
        assert f"initrd {service.http}/initrd.img\nboot" in second
        # one initramfs: the shared system, then the bench's key part
        system = files.system.initrd.read_bytes()
        parts = system + b"\0" * (-len(system) % 4) + files.key_part.read_bytes()
        assert get("/initrd.img") == parts
        assert get("/vmlinuz") == files.system.kernel.read_bytes()
        with pytest.raises(urllib.error.HTTPError):
            get("/../../etc/shadow")
    assert service.dnsmasq.poll() is not None  # stopped with the block
    assert [(b.mac, b.platform, b.serial) for b in seen] == [("52:54:00:77:00:09", "efi", "LAB9")]
    lines = netboot.journal_path(the_settings).read_text().splitlines()
    assert json.loads(lines[-1])["mac"] == "52:54:00:77:00:09"
