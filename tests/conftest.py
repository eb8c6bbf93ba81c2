"""Shared fixtures: every test gets its own ASSETCTL_HOME and its own database.

Database tests run twice: on SQLite (a file in the test's home) and on PostgreSQL (a fresh
schema in the server given by ASSETCTL_TEST_POSTGRES_URL, default 127.0.0.1:5432/test). Where
no PostgreSQL server answers, the PostgreSQL half is skipped, unless ASSETCTL_REQUIRE_POSTGRES=1
(as in CI), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assetctl.cli import cli

TEST_PASSPHRASE = "correct horse battery staple"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIXTURES = Path(__file__).parent / "fixtures"


def postgres_url() -> str:
    return os.environ.get("ASSETCTL_TEST_POSTGRES_URL", DEFAULT_PG_URL)


_pg_state: dict[str, str | None] = {}


def postgres_unavailable() -> str | None:
    """None when the server answers, else why not (checked once per session)."""
    if "why" not in _pg_state:
        try:
            import sqlalchemy

            engine = sqlalchemy.create_engine(postgres_url())
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("SELECT 1"))
            engine.dispose()
            _pg_state["why"] = None
        except Exception as exc:
            _pg_state["why"] = f"PostgreSQL at {postgres_url()} unavailable: {exc}"[:300]
    return _pg_state["why"]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("ASSETCTL_HOME", str(home))
    monkeypatch.setenv("ASSETCTL_OPERATOR", "tester")
    monkeypatch.delenv("ASSETCTL_DATABASE_URL", raising=False)
    # the caseworkers' key file, outside the data folder, and its passphrase
    monkeypatch.setenv("ASSETCTL_KEY_FILE", str(tmp_path / "keys" / "programme.key"))
    monkeypatch.setenv("ASSETCTL_KEY_PASSPHRASE", TEST_PASSPHRASE)
    return home


def _pg_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


# PostgreSQL logins of the tests' staff: who you are there is your login, not a variable.
# `tester` (who runs `assetctl init`) owns each test's schema and may manage roles.
PG_OWNER = "tester"
PG_LOGINS = (PG_OWNER, "claire", "theo")
PG_GROUPS = "assetctl_technician, assetctl_caseworker, assetctl_admin"


def as_login(url: str, login: str) -> str:
    """The same PostgreSQL URL, connecting as ``login``."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=login).render_as_string(hide_password=False)


def _prepare_pg_logins(connection: object) -> None:
    """Once per run: the logins exist; before each test: none of the staff has a role yet."""
    import sqlalchemy

    run = connection.execute  # type: ignore[attr-defined]
    if not _pg_state.get("logins"):
        for login in PG_LOGINS:
            exists = run(sqlalchemy.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login})
            if not exists.first():
                extra = " CREATEROLE" if login == PG_OWNER else ""
                run(sqlalchemy.text(f"CREATE ROLE {login} LOGIN{extra}"))
        _pg_state["logins"] = "ready"
    groups = run(
        sqlalchemy.text("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'assetctl\\_%'")
    ).scalar()
    if groups == 3:  # roles are the cluster's: what an earlier test granted is taken back
        others = run(
            sqlalchemy.text(
                "SELECT DISTINCT m.rolname FROM pg_auth_members a "
                "JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member "
                "WHERE g.rolname LIKE 'assetctl\\_%' AND m.rolcanlogin AND m.rolname <> :owner"
            ),
            {"owner": PG_OWNER},
        ).scalars()
        for login in others:
            run(sqlalchemy.text(f'REVOKE {PG_GROUPS} FROM "{login}"'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, home: Path) -> Iterator[str]:
    """An empty database URL: SQLite in the test's home, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{home / 'assetctl.db'}"
        return
    why = postgres_unavailable()
    if why:
        if os.environ.get("ASSETCTL_REQUIRE_POSTGRES") == "1":
            pytest.fail(why)
        pytest.skip(why)
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        _prepare_pg_logins(connection)
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema} AUTHORIZATION {PG_OWNER}"))
    try:
        yield _pg_schema_url(as_login(postgres_url(), PG_OWNER), schema)
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@dataclass
class Cli:
    """Runs assetctl commands in-process, as a user would type them."""

    db_url: str
    home: Path
    operator: str | None = None

    def as_(self, operator: str) -> Cli:
        """The same CLI run by another operator (whose role the staff table gives)."""
        return Cli(db_url=self.db_url, home=self.home, operator=operator)

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:
        runner = CliRunner()
        url = self.db_url
        if self.operator and url.startswith("postgresql"):  # another person: another login
            url = as_login(url, self.operator)
        env = {
            "ASSETCTL_DATABASE_URL": url,
            "ASSETCTL_DEBUG": os.environ.get("ASSETCTL_DEBUG", "1"),
        }
        if self.operator:
            env["ASSETCTL_OPERATOR"] = self.operator
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=True)

    def ok(self, *args: str, input: str | bytes | None = None) -> Result:
        result = self(*args, input=input)
        if result.exit_code != 0:
            raise AssertionError(
                f"assetctl {' '.join(args)} exited {result.exit_code}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\n"
                f"exception: {result.exception!r}"
            )
        return result

    def fails(self, *args: str, input: str | bytes | None = None, code: int = 1) -> Result:
        """The command must fail cleanly: the exit code given, no traceback."""
        result = self(*args, input=input)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        if code == 1:  # one "Error: ..." says what was wrong (after any progress lines)
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
            assert len(errors) == 1, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"unexpected exception {result.exception!r}"
        )
        assert "Traceback" not in result.stderr + result.stdout
        return result


@pytest.fixture
def cli_db(db_url: str, home: Path) -> Cli:
    """A CLI on an initialised database (SQLite and PostgreSQL)."""
    runner = Cli(db_url=db_url, home=home)
    runner.ok(
        "init", "--yes", "--organisation", "Le Mans Métropole", "--support-phone",
        "02 43 00 00 00", "--budget-total", "263000", "--budget-equipment", "248000",
    )  # fmt: skip
    runner.ok("key", "init")  # the programme's key: personal data is stored sealed
    return runner


@pytest.fixture
def engine(cli_db: Cli) -> Iterator[object]:
    from assetctl.db import make_engine

    engine = make_engine(cli_db.db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(cli_db: Cli) -> object:
    from assetctl.config import load_settings

    return load_settings()


# the family side's seeded programme (staff and ready devices), for the CLI and report tests
from tests.family_helpers import frozen_today, programme  # noqa: E402

__all__ = ["frozen_today", "programme"]
