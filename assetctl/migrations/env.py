"""Alembic environment: runs against the engine assetctl hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from assetctl.models import load_all

config = context.config


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from assetctl.config import load_settings, resolve_database_url
        from assetctl.db import make_engine

        engine = make_engine(resolve_database_url(load_settings()))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=load_all(),
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
