"""`assetctl db`: schema migrations."""

from __future__ import annotations

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import info


@click.group()
def db() -> None:
    """Database schema: upgrade, current revision."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Apply the migrations this version of assetctl ships."""
    from assetctl.db import upgrade

    before, after = upgrade(app.engine(check_schema=False))
    if before == after:
        info(f"Database already at revision {after}.")
    else:
        info(f"Database upgraded: {before or 'empty'} -> {after}.")


@db.command("current")
@pass_app
def db_current(app: AppContext) -> None:
    """Print the schema revision of the database and the one this assetctl expects."""
    from assetctl.db import current_revision
    from assetctl.migrations import HEAD

    revision = current_revision(app.engine(check_schema=False))
    click.echo(f"database: {revision or 'not initialised'}")
    click.echo(f"expected: {HEAD}")
