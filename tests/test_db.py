"""Migrations and the database engine, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy

from assetctl.migrations import HEAD
from tests.conftest import Cli


def test_head_constant_matches_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from assetctl.db import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config(None))
    assert script.get_heads() == [HEAD]


def test_models_and_migrations_do_not_drift(engine: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from assetctl.models import load_all

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, load_all()) == []


def test_sqlite_runs_with_wal_and_foreign_keys(cli_db: Cli) -> None:
    if not cli_db.db_url.startswith("sqlite"):
        return
    from assetctl.db import make_engine

    engine = make_engine(cli_db.db_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_foreign_keys_are_enforced(engine: Any) -> None:
    import pytest

    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "INSERT INTO asset_event (asset_id, at, actor, action) "
                "VALUES (999, CURRENT_TIMESTAMP, 'x', 'y')"
            )
        )


def test_old_schema_is_refused_until_upgraded(cli_db: Cli, engine: Any) -> None:
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = '0000'"))
    result = cli_db.fails("asset", "list")
    assert "schema is at revision 0000" in result.stderr
    assert "assetctl db upgrade" in result.stderr
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f"UPDATE alembic_version SET version_num = '{HEAD}'"))
    current = cli_db.ok("db", "current").stdout
    assert f"database: {HEAD}" in current
    assert "already at revision" in cli_db.ok("db", "upgrade").stderr
