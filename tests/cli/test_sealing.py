"""Personal data sealed at rest: what a copy of the database holds, and who can open it.

The barrier is cryptographic (libsodium sealed boxes): without the programme's private key file
and its passphrase, no role, no variable and no copy of the database reads a family's data.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.family_helpers import LAPTOP_PASSWORDS, MARTIN, PERSONAL_VALUES, TODAY, approve, form
from tests.helpers import count_rows, snapshot


@pytest.fixture
def family(programme: Cli) -> dict[str, str]:
    cw, tech = programme.as_("claire"), programme.as_("theo")
    ref = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    cw.ok("household", "recommend", ref)
    cw.ok(
        "committee", "decide", session.strip(), ref, "deferred", "--rationale",
        "Lina Martin : situation du père en recherche d'emploi à vérifier",
    )  # fmt: skip
    approve(cw, ref, session.strip(), "--mode", "rental")
    number = tech.ok("allocate", ref).stdout.strip()  # the laptop with its initial passwords
    return {"ref": ref, "number": number}


def test_the_database_file_holds_no_personal_value_in_clear(
    family: dict[str, str], programme: Cli
) -> None:
    if not programme.db_url.startswith("sqlite"):
        # the server's own dump: what a backup of the programme's database holds
        dump = subprocess.run(
            ["pg_dump", "--data-only", "-h", "127.0.0.1", "-U", "postgres", "test"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        stored = dump.encode()
    else:
        path = Path(programme.db_url.removeprefix("sqlite:///"))
        stored = b"".join(
            Path(f"{path}{suffix}").read_bytes()
            for suffix in ("", "-wal")
            if Path(f"{path}{suffix}").exists()
        )
    # the test would fail if they were stored in clear: the caseworker reads them back
    shown = json.loads(
        programme.as_("claire").ok("household", "show", family["ref"], "--json").stdout
    )
    assert shown["child_name"] == "Lina Martin" and shown["phone"] == "06 12 34 56 78"
    for value in (*PERSONAL_VALUES, *LAPTOP_PASSWORDS.values(), "situation du père"):
        assert value.encode() not in stored, value
    assert b"s1:" in stored  # sealed values are there


def test_without_the_key_file_no_role_reads_a_family(
    family: dict[str, str], programme: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETCTL_KEY_FILE", str(tmp_path / "nowhere.key"))
    before = snapshot(programme.db_url)
    for who in ("claire", "tester"):  # a caseworker, the admin
        cli = programme.as_(who)
        for command in (
            ("household", "show", family["ref"]),
            ("household", "export", family["ref"], "-o", str(tmp_path / "x.json")),
            ("household", "list", "--contacts"),
            ("contract", "print", family["number"], "-o", str(tmp_path / "x.pdf")),
        ):
            refused = cli.fails(*command)
            assert "needs the programme's private key" in refused.stderr, (who, command)
    assert snapshot(programme.db_url) == before
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "x.pdf").exists()
    # what needs no names still works: technicians' commands, reports, adding a family, a purge
    programme.as_("theo").ok("household", "show", family["ref"])
    programme.as_("claire").ok("household", "list")  # facts only: no key needed
    programme.ok("report", "counts")
    assert programme.as_("claire").ok("household", "add", "--qpv", "Epine").stdout.strip()
    programme.ok("household", "purge", "--dry-run")


def test_a_wrong_passphrase_or_another_programmes_key_is_refused(
    family: dict[str, str], programme: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cw = programme.as_("claire")
    monkeypatch.setenv("ASSETCTL_KEY_PASSPHRASE", "not the passphrase at all")
    refused = cw.fails("household", "show", family["ref"])
    assert "the passphrase does not open the programme key" in refused.stderr
    # another programme's key file, with its own right passphrase
    monkeypatch.setenv("ASSETCTL_KEY_PASSPHRASE", "another programme's phrase")
    other = tmp_path / "other" / "programme.key"
    from assetctl.sealing import new_key_file

    other.parent.mkdir()
    other.write_bytes(new_key_file("another programme's phrase")[1])
    monkeypatch.setenv("ASSETCTL_KEY_FILE", str(other))
    refused = cw.fails("household", "show", family["ref"])
    assert "is not the programme's key" in refused.stderr
    # a file that is not a key file
    bogus = tmp_path / "bogus.key"
    bogus.write_bytes(b"\xff\x00 not json")
    monkeypatch.setenv("ASSETCTL_KEY_FILE", str(bogus))
    assert (
        "is not an assetctl programme key file"
        in cw.fails("household", "show", family["ref"]).stderr
    )


def test_nothing_personal_is_stored_before_the_programme_has_a_key(db_url: str, home: Path) -> None:
    cli = Cli(db_url=db_url, home=home)
    cli.ok("init", "--yes", "--organisation", "Le Mans Métropole")
    before = snapshot(db_url)
    refused = cli.fails("household", "add", *form(MARTIN))
    assert "personal data is never stored unsealed" in refused.stderr
    assert "assetctl key init" in refused.stderr
    assert snapshot(db_url) == before
    # the key made, the same command is taken, and the key file is the owner's only
    made = cli.ok("key", "init")
    assert "Programme key" in made.stderr
    key_file = Path(os.environ["ASSETCTL_KEY_FILE"])
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert b"private_key" in key_file.read_bytes()
    assert "already has a key" in cli.fails("key", "init").stderr
    cli.ok("household", "add", *form(MARTIN))
    assert count_rows(db_url, "household_personal") == 1
    # the private key is in neither the database nor the configuration
    secret = json.loads(key_file.read_text())["private_key"].encode()
    assert secret not in (home / "config.toml").read_bytes()
    assert secret[:16] not in repr(snapshot(db_url)).encode()


def test_a_short_passphrase_is_refused(
    db_url: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(db_url=db_url, home=home)
    cli.ok("init", "--yes", "--organisation", "Le Mans Métropole")
    monkeypatch.setenv("ASSETCTL_KEY_PASSPHRASE", "short")
    assert "at least 12 characters" in cli.fails("key", "init").stderr
    assert not Path(os.environ["ASSETCTL_KEY_FILE"]).exists()
    assert count_rows(db_url, "programme_key") == 0


def test_key_show_says_whether_the_key_file_is_the_programmes(
    db_url: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assetctl.sealing import new_key_file

    cli = Cli(db_url=db_url, home=home)
    cli.ok("init", "--yes", "--organisation", "Le Mans Métropole")
    assert "assetctl key init" in cli.ok("key", "show").stderr
    stray = tmp_path / "stray.key"  # a key file, before the programme has any key
    stray.write_bytes(new_key_file("another programme's phrase")[1])
    with monkeypatch.context() as patched:
        patched.setenv("ASSETCTL_KEY_FILE", str(stray))
        shown = " ".join(cli.ok("key", "show").stdout.split())
        assert "but the programme has no key recorded" in shown
    cli.ok("key", "init")
    made = json.loads(cli.ok("key", "show", "--json").stdout)
    shown = cli.ok("key", "show").stdout
    assert f"fingerprint  {made['fingerprint']}\n" in shown
    assert "(the programme's key)" in " ".join(shown.split())  # a long path wraps the line
    assert "T" not in shown.split("made", 1)[1].split(" by ")[0]  # local time, not ISO
    other = tmp_path / "other.key"
    other.write_bytes(new_key_file("another programme's phrase")[1])
    monkeypatch.setenv("ASSETCTL_KEY_FILE", str(other))
    assert "not the programme's" in " ".join(cli.ok("key", "show").stdout.split())
    monkeypatch.setenv("ASSETCTL_KEY_FILE", "/etc/hostname")
    assert "(not a programme key file)" in " ".join(cli.ok("key", "show").stdout.split())
    monkeypatch.setenv("ASSETCTL_KEY_FILE", str(tmp_path / "absent.key"))
    assert "(not here" in cli.ok("key", "show").stdout
