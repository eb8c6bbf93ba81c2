"""assetctl as a real process: exit codes, no tracebacks, and what start-up imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import add_args

HEAVY = ("reportlab", "paramiko", "ansible_runner", "alembic", "qrcode", "psycopg")


def run(
    home: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "ASSETCTL_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "assetctl", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=120,
    )


def test_errors_exit_1_and_usage_errors_exit_2_without_traceback(home: Path) -> None:
    assert run(home, "init", "--organisation", "Le Mans Métropole").returncode == 0
    missing = run(home, "asset", "show", "NOPE-1")
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: no asset with tag or serial number NOPE-1")
    usage = run(home, "asset", "add", "--kind", "spaceship")
    assert usage.returncode == 2
    for result in (missing, usage):
        assert "Traceback" not in result.stderr
    assert missing.stdout == ""


def test_data_on_stdout_messages_on_stderr(home: Path) -> None:
    run(home, "init", "--organisation", "Le Mans Métropole")
    added = run(
        home,
        *add_args("desktop", "refurbished", "HP", "Compaq 8200", "CZ1"),
        "--acquired",
        "2024-01-01",
    )
    assert added.stdout == "LMM-PC-00001\n"
    assert "Warning: refurbished desktop" in added.stderr
    listed = run(home, "asset", "list", "--json")
    assert json.loads(listed.stdout)[0]["tag"] == "LMM-PC-00001"
    assert listed.stderr == ""


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["asset", "show", "LMM-IM-00001"], ""),
        (["scan"], "LMM-IM-00001\n"),
        (["asset", "list", "--json"], ""),
    ],
)
def test_one_shot_commands_do_not_import_heavy_libraries(
    home: Path, args: list[str], stdin: str
) -> None:
    run(home, "init", "--organisation", "Le Mans Métropole")
    run(home, *add_args("printer", "purchased", "Brother", "HL", "B1"))
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['assetctl', *{args!r}]\n"
        "try:\n    runpy.run_module('assetctl', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules), "
        "file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "ASSETCTL_HOME": str(home)},
        timeout=120,
        input=stdin,
    )
    assert "LMM-IM-00001" in result.stdout
    assert "HEAVY:\n" in result.stderr, result.stderr


def test_python_dash_m_and_version(home: Path) -> None:
    result = run(home, "--version")
    assert result.returncode == 0 and "assetctl, version" in result.stdout


def test_a_reader_that_leaves_early_is_not_a_bug(home: Path, tmp_path: Path) -> None:
    """`assetctl asset list | head -1`: the pipe closes under a long listing."""
    assert run(home, "init", "--organisation", "Le Mans Métropole").returncode == 0
    rows = ["kind;manufacturer;model;serial;origin"]
    rows += [f"laptop;Lenovo;ThinkPad L14 Gen 2;SN{i:06d};achat" for i in range(3000)]
    arrival = tmp_path / "arrivage.csv"
    arrival.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run(home, "asset", "import", str(arrival)).returncode == 0
    env = {**os.environ, "ASSETCTL_HOME": str(home)}
    piped = subprocess.run(
        f"{sys.executable} -m assetctl asset list --csv | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert piped.stdout.startswith("tag,")
    assert "bug" not in piped.stderr and "Traceback" not in piped.stderr, piped.stderr
    assert not (home / "logs").exists()


def test_the_scanning_station_survives_a_bad_byte_under_a_real_locale(home: Path) -> None:
    """A scanner in the wrong mode sends bytes that are not UTF-8: one ERROR line, and the
    valid scans after it are still taken (the station reads bytes, whatever the locale)."""
    assert run(home, "init", "--organisation", "Le Mans Métropole").returncode == 0
    tag = run(home, *add_args("laptop", "purchased", "Lenovo", "L14", "SN1")).stdout.strip()
    env = {**os.environ, "ASSETCTL_HOME": str(home), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-m", "assetctl", "scan"],
        input=b"\x80\xfe\n" + tag.encode() + b"\n",
        capture_output=True,
        env=env,
        timeout=120,
    )
    out = done.stdout.decode().splitlines()
    assert out[0].startswith("ERROR the scanner sent bytes that are not text")
    assert out[1].startswith(f"OK {tag} laptop")
    assert done.returncode == 1 and b"Traceback" not in done.stderr
