"""`assetctl wipe`: wipe records and certificates of sanitisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, emit_rows, info, output_options
from assetctl.cli.params import DATE, OUTPUT_FILE, WordType
from assetctl.vocabulary import ManualStep

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def wipe() -> None:
    """Wipe records and certificates of sanitisation."""


@wipe.command("list")
@click.option("--tag", help="Only this device's wipes.")
@output_options
@pass_app
def wipe_list(app: AppContext, tag: str | None, output: str) -> None:
    """List wipes, newest first (failed and interrupted ones too)."""
    from assetctl.wipes import LIST_FIELDS, list_wipes

    with app.session() as session:
        rows = list_wipes(session, tag)
    emit_rows(rows, LIST_FIELDS, output)


def pdf_or_json(default_name: str) -> Callable[[F], F]:
    """``-o FILE`` for the PDF, or ``--json`` for the record it is made of."""

    def decorate(function: F) -> F:
        function = click.option(
            "--json", "as_json", is_flag=True, help="Print the record as JSON instead."
        )(function)
        return click.option(
            "-o",
            "--output",
            type=OUTPUT_FILE,
            help=f"PDF file (default: {default_name}).",
        )(function)

    return decorate


@wipe.command("certificate")
@click.argument("tag")
@click.option("--number", help="This certificate (default: the device's last passed wipe).")
@pdf_or_json("certificat-NUMBER.pdf")
@click.option(
    "--destination",
    default="Réemploi : équipement d'une famille du programme",
    show_default=True,
    help="Post-sanitisation destination printed on it.",
)
@pass_app
def wipe_certificate(
    app: AppContext,
    tag: str,
    number: str | None,
    output: Path | None,
    as_json: bool,
    destination: str,
) -> None:
    """Print a device's numbered certificate of sanitisation (PDF in French, or JSON)."""
    from assetctl.wipes import certificate_record

    with app.session() as session:
        record = certificate_record(session, tag, number)
    if as_json:
        emit_json(record)
        return
    from assetctl.documents.certificate import render_certificate

    path = output or Path(f"certificat-{record['certificate']}.pdf")
    render_certificate(
        record,
        path,
        organisation=app.settings.organisation,
        destination=destination,
        validator=app.settings.wipe.validator,
        zone=app.settings.time_zone,
    )
    info(f"Certificate {record['certificate']} of {record['asset']['tag']} written.")
    click.echo(str(path))


@wipe.command("summary")
@click.option("--from", "since", type=DATE, help="First day (default: today).")
@click.option("--to", "until", type=DATE, help="Last day (default: the first day).")
@click.option("--bench", "bench_host", help="Only the wipes of this bench host.")
@pdf_or_json("releve-effacements-FROM.pdf")
@pass_app
def wipe_summary(
    app: AppContext,
    since: date | None,
    until: date | None,
    bench_host: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """The batch summary of a day's (or a period's) wipes: one line per machine with its
    certificate's number, and the totals (PDF in French, or JSON)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from assetctl.wipes import batch_record

    first = since or datetime.now(ZoneInfo(app.settings.time_zone)).date()
    with app.session() as session:
        record = batch_record(
            session, first, until or first, zone=app.settings.time_zone, bench_host=bench_host
        )
    if as_json:
        emit_json(record)
        return
    from assetctl.documents.certificate import render_batch

    path = output or Path(f"releve-effacements-{first.isoformat()}.pdf")
    render_batch(record, path, organisation=app.settings.organisation, zone=app.settings.time_zone)
    totals = record["totals"]
    info(
        f"Batch summary: {totals['machines']} machine(s), {totals['passed']} passed, "
        f"{totals['failed']} failed or interrupted."
    )
    click.echo(str(path))


@wipe.command("validate")
@click.argument("tag")
@click.option("--number", help="This wipe's certificate (default: the device's last passed wipe).")
@pass_app
def wipe_validate(app: AppContext, tag: str, number: str | None) -> None:
    """Accept a passed wipe's result (its validation, NIST SP 800-88 Rev. 2), as the person
    the policy names ([wipe] validator): once, and by someone other than the technician who
    ran it unless [wipe] separate_validator is false. The certificate then says who and when."""
    from assetctl.wipes import validate

    with app.session() as session:
        run = validate(
            session, tag, number, actor=app.actor, policy=app.settings.wipe,
            zone=app.settings.time_zone,
        )  # fmt: skip
        number = run.certificate_number
    info(f"Wipe {number} validated by {app.actor}.")
    click.echo(number)


@wipe.command("confirm")
@click.argument("tag")
@click.option(
    "--step",
    "steps",
    multiple=True,
    type=WordType(ManualStep),
    help="A manual step done (repeat): bios-password, firmware-defaults, previous-labels.",
)
@click.option("--all", "every", is_flag=True, help="Every manual step is done.")
@click.option("--number", help="This wipe's certificate (default: the device's last passed wipe).")
@pass_app
def wipe_confirm(
    app: AppContext, tag: str, steps: tuple[str, ...], every: bool, number: str | None
) -> None:
    """Confirm the steps done by hand before the device changes owner (ANSSI): the BIOS
    password removed, the firmware's settings reset, the previous owner's labels and codes
    removed. Kept on the wipe's record and printed on its certificate, with who and when."""
    from assetctl.wipes import confirm_steps

    if every == bool(steps):
        raise click.UsageError("give --step (one or more) or --all")
    chosen = list(ManualStep) if every else [ManualStep(s) for s in steps]
    with app.session() as session:
        run = confirm_steps(session, tag, number, chosen, actor=app.actor)
        number = run.certificate_number
    info(f"Wipe {number}: {', '.join(s.value for s in chosen)} confirmed by {app.actor}.")
    click.echo(number)


@wipe.command("policy")
@pdf_or_json("politique-effacement.pdf")
@pass_app
def wipe_policy(app: AppContext, output: Path | None, as_json: bool) -> None:
    """Print the programme's sanitisation policy from the configuration ([wipe]): which method
    for which media, how wipes are verified and validated and by whom, how long the records
    are kept (PDF in French, as an auditor asks for it, or JSON)."""
    from assetctl.sanitisation import policy_record

    record = policy_record(app.settings.wipe, app.settings.organisation)
    if as_json:
        emit_json(record)
        return
    from assetctl.documents.wipe_policy import render_policy

    path = render_policy(record, output or Path("politique-effacement.pdf"))
    info("Sanitisation policy written.")
    click.echo(str(path))
