"""Listing many assets fast: the database builds each JSON object, Python only streams it.

``asset list`` over 100,000 devices must answer in about a second on a slow bench PC, where
importing SQLAlchemy alone takes that long. So this path talks to the DB-API driver
(``sqlite3`` or ``psycopg``) directly, checks the schema revision itself, and asks SQLite's
``json_object`` / PostgreSQL's ``json_build_object`` for rows already in their public JSON
shape (the same field names and formats as ``asset show --json``). URLs it cannot open
directly go through SQLAlchemy's raw connection, with the same SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from assetctl.errors import DatabaseError

# (public name, SQLite expression, PostgreSQL expression); a None expression: the column.
_TS_SQLITE = "replace({0}, ' ', 'T') || '+00:00'"
_TS_PG = "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
_PRICE_SQLITE = (
    "CASE WHEN unit_price_cents IS NULL THEN NULL ELSE "
    "printf('%d.%02d', unit_price_cents / 100, unit_price_cents % 100) END"
)
_PRICE_PG = (
    "CASE WHEN unit_price_cents IS NULL THEN NULL ELSE (unit_price_cents / 100)::text "
    "|| '.' || lpad(mod(unit_price_cents, 100)::text, 2, '0') END"
)
_DATE_PG = "to_char({0}, 'YYYY-MM-DD')"

FIELDS: tuple[tuple[str, str | None, str | None], ...] = (
    ("tag", None, None),
    ("kind", None, None),
    ("status", None, None),
    ("manufacturer", None, None),
    ("model", None, None),
    ("serial", None, None),
    ("origin", None, None),
    ("acquired", None, _DATE_PG.format("acquired")),
    ("former_inventory", None, None),
    ("order_ref", None, None),
    ("supplier", None, None),
    ("unit_price", _PRICE_SQLITE, _PRICE_PG),
    ("warranty_end", None, _DATE_PG.format("warranty_end")),
    ("cpu", None, None),
    ("ram_mb", None, None),
    ("battery_health", None, None),
    ("location", None, None),
    ("notes", None, None),
    ("disposal", None, None),
    ("created_at", _TS_SQLITE.format("created_at"), _TS_PG.format("created_at")),
    ("updated_at", _TS_SQLITE.format("updated_at"), _TS_PG.format("updated_at")),
)
FIELD_NAMES = tuple(name for name, _, _ in FIELDS)


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    status: str | None = None
    origin: str | None = None
    location: str | None = None


@dataclass
class _Connection:
    dbapi: Any
    dialect: str  # "sqlite" or "postgresql"
    close: Any


def _direct(url: str) -> _Connection | None:
    """Open well-known URL forms with the driver itself, without importing SQLAlchemy."""
    from assetctl.db import sqlite_file

    path = sqlite_file(url)
    if path is not None:
        import sqlite3

        if not path.exists():
            from assetctl.db import schema_problem

            raise DatabaseError(schema_problem(None, url) or "")
        from assetctl.db import check_sqlite_file

        check_sqlite_file(path)
        lite = sqlite3.connect(path, timeout=15)
        return _Connection(lite, "sqlite", lite.close)
    match = re.fullmatch(r"postgres(?:ql)?(?:\+psycopg)?(://.*)", url)
    if match:
        try:
            import psycopg
        except ImportError:
            return None
        try:
            pg = psycopg.connect("postgresql" + match.group(1))
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot open the database: {str(exc).strip()}") from None
        return _Connection(pg, "postgresql", pg.close)
    return None


@contextmanager
def _connect(url: str) -> Iterator[_Connection]:
    connection = _direct(url)
    engine = None
    if connection is None:
        from assetctl.db import make_engine

        engine = make_engine(url)
        raw = engine.raw_connection()
        connection = _Connection(raw.dbapi_connection, engine.dialect.name, raw.close)
    try:
        yield connection
    finally:
        connection.close()
        if engine is not None:
            engine.dispose()


def _check_revision(connection: _Connection, url: str) -> None:
    from assetctl.db import schema_problem

    cursor = connection.dbapi.cursor()
    try:
        cursor.execute("SELECT version_num FROM alembic_version")
        row = cursor.fetchone()
        revision = row[0] if row else None
    except Exception as exc:  # the driver's own error classes: sqlite3 or psycopg
        if "alembic_version" not in str(exc):
            raise DatabaseError(f"cannot open the database: {str(exc).strip()}") from None
        revision = None
    finally:
        cursor.close()
    problem = schema_problem(revision, _redact(url))
    if problem:
        raise DatabaseError(problem)


def _redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _query(dialect: str, filters: Filters, as_json: bool) -> tuple[str, list[Any]]:
    placeholder = "?" if dialect == "sqlite" else "%s"
    where, params = [], []
    for column in ("kind", "status", "origin"):
        value = getattr(filters, column)
        if value:
            where.append(f"{column} = {placeholder}")
            params.append(value)
    if filters.location:
        where.append(f"lower(location) = {placeholder}")
        params.append(filters.location.strip().lower())
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    pairs = [
        (name, (sqlite_expr if dialect == "sqlite" else pg_expr) or name)
        for name, sqlite_expr, pg_expr in FIELDS
    ]
    if not as_json:
        columns = ", ".join(expression for _, expression in pairs)
        return f"SELECT {columns} FROM asset{clause} ORDER BY tag", params
    if dialect == "sqlite":
        members = ", ".join(f"'{name}', {expression}" for name, expression in pairs)
        return f"SELECT json_object({members}) FROM asset{clause} ORDER BY tag", params
    # row_to_json over a subquery is cheaper than json_build_object on PostgreSQL; ::text
    # keeps psycopg from decoding the JSON we only pass on.
    columns = ", ".join(f"{expression} AS {name}" for name, expression in pairs)
    return (
        f"SELECT row_to_json(a)::text FROM (SELECT {columns} FROM asset{clause}) a ORDER BY a.tag",
        params,
    )


def _fetch(url: str, filters: Filters, as_json: bool) -> Iterator[Any]:
    with _connect(url) as connection:
        _check_revision(connection, url)
        sql, params = _query(connection.dialect, filters, as_json)
        cursor = connection.dbapi.cursor()
        try:
            cursor.execute(sql, params)
            while True:
                batch = cursor.fetchmany(5000)
                if not batch:
                    break
                yield from batch
        finally:
            cursor.close()


def json_lines(url: str, filters: Filters) -> Iterator[str]:
    """Each matching asset as one JSON object (text), by tag."""
    for (value,) in _fetch(url, filters, as_json=True):
        yield value


def rows(url: str, filters: Filters) -> Iterator[dict[str, Any]]:
    """Each matching asset as a dict of its public fields (text dates), by tag."""
    for record in _fetch(url, filters, as_json=False):
        yield dict(zip(FIELD_NAMES, record, strict=True))
