"""`assetctl audit`: the audits made with `assetctl scan --mode audit`."""

from __future__ import annotations

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_rows, info, output_options


@click.group()
def audit() -> None:
    """Inventories of places made with the scanning station."""


@audit.command("list")
@click.option("--location", help="Only audits of this place.")
@output_options
@pass_app
def audit_list(app: AppContext, location: str | None, output: str) -> None:
    """List audits, newest first."""
    from assetctl.audits import AUDIT_FIELDS, list_audits

    with app.session() as session:
        rows = list_audits(session, location)
    emit_rows(rows, AUDIT_FIELDS, output)


@audit.command("show")
@click.argument("audit_id", type=int)
@output_options
@pass_app
def audit_show(app: AppContext, audit_id: int, output: str) -> None:
    """Show an audit: missing, misplaced, unknown and found devices."""
    from assetctl.audits import ITEM_FIELDS, audit_items, audit_report_lines, get_audit

    with app.session() as session:
        found = get_audit(session, audit_id)
        items = audit_items(session, found)
        summary = audit_report_lines(session, found)[0]
    if output == "table":
        info(summary)
    emit_rows(items, ITEM_FIELDS, output)
