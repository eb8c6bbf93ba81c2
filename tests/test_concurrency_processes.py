"""Eight technicians at once, each an `assetctl` process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import Cli
from tests.helpers import add_args

TECHNICIANS = 8


def _env(cli: Cli, operator: str) -> dict[str, str]:
    env = {**os.environ, "ASSETCTL_HOME": str(cli.home), "ASSETCTL_DATABASE_URL": cli.db_url}
    if cli.db_url.startswith("sqlite"):  # on PostgreSQL who you are is the database login
        env["ASSETCTL_OPERATOR"] = operator
    else:
        env.pop("ASSETCTL_OPERATOR", None)
    return env


def at_once(cli: Cli, commands: list[list[str]], stdin: list[str] | None = None) -> list:
    """Start every command before waiting for any: they meet in the database."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "assetctl", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(cli, f"tech{index}"),
        )
        for index, args in enumerate(commands)
    ]
    results = []
    for index, process in enumerate(processes):
        out, err = process.communicate(stdin[index] if stdin else "", timeout=180)
        results.append((process.returncode, out, err))
    return results


def test_eight_technicians_register_edit_and_scan_different_devices(cli_db: Cli) -> None:
    serials = [f"SER-{index}" for index in range(TECHNICIANS)]
    added = at_once(
        cli_db,
        [add_args("laptop", "purchased", "Lenovo", "T14", serial) for serial in serials],
    )
    assert [code for code, _, _ in added] == [0] * TECHNICIANS, added
    tags = [out.strip() for _, out, _ in added]
    assert len(set(tags)) == TECHNICIANS

    edited = at_once(cli_db, [["asset", "edit", tag, "--location", f"shelf-{tag}"] for tag in tags])
    assert [code for code, _, _ in edited] == [0] * TECHNICIANS, edited

    scanned = at_once(
        cli_db,
        [["scan", "--mode", "checkin", "--location", "armoire"]] * TECHNICIANS,
        stdin=[f"{tag}\n" for tag in tags],
    )
    assert [code for code, _, _ in scanned] == [0] * TECHNICIANS, scanned
    assert all("ERROR" not in out for _, out, _ in scanned), scanned

    listed = json.loads(cli_db.ok("asset", "list", "--json").stdout)
    assert sorted(row["serial"] for row in listed) == sorted(serials)
    assert {row["location"] for row in listed} == {"armoire"}
    for tag in tags:
        history = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)["history"]
        locations = [event for event in history if event["action"] == "location"]
        assert len(locations) == 2, history  # the edit and the check-in, none lost


@pytest.mark.parametrize("round_", range(3))  # the processes' start times vary: meet often
def test_eight_technicians_register_the_same_serial(cli_db: Cli, round_: int) -> None:
    serial = f"SAME-{round_}"
    added = at_once(
        cli_db, [add_args("laptop", "purchased", "Lenovo", "T14", serial)] * TECHNICIANS
    )
    codes = sorted(code for code, _, _ in added)
    assert codes == [0] + [1] * (TECHNICIANS - 1), added
    for code, _, err in added:
        assert "Traceback" not in err
        if code:
            assert err.startswith("Error: ") and serial in err and "already" in err, err
    listed = json.loads(cli_db.ok("asset", "list", "--json").stdout)
    assert [row["serial"] for row in listed] == [serial]
