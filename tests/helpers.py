"""Test helpers shared across modules."""

from __future__ import annotations

from typing import Any

import sqlalchemy


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every assetctl table, sorted: equal snapshots mean nothing changed."""
    from assetctl.db import make_engine
    from assetctl.models import metadata

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return {
                name: sorted(
                    (tuple(map(repr, row)) for row in connection.execute(table.select())),
                )
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


def count_rows(db_url: str, table: str) -> int:
    from assetctl.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(sqlalchemy.text(f"SELECT count(*) FROM {table}")).scalar_one()
            )
    finally:
        engine.dispose()


def add_args(
    kind: str, origin: str, manufacturer: str, model: str, serial: str, *extra: str
) -> list[str]:
    """The arguments of `assetctl asset add` for a device."""
    return [
        "asset", "add", "--kind", kind, "--origin", origin, "--manufacturer", manufacturer,
        "--model", model, "--serial", serial, *extra,
    ]  # fmt: skip
