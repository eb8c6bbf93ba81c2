"""`assetctl bench discover` against a real sshd on 127.0.0.1 (facts of a captured machine)."""

from __future__ import annotations

import json
from pathlib import Path

from lab.sshd import SshServer
from tests.conftest import Cli
from tests.helpers import add_args, snapshot


def test_discover_registers_then_updates(
    cli_db: Cli, sshd: SshServer, bench_config: Path, home: Path
) -> None:
    first = cli_db.ok("bench", "discover", sshd.address, "--kind", "laptop")
    line = first.stdout.strip()
    assert line == (
        f"OK {sshd.address} LMM-PP-00001 registered (Dell Inc. Latitude 5420, "
        "serial FAKE-SYS-SERIAL)"
    )
    view = json.loads(cli_db.ok("asset", "show", "LMM-PP-00001", "--json").stdout)
    assert (view["manufacturer"], view["model"], view["serial"]) == (
        "Dell",
        "Latitude 5420",
        "FAKE-SYS-SERIAL",
    )
    assert view["battery_health"] == 100  # charge_full == charge_full_design in the capture
    assert view["ram_mb"] > 0 and view["cpu"]  # this machine's real /proc
    discovered = [e for e in view["history"] if e["action"] == "discovered"]
    assert discovered[0]["details"]["bios_date"] == "06/30/2026"
    # this machine's only disk holds the running system: it is not one of the asset's disks
    assert view["disks"] == []
    facts = json.loads(cli_db.ok("bench", "discover", sshd.address, "--json").stdout)[0]["facts"]
    running = [d["name"] for d in facts["disks"] if d["holds_running_system"]]
    assert len(running) == 1 and facts["root_source"].startswith("/dev/" + running[0])
    known_hosts = (home / "bench" / "known_hosts").read_text()
    assert f"[127.0.0.1]:{sshd.port} ssh-ed25519" in known_hosts
    again = cli_db.ok("bench", "discover", sshd.address)
    assert again.stdout.strip().startswith(f"OK {sshd.address} LMM-PP-00001 unchanged")
    assert (
        len(
            [
                e
                for e in json.loads(cli_db.ok("asset", "show", "LMM-PP-00001", "--json").stdout)[
                    "history"
                ]
                if e["action"] == "discovered"
            ]
        )
        == 3
    )
    cli_db.ok("asset", "edit", "LMM-PP-00001", "--ram", "2G", "--battery-health", "50")
    changed = cli_db.ok("bench", "discover", sshd.address).stdout.strip()
    assert changed.startswith(f"OK {sshd.address} LMM-PP-00001 updated: ")
    assert "ram_mb 2048 -> " in changed and "battery_health 50 -> 100" in changed


def test_discover_matches_an_asset_registered_by_hand(
    cli_db: Cli, sshd: SshServer, bench_config: Path
) -> None:
    tag = cli_db.ok(
        *add_args("laptop", "purchased", "DELL", "Latitude 5420", "fake-sys-serial")
    ).stdout.strip()
    out = cli_db.ok("bench", "discover", sshd.address).stdout.strip()
    assert out.startswith(f"OK {sshd.address} {tag} updated")


def test_one_unreachable_host_does_not_stop_the_others(
    cli_db: Cli, sshd: SshServer, bench_config: Path, tmp_path: Path
) -> None:
    inventory = tmp_path / "hosts.txt"
    inventory.write_text(f"# bench 2\n{sshd.address}\n127.0.0.1:1  # switched off\n")
    result = cli_db.fails("bench", "discover", "--inventory", str(inventory), "--kind", "laptop")
    lines = sorted(result.stdout.splitlines())
    assert lines[0].startswith("ERROR 127.0.0.1:1: cannot connect")
    assert lines[1].startswith(f"OK {sshd.address} LMM-PP-00001 registered")
    assert "1 of 2 machine(s) could not be discovered" in result.stderr


def test_a_wrong_key_or_unknown_host_key_is_refused(
    cli_db: Cli, sshd: SshServer, bench_config: Path, home: Path
) -> None:
    from assetctl.bench.ssh import BenchConnectionError, Connection, HostKeyError, Target

    target = Target.parse(sshd.address)
    known = home / "bench" / "known_hosts"
    try:
        with Connection(target, key_path=sshd.client_key, known_hosts=known, pin=False):
            raise AssertionError("an unrecorded host key was accepted for work")
    except HostKeyError as exc:
        assert "was not recorded by `assetctl bench discover`" in str(exc)
    with Connection(target, key_path=sshd.client_key, known_hosts=known, pin=True) as c:
        assert c.run("echo hello").stdout == "hello\n"
    with Connection(target, key_path=sshd.client_key, known_hosts=known, pin=False) as c:
        result = c.run("cat; exit 3", stdin="piped")
        assert (result.exit_status, result.stdout) == (3, "piped")
    other = home / "other_key"
    from assetctl.bench.ssh import generate_key

    generate_key(other)
    before = snapshot(cli_db.db_url)
    try:
        with Connection(target, key_path=other, known_hosts=known, pin=False):
            raise AssertionError("a key the server does not know was accepted")
    except BenchConnectionError as exc:
        assert "refused the bench key" in str(exc)
    assert snapshot(cli_db.db_url) == before


def test_every_byte_of_a_commands_output_arrives(sshd: SshServer, home: Path) -> None:
    """OpenSSH sends a command's exit status as soon as the command exits, while output may
    still be on its way (about 2 % of `bench discover` runs lost their end this way): output
    is read to the end of the stream. Here a process the command left behind writes after the
    exit status was sent, which makes the race certain."""
    from assetctl.bench.ssh import Connection, Target

    target = Target.parse(sshd.address)
    known = home / "bench" / "known_hosts"
    with Connection(target, key_path=sshd.client_key, known_hosts=known, pin=True) as c:
        result = c.run("echo first; (sleep 0.5; echo last; echo late >&2) & exit 4")
        assert (result.exit_status, result.stdout, result.stderr) == (4, "first\nlast\n", "late\n")
        big = c.run("head -c 5000000 /dev/zero; head -c 300000 /dev/zero >&2")
        assert (len(big.stdout), len(big.stderr)) == (5_000_000, 300_000)


def test_keygen_and_missing_key(cli_db: Cli, home: Path) -> None:
    result = cli_db.ok("bench", "keygen")
    assert result.stdout.startswith("ssh-ed25519 ") and "assetctl-bench" in result.stdout
    key = home / "bench" / "id_ed25519"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert "exists already" in cli_db.fails("bench", "keygen").stderr
    key.unlink()
    out = cli_db.fails("bench", "discover", "127.0.0.1:1").stdout
    assert "cannot connect" in out


def test_a_bios_too_recent_for_a_refurbished_desktop_says_so() -> None:
    """The warning says what is wrong (issue 15): a firmware younger than the programme's
    6 years, with what to check; an old enough firmware, or a date that says nothing, gives
    none."""
    from datetime import date

    from assetctl.bench.discover import bios_younger_than

    today = date(2026, 12, 2)
    young = bios_younger_than("06/30/2026", 6, today)
    assert young is not None
    assert "dated 30/06/2026, younger than the 6 years of a refurbished city desktop" in young
    assert "--origin purchased" in young
    assert bios_younger_than("10/11/2012", 6, today) is None  # a ThinkPad T410s's BIOS
    assert bios_younger_than("12/02/2020", 6, today) is None  # six years to the day
    assert bios_younger_than("12/03/2020", 6, today) is not None
    assert bios_younger_than("not a date", 6, today) is None
    assert bios_younger_than(None, 6, today) is None
    assert bios_younger_than("03/01/2022", 6, date(2028, 2, 29)) is not None  # a leap day
