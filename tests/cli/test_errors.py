"""The one error boundary: what the user can act on is an "Error:" line and exit code 1; a bug
is a short line, exit code 70 and its traceback in a log file (SQLite and PostgreSQL)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Cli
from tests.helpers import add_args, snapshot


def _bug_report(home: Path, stderr: str, kind: str) -> str:
    assert f"Error: this is a bug in assetctl ({kind})" in stderr
    assert "Traceback" not in stderr
    logs = sorted((home / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in stderr
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600
    return logs[0].read_text()


def test_a_bug_is_reported_with_its_traceback_in_a_file(
    cli_db: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETCTL_DEBUG", "0")
    tag = cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "L14", "SN1")).stdout.strip()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a programming mistake")

    monkeypatch.setattr("assetctl.assets.find_asset", broken)
    result = cli_db("asset", "show", tag)
    assert result.exit_code == 70, (result.exit_code, result.stderr)
    logged = _bug_report(home, result.stderr, "ZeroDivisionError")
    assert "Traceback" in logged and "a programming mistake" in logged


def test_a_database_bug_is_not_disguised_as_advice(
    cli_db: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column the program needs is missing: that is a bug (or a broken database), not a
    busy database to retry."""
    monkeypatch.setenv("ASSETCTL_DEBUG", "0")
    tag = cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "L14", "SN1")).stdout.strip()
    engine = create_engine(cli_db.db_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE asset DROP COLUMN notes"))
    engine.dispose()
    result = cli_db("asset", "edit", tag, "--location", "storage")
    assert result.exit_code == 70, (result.exit_code, result.stderr)
    assert "Repeat the command" not in result.stderr
    assert "notes" in _bug_report(home, result.stderr, result.stderr.split("(")[1].split(")")[0])


def test_an_unreachable_database_is_the_users_to_fix(home: Path) -> None:
    refused = Cli(db_url="postgresql+psycopg://nobody@127.0.0.1:1/none", home=home)
    result = refused.fails("asset", "list")
    assert "cannot open the database" in result.stderr
    assert not (home / "logs").exists()


EVERY_KIND_OF_COMMAND = (
    ("asset", "list"),
    ("asset", "show", "LMM-PP-00001"),
    ("scan",),
    ("report", "counts"),
    ("household", "list"),
    ("db", "current"),
    ("db", "upgrade"),
    ("init", "--yes", "--organisation", "Le Mans Métropole"),
)


def _refused_everywhere(
    cli: Cli,
    home: Path,
    message: str,
    commands: tuple[tuple[str, ...], ...] = EVERY_KIND_OF_COMMAND,
) -> None:
    for command in commands:
        result = cli.fails(*command, input="")
        assert message in result.stderr, (command, result.stderr)
    assert not (home / "logs").exists()


def test_a_folder_or_a_file_that_is_not_a_database(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETCTL_DEBUG", "0")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    _refused_everywhere(
        Cli(db_url=f"sqlite:///{folder}", home=home), home, f"{folder} is a folder, not a database"
    )
    other = tmp_path / "notes.txt"
    other.write_bytes(b'=HYPERLINK("x")\n\xff\xfe not SQLite at all\n')
    before = other.read_bytes()
    _refused_everywhere(
        Cli(db_url=f"sqlite:///{other}", home=home), home, f"{other} is not an SQLite database"
    )
    assert other.read_bytes() == before  # nothing written to it


def test_a_database_made_by_a_newer_assetctl(
    cli_db: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETCTL_DEBUG", "0")
    engine = create_engine(cli_db.db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    _refused_everywhere(
        cli_db,
        home,
        "this database was made by a newer assetctl (schema revision 0099; this one knows "
        "revisions up to 0010): upgrade assetctl",
        tuple(c for c in EVERY_KIND_OF_COMMAND if c != ("db", "current")),
    )
    # `db current` is the diagnostic: it says what it found
    assert cli_db.ok("db", "current").stdout == "database: 0099\nexpected: 0010\n"
    with engine.connect() as connection:  # `db upgrade` and `init` left it alone
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0099"
        )
    engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "args",
    [
        ("gdpr", "register", "-o"),
        ("gdpr", "dpia", "-o"),
        ("report", "pdf", "-o"),
        ("household", "export", "FAM-00001", "-o"),
        ("committee", "minutes", "1", "-o"),
        ("wipe", "certificate", "LMM-PC-00001", "-o"),
    ],
)
def test_a_document_into_a_missing_folder_is_refused_before_any_work(
    cli_db: Cli, home: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(cli_db.db_url)
    result = cli_db(*args, str(tmp_path / "missing" / "doc.pdf"))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert f"the folder {tmp_path / 'missing'} does not exist" in result.stderr
    assert "bug" not in result.stderr and not (home / "logs").exists()
    assert snapshot(cli_db.db_url) == before
