"""Database access: engine from a URL, one transaction per unit of work, migrations.

SQLite (the default) gets WAL, foreign keys, a busy timeout and a file of mode 0600; its
transactions are started by us with ``BEGIN IMMEDIATE``: each unit of work takes the write lock
up front, so two technicians' commands run one after the other (SQLite's busy handler waits,
with backoff, up to the busy timeout) instead of the second being refused when it comes to write
after reading an older snapshot. Units of work are short (milliseconds), so waiting is not felt.
A database file this process cannot write is read with a plain ``BEGIN``. PostgreSQL works the
same through ``postgresql+psycopg://``, with row locks and optimistic version checks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assetctl.errors import ConflictError, DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_path(url: Any) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(database)


_SQLITE_FILE_URL = re.compile(r"sqlite(?:\+pysqlite)?:///([^?]+)")


def sqlite_file(url: str) -> Path | None:
    """The file of a plain SQLite URL, read without importing SQLAlchemy; None otherwise."""
    match = _SQLITE_FILE_URL.fullmatch(url)
    return Path(match.group(1)) if match and match.group(1) != ":memory:" else None


SQLITE_HEADER = b"SQLite format 3\x00"


def _prepare_sqlite_file(path: Path) -> None:
    """Create the database file with mode 0600 (and its folder 0700) before SQLite does; refuse
    a path that is a folder or a file that is not an SQLite database, before anything opens
    it."""
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError as exc:
            raise DatabaseError(f"cannot create the database file {path}: {exc.strerror}") from None
        return
    check_sqlite_file(path)


def check_sqlite_file(path: Path) -> None:
    """Refuse a folder, or a file that is not an SQLite database, with what to do."""
    if path.is_dir():
        raise DatabaseError(
            f"{path} is a folder, not a database file: give the file's path, e.g. "
            f"sqlite:///{path / 'assetctl.db'}"
        )
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"cannot use the database file {path}: {exc.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not an SQLite database: give the path of assetctl's database "
            "(--db-url, ASSETCTL_DATABASE_URL or [database] url), or move this file away"
        )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its pragmas, PostgreSQL is used as it comes."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"database URL {url!r} is not a URL; use e.g. sqlite:////path/assetctl.db or "
            "postgresql+psycopg://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"database {backend!r} is not supported; use SQLite or PostgreSQL (postgresql+psycopg)"
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")

    if backend == "sqlite":
        path = _sqlite_path(parsed)
        if path is not None:
            _prepare_sqlite_file(path)
        try:
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        except NoSuchModuleError as exc:
            raise DatabaseError(f"no driver for {url!r}: {exc}") from None

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if path is not None:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        writable = path is None or os.access(path, os.W_OK)
        begin = "BEGIN IMMEDIATE" if writable else "BEGIN"

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine

    try:
        return create_engine(parsed, pool_pre_ping=False)
    except (NoSuchModuleError, ModuleNotFoundError):
        raise DatabaseError(
            "the PostgreSQL driver is not installed: pip install 'assetctl[postgres]'"
        ) from None


def _is_sqlite_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def is_unique_violation(exc: BaseException) -> bool:
    """A unique constraint refused a row (PostgreSQL's 23505, SQLite's UNIQUE failure)."""
    from sqlalchemy.exc import IntegrityError

    if not isinstance(exc, IntegrityError):
        return False
    original = exc.orig
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(
        original
    )


# What the database says when the fault is outside assetctl and the user can act on it: the
# server is gone or refuses, the file cannot be opened or written, the disk is full.
_UNREACHABLE = (
    "could not connect",
    "connection refused",
    "connection failed",
    "connection timed out",
    "server closed the connection",
    "terminating connection",
    "the database system is",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "attempt to write a readonly database",
    "no space left on device",
    "permission denied",
)


def database_fault(exc: BaseException) -> str | None:
    """What to tell the user about a database error they can act on; None for a bug (a
    missing column, a malformed query...), which must surface as one."""
    from sqlalchemy.exc import DBAPIError

    original = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(original or exc).strip()
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return f"the connection to the database was lost ({text}); repeat the command"
    if any(marker in text.lower() for marker in _UNREACHABLE):
        return f"cannot use the database: {text}"
    return None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block succeeds, rolled back on any error.

    A concurrent change to the same row becomes a :class:`ConflictError`; a database that
    cannot be reached or written becomes a :class:`DatabaseError`; any other database error is
    a bug and is raised as it is.
    """
    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm.exc import StaleDataError
    from sqlmodel import Session

    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ConflictError(
            "another user changed this device while you were working on it; nothing was "
            "saved. Look at it again (assetctl asset show) and repeat the command"
        ) from None
    except IntegrityError as exc:
        session.rollback()
        if not is_unique_violation(exc):
            raise  # a bug: the checks before writing should have said what was wrong
        # the checks before writing passed, and another user's transaction committed the same
        # key in between (PostgreSQL: read committed); repeated, the command says what it is
        raise ConflictError(
            "another user saved a record with the same identifier at the same moment; nothing "
            "was saved. Repeat the command"
        ) from None
    except OperationalError as exc:
        session.rollback()
        if _is_sqlite_locked(exc.orig or exc):
            raise ConflictError(
                f"the database stayed busy with other users' changes for more than "
                f"{SQLITE_BUSY_TIMEOUT_MS // 1000} s; nothing was saved. Repeat the command"
            ) from None
        fault = database_fault(exc)
        if fault is None:
            raise  # a bug, not the user's to fix
        raise DatabaseError(f"{fault}; nothing was saved") from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "assetctl:migrations")
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, or None for an empty database."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError as DBAPIDatabaseError

    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    except DBAPIDatabaseError as exc:
        message = str(exc.orig or exc)
        if "alembic_version" in message:
            _refuse_login_without_role(engine)
            return None
        raise DatabaseError(f"cannot open the database: {message.strip()}") from None
    return row[0] if row else None


def _refuse_login_without_role(engine: Engine) -> None:
    """On PostgreSQL a login without an assetctl role sees no table: say so, rather than
    calling the database empty (the DBA preparing a database or its schema may create there,
    so is let through)."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        login, stranger = connection.execute(
            text(
                "SELECT session_user, EXISTS (SELECT FROM pg_roles "
                "WHERE rolname = 'assetctl_technician') "
                "AND NOT pg_has_role(session_user, 'assetctl_technician', 'USAGE') "
                "AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) "
                "AND NOT has_database_privilege(current_database(), 'CREATE') "
                "AND NOT coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)"
            )
        ).one()
    if stranger:
        raise DatabaseError(
            f"the PostgreSQL login {login} has no assetctl role: an admin runs "
            f"`assetctl user add {login} --role technician` (or caseworker, admin)"
        )


def schema_problem(revision: str | None, where: str) -> str | None:
    """What is wrong with a database at ``revision``, for the user; None if nothing."""
    from assetctl.migrations import HEAD

    if revision == HEAD:
        return None
    if revision is None:
        return (
            f"the database at {where} is not initialised: run `assetctl init` "
            "(or `assetctl db upgrade`)"
        )
    if is_newer(revision):
        return newer_schema(revision)
    return (
        f"the database schema is at revision {revision}, this assetctl expects {HEAD}: run "
        "`assetctl db upgrade`"
    )


def is_newer(revision: str) -> bool:
    """A revision this assetctl does not know: made by a newer one (revisions are numbered)."""
    from assetctl.migrations import HEAD

    return not revision.isdigit() or int(revision) > int(HEAD)


def newer_schema(revision: str) -> str:
    from assetctl.migrations import HEAD

    return (
        f"this database was made by a newer assetctl (schema revision {revision}; this one "
        f"knows revisions up to {HEAD}): upgrade assetctl on this computer; nothing was changed"
    )


def check_schema(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not the one this version expects."""
    problem = schema_problem(
        current_revision(engine), engine.url.render_as_string(hide_password=True)
    )
    if problem:
        raise DatabaseError(problem)


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations; returns (revision before, revision after)."""
    from alembic import command

    before = current_revision(engine)
    if before is not None and is_newer(before):
        raise DatabaseError(newer_schema(before))
    command.upgrade(_alembic_config(engine), revision)
    return before, current_revision(engine)
