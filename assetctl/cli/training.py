"""`assetctl training`: training and support sessions for families."""

from __future__ import annotations

from datetime import date

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_rows, info, output_options
from assetctl.cli.params import DATE


@click.group()
def training() -> None:
    """Training sessions offered to families, and attendance (caseworker role)."""


@training.command("add")
@click.option("--date", "held_on", type=DATE, required=True)
@click.option("--topic", required=True)
@click.option("--place")
@pass_app
def training_add(app: AppContext, held_on: date, topic: str, place: str | None) -> None:
    """Record a session; prints its number."""
    from assetctl.trainings import add_session

    with app.session() as session:
        number = add_session(session, app.who(session), held_on, topic, place).id
    click.echo(number)


@training.command("record")
@click.argument("session_number", metavar="SESSION", type=int)
@click.argument("refs", nargs=-1, required=True)
@click.option(
    "--status",
    type=click.Choice(["offered", "attended", "absent", "declined"]),
    default="attended",
    show_default=True,
)
@pass_app
def training_record(
    app: AppContext, session_number: int, refs: tuple[str, ...], status: str
) -> None:
    """Record households as offered, attended, absent or declined for a session."""
    from assetctl.households import find
    from assetctl.trainings import get, record

    with app.session() as session:
        actor = app.who(session)
        training_session = get(session, session_number)
        for ref in refs:
            record(session, actor, training_session, find(session, ref), status)
    info(f"session {session_number}: {len(refs)} household(s) {status}")


@training.command("list")
@output_options
@pass_app
def training_list(app: AppContext, output: str) -> None:
    """Sessions, with how many households were offered, attended, absent, declined."""
    from assetctl.trainings import ATTENDANCE, list_rows

    with app.session() as session:
        rows = list_rows(session, app.who(session))
    emit_rows(rows, ("session", "held_on", "topic", "place", *ATTENDANCE), output)
