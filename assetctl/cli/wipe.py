"""`assetctl wipe`: wipe records and certificates of sanitisation."""

from __future__ import annotations

from pathlib import Path

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, emit_rows, info, output_options


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


@wipe.command("certificate")
@click.argument("tag")
@click.option("--number", help="This certificate (default: the device's last passed wipe).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF file (default: certificat-NUMBER.pdf).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON instead.")
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
        zone=app.settings.time_zone,
    )
    info(f"Certificate {record['certificate']} of {record['asset']['tag']} written.")
    click.echo(str(path))
