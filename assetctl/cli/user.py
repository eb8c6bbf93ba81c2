"""`assetctl user`: staff roles (admin only)."""

from __future__ import annotations

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_rows, info, output_options


@click.group()
def user() -> None:
    """Staff roles: technician, caseworker, admin (who may see families' personal data)."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["technician", "caseworker", "admin"]))
@pass_app
def user_add(app: AppContext, name: str, role: str) -> None:
    """Give NAME (an operator name, as recorded in the history) a role."""
    from assetctl.access import parse_role, set_role

    with app.session() as session:
        set_role(session, app.who(session), name, parse_role(role))
    info(f"{name}: {role}")


@user.command("remove")
@click.argument("name")
@pass_app
def user_remove(app: AppContext, name: str) -> None:
    """Remove NAME from the staff list (it becomes a technician)."""
    from assetctl.access import remove

    with app.session() as session:
        remove(session, app.who(session), name)
    info(f"{name}: removed (technician rights only)")


@user.command("list")
@output_options
@pass_app
def user_list(app: AppContext, output: str) -> None:
    """List staff and their roles."""
    from assetctl.access import staff_list

    with app.session() as session:
        rows = [
            {"name": s.name, "role": s.role, "added_at": s.added_at, "added_by": s.added_by}
            for s in staff_list(session, app.who(session))
        ]
    emit_rows(rows, ("name", "role", "added_at", "added_by"), output)


@user.command("whoami")
@pass_app
def user_whoami(app: AppContext) -> None:
    """Your operator name and role."""
    with app.session() as session:
        actor = app.who(session)
    click.echo(f"{actor.name} {actor.role.value}")
