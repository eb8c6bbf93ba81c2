"""`assetctl committee`: sessions of the allocation committee, its agenda and decisions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_rows, info, output_options
from assetctl.cli.params import DATE, EUROS, OUTPUT_FILE, WordType
from assetctl.vocabulary import Mode, Outcome


@click.group()
def committee() -> None:
    """The allocation committee (caseworker or admin role)."""


@committee.command("open")
@click.option("--date", "held_on", type=DATE, required=True, help="Date of the sitting.")
@click.option("--member", "members", multiple=True, required=True, help="A member (repeat).")
@click.option("--place", help="Where it sits.")
@pass_app
def committee_open(
    app: AppContext, held_on: date, members: tuple[str, ...], place: str | None
) -> None:
    """Record a sitting, with the criteria in force; prints its number."""
    from assetctl.committee import open_session

    with app.session() as session:
        sitting = open_session(
            session, app.settings, app.who(session), held_on, list(members), place
        )
        number, criteria = sitting.id, sitting.criteria
    click.echo(number)
    info(f"Committee session {number} on {held_on}; criteria:")
    for n, text in enumerate(criteria, 1):
        info(f"  {n}. {text}")


@committee.command("sessions")
@output_options
@pass_app
def committee_sessions(app: AppContext, output: str) -> None:
    """List the sittings."""
    from assetctl.committee import sessions

    with app.session() as session:
        rows = sessions(session, app.who(session))
    emit_rows(rows, ("session", "held_on", "place", "members", "decisions", "approved"), output)


@committee.command("agenda")
@output_options
@pass_app
def committee_agenda(app: AppContext, output: str) -> None:
    """Households with a recommendation awaiting a decision (deferred ones included)."""
    from assetctl.committee import agenda

    with app.session() as session:
        rows = agenda(session, app.who(session))
    columns = ("ref", "qpv", "school", "recommended", "can_pay", "previous", "reasons")
    emit_rows(rows, columns, output)


@committee.command("decide")
@click.argument("session_number", metavar="SESSION", type=int)
@click.argument("ref")
@click.argument("outcome", type=WordType(Outcome))
@click.option(
    "--equipment", help="Approved equipment (default: the recommendation), e.g. laptop,printer."
)
@click.option("--mode", type=WordType(Mode), help="Contract mode (default loan).")
@click.option("--term", "term_months", type=click.IntRange(1, 120), help="Term in months.")
@click.option("--fee", "fee", type=EUROS, help="Rental: monthly fee in euros.")
@click.option("--programme-share", type=EUROS, help="Rental: the programme's share in euros.")
@click.option(
    "--criterion", "criteria", type=int, multiple=True, help="Number of a criterion met (repeat)."
)
@click.option("--rationale", help="Why (required to reject or defer).")
@pass_app
def committee_decide(
    app: AppContext,
    session_number: int,
    ref: str,
    outcome: str,
    equipment: str | None,
    mode: str | None,
    term_months: int | None,
    fee: int | None,
    programme_share: int | None,
    criteria: tuple[int, ...],
    rationale: str | None,
) -> None:
    """Record the committee's decision on a household."""
    from assetctl.committee import DecisionInput, decide, get_session, parse_mode
    from assetctl.households import find

    kit = [e.strip().lower() for e in equipment.split(",") if e.strip()] if equipment else None
    given = DecisionInput(
        outcome=outcome,
        equipment=kit,
        mode=parse_mode(mode) if mode else None,
        term_months=term_months,
        monthly_fee_cents=fee,
        programme_share_cents=programme_share,
        criteria_met=criteria,
        rationale=rationale,
    )
    with app.session() as session:
        decision = decide(
            session,
            app.settings,
            app.who(session),
            get_session(session, session_number),
            find(session, ref),
            given,
        )
        summary = f"{ref.upper()}: {decision.outcome}"
        if decision.outcome == "approved":
            summary += f" {', '.join(decision.equipment or [])} ({decision.mode}"
            summary += f", {decision.term_months} months)" if decision.term_months else ")"
    info(summary)


@committee.command("minutes")
@click.argument("session_number", metavar="SESSION", type=int)
@click.option("-o", "--output", "path", type=OUTPUT_FILE, required=True)
@pass_app
def committee_minutes(app: AppContext, session_number: int, path: Path) -> None:
    """The sitting's minutes, in French (PDF)."""
    from assetctl.committee import get_session, minutes_record
    from assetctl.documents.family import render_minutes

    with app.session() as session:
        record = minutes_record(
            session, app.settings, app.who(session), get_session(session, session_number)
        )
    from assetctl.private_files import private_file

    render_minutes(record, private_file(path))  # a rationale may name a family's situation
    info(f"Minutes of session {session_number}: {path}")
