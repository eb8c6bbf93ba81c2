"""`assetctl asset`: register, import, find, edit and move devices through their life."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import (
    emit_json,
    emit_json_lines,
    emit_rows,
    info,
    output_options,
    warn,
)
from assetctl.cli.params import HISTORY_TEXT, WordType
from assetctl.errors import ValidationError
from assetctl.vocabulary import REUSE_DISPOSALS, Disposal, Kind, Origin

KIND_CHOICE = WordType(Kind)
ORIGIN_CHOICE = WordType(Origin)
DISPOSAL_CHOICE = WordType(Disposal)
TABLE_COLUMNS = ("tag", "kind", "status", "location", "manufacturer", "model", "serial")
STATUS_CHOICE = click.Choice(
    [
        "received",
        "wiped",
        "ready",
        "allocated",
        "on_loan",
        "given",
        "returned",
        "repair",
        "lost",
        "retired",
    ],
    case_sensitive=False,
)


@click.group()
def asset() -> None:
    """Register, find and edit devices."""


def _field_options(function: Any) -> Any:
    """Options shared by `asset add` and `asset edit`, named like the CSV import columns."""
    options = [
        click.option("--manufacturer", help="Manufacturer, e.g. Dell."),
        click.option("--model", help="Model, e.g. OptiPlex 7050."),
        click.option("--serial", help="Manufacturer's serial number (service tag)."),
        click.option(
            "--acquired",
            metavar="DATE",
            help="Purchase date (refurbished: the original one), 2014-03-01 or 01/03/2014.",
        ),
        click.option(
            "--former-inventory",
            metavar="N",
            help="Refurbished: the city's former inventory number.",
        ),
        click.option("--order-ref", metavar="R", help="Purchased: procurement order reference."),
        click.option("--supplier", help="Purchased: supplier."),
        click.option(
            "--unit-price",
            metavar="EUROS",
            help="Purchased: unit price excluding VAT, e.g. 349,90.",
        ),
        click.option(
            "--purchase-condition",
            metavar="new|reused",
            help="Purchased: new, or reused (bought refurbished or second-hand; reconditionné).",
        ),
        click.option(
            "--retired-on",
            metavar="DATE",
            help="Refurbished: the day the city's fleet retired it (default: the day registered).",
        ),
        click.option("--warranty-end", metavar="DATE", help="End of the warranty."),
        click.option("--cpu", help="Processor."),
        click.option("--ram", metavar="SIZE", help="Memory, e.g. 8G or 4096M (bare number: GiB)."),
        click.option("--battery-health", metavar="PCT", help="Laptop battery health, 0-100 %."),
        click.option(
            "--disk",
            "disks",
            multiple=True,
            metavar="SPEC",
            help="A disk: model=...,serial=...,size=500G,type=hdd|ssd|nvme (repeat for several).",
        ),
        click.option("--location", help="bench, storage, family, recycler, or a named place."),
        click.option("--notes", help="Condition notes."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@asset.command("add")
@click.option("--kind", required=True, type=KIND_CHOICE, help="Kind of device.")
@click.option(
    "--origin",
    required=True,
    type=ORIGIN_CHOICE,
    help="refurbished (former city desktop) or purchased.",
)
@click.option("--tag", help="Use this tag (e.g. a pre-printed label) instead of a new one.")
@_field_options
@click.option(
    "--disposal",
    type=DISPOSAL_CHOICE,
    help="A city device retired without entering the programme: how it left (recorded "
    "retired at once; sold and donated need a wipe first).",
)
@click.option(
    "--disposal-note",
    type=HISTORY_TEXT,
    help="With --disposal: the recycler's receipt, the recipient.",
)
@pass_app
def asset_add(
    app: AppContext,
    /,
    kind: str,
    origin: str,
    tag: str | None,
    disks: tuple[str, ...],
    disposal: str | None,
    disposal_note: str | None,
    **fields: str | None,
) -> None:
    """Register a device; prints its new tag.

    With --disposal, a city device that is not taken into the programme is recorded as
    retired at once, so that the reuse declaration (`report reuse`) counts it."""
    from assetctl.asset_fields import parse_disk
    from assetctl.assets import register

    for required in ("manufacturer", "model"):
        if not fields.get(required):
            raise click.UsageError(f"Missing option '--{required}'.")
    raw: dict[str, str | None] = {"kind": kind, "origin": origin, "tag": tag}
    raw.update({name: value for name, value in fields.items() if value is not None})
    if "location" not in raw:
        raw.pop("location", None)
    disk_inputs = [parse_disk(spec) for spec in disks]
    if disposal_note and not disposal:
        raise click.UsageError("--disposal-note goes with --disposal")
    if disposal in REUSE_DISPOSALS:
        raise ValidationError(
            f"a device {disposal} leaves with its disks: they must be wiped first; register it "
            f"without --disposal, wipe it on the bench, then `assetctl asset retire TAG "
            f"--reason {disposal} --note ...`"
        )
    with app.session() as session:
        result = register(session, app.settings, raw, actor=app.actor, disks=disk_inputs)
        tag_out = result.asset.tag
        if disposal:
            from assetctl.lifecycle import Status, change_status

            change_status(
                session,
                result.asset,
                Status.RETIRED,
                actor=app.actor,
                reason=disposal_note or disposal,
                disposal=disposal,
            )
    for message in result.warnings:
        warn(message)
    click.echo(tag_out)


@asset.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@pass_app
def asset_import(app: AppContext, file: Path, dry_run: bool) -> None:
    """Register every device of a CSV file, all or nothing.

    Columns: kind, manufacturer, model, serial, origin, acquired, former_inventory, order_ref,
    supplier, unit_price (excluding VAT), purchase_condition, retired_on, warranty_end, cpu,
    ram, battery_health, location, notes, tag.
    `;` or `,` delimited, UTF-8 or Windows-1252; dates 2014-03-01 or 01/03/2014.
    """
    from assetctl.asset_import import import_assets
    from assetctl.cli.progress import Progress

    with Progress(f"import {file.name}") as shown, app.session() as session:
        report = import_assets(
            session,
            app.settings,
            file,
            actor=app.actor,
            dry_run=dry_run,
            progress=lambda done, total: shown.count(done, total, "rows written"),
        )
    for message in report.warnings[:20]:
        warn(message)
    if len(report.warnings) > 20:
        warn(f"... and {len(report.warnings) - 20} more warnings")
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(report.by_kind.items()))
    if dry_run:
        info(f"Dry run: {report.rows} rows are valid ({kinds}); nothing was written.")
        return
    info(f"Imported {report.rows} device(s) ({kinds}).")
    for tag in report.tags:
        click.echo(tag)


@asset.command("list")
@click.option("--kind", type=KIND_CHOICE, help="Only this kind.")
@click.option("--status", type=STATUS_CHOICE, help="Only this status.")
@click.option("--origin", type=ORIGIN_CHOICE, help="Only this origin.")
@click.option("--location", help="Only this location.")
@output_options
@pass_app
def asset_list(
    app: AppContext,
    output: str,
    kind: str | None,
    status: str | None,
    origin: str | None,
    location: str | None,
) -> None:
    """List devices, by tag."""
    from assetctl import listing

    filters = listing.Filters(
        kind=kind and kind.lower(),
        status=status and status.lower(),
        origin=origin and origin.lower(),
        location=location,
    )
    if output == "json":
        emit_json_lines(listing.json_lines(app.database_url, filters))
        return
    count = emit_rows(
        listing.rows(app.database_url, filters),
        listing.FIELD_NAMES,
        output,
        table_columns=TABLE_COLUMNS,
    )
    if output == "table":
        info(f"{count} device(s)")


@asset.command("show")
@click.argument("tag")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@pass_app
def asset_show(app: AppContext, tag: str, as_json: bool) -> None:
    """Show one device (by tag, or by serial number) with its disks and its history."""
    from assetctl.assets import asset_view, find_by_tag_or_serial

    with app.session() as session:
        view = asset_view(session, find_by_tag_or_serial(session, tag))
    if as_json:
        emit_json(view)
        return
    _print_view(view)


def _print_view(view: dict[str, Any]) -> None:
    from assetctl.cli.output import cell, details_text, disk_text

    skip = {"disks", "history", "family_ready", "family_ready_problems"}
    for key, value in view.items():
        if key not in skip and value not in (None, ""):
            click.echo(f"{key:18} {cell(value)}")
    ready = "yes" if view["family_ready"] else "no: " + "; ".join(view["family_ready_problems"])
    click.echo(f"{'family_ready':18} {ready}")
    for index, disk in enumerate(view["disks"], 1):
        media = f", {disk['media_type']}" if disk["media_type"] else ""
        click.echo(
            f"{'disk ' + str(index):18} "
            f"{disk_text(disk['model'], disk['serial'], disk['size_bytes'])}{media}"
        )
    click.echo("history:")
    for event in view["history"]:
        move = ""
        if event["to_status"]:
            move = f" {event['from_status'] or '-'} -> {event['to_status']}"
        reason = f"  ({cell(event['reason'])})" if event["reason"] else ""
        details = event["details"] or {}
        changes = details.get("changes")
        what = ""
        if details and not changes:
            what = "  " + details_text(details)
        if changes:
            what = "  " + ", ".join(
                f"{k}: {cell(v[0]) or '-'} -> {cell(v[1]) or '-'}"
                for k, v in changes.items()
                if k != "disks"
            )
            if "disks" in changes:
                what += " disks changed"
        click.echo(
            f"  {cell(event['at'])}  {event['actor']:12} {event['action']}{move}{what}{reason}"
        )


@asset.command("edit")
@click.argument("tag")
@_field_options
@click.option("--origin", type=ORIGIN_CHOICE, help="refurbished or purchased.")
@click.option("--clear-disks", is_flag=True, help="Remove the recorded disks.")
@click.option("--reason", type=HISTORY_TEXT, help="Why (kept in the history).")
@pass_app
def asset_edit(
    app: AppContext,
    /,
    tag: str,
    disks: tuple[str, ...],
    clear_disks: bool,
    reason: str | None,
    **fields: str | None,
) -> None:
    """Change fields of a device (an empty value clears an optional field)."""
    from assetctl.asset_fields import parse_disk
    from assetctl.assets import edit, find_asset

    raw = {name: value for name, value in fields.items() if value is not None}
    disk_inputs = [parse_disk(spec) for spec in disks] if disks or clear_disks else None
    if not raw and disk_inputs is None:
        raise click.UsageError("Nothing to change: give at least one option, e.g. --location.")
    with app.session() as session:
        found = find_asset(session, tag)
        changes = edit(
            session, app.settings, found, raw, actor=app.actor, disks=disk_inputs, reason=reason
        )
        tag_out = found.tag
    if not changes:
        info(f"{tag_out}: nothing changed.")
        return
    info(f"{tag_out}: changed {', '.join(changes)}.")


@asset.command("status")
@click.argument("tag")
@click.argument("status", type=STATUS_CHOICE)
@click.option("--reason", required=True, type=HISTORY_TEXT, help="Why (kept in the history).")
@pass_app
def asset_status(app: AppContext, tag: str, status: str, reason: str) -> None:
    """Move a device to another status, if the lifecycle rules allow it."""
    from assetctl.assets import find_asset
    from assetctl.lifecycle import change_status

    with app.session() as session:
        found = find_asset(session, tag)
        event = change_status(session, found, status, actor=app.actor, reason=reason)
        line = f"{found.tag}: {event.from_status} -> {event.to_status}"
    info(line)


@asset.command("retire")
@click.argument("tag")
@click.option(
    "--reason",
    required=True,
    type=DISPOSAL_CHOICE,
    help="Disposal reason (sold, donated: to a recipient who commits to reuse it).",
)
@click.option(
    "--note",
    type=HISTORY_TEXT,
    help="Free text kept in the history: the recycler's receipt; for sold or donated, the "
    "recipient and its reuse commitment (the reuse declaration's proof).",
)
@pass_app
def asset_retire(app: AppContext, tag: str, reason: str, note: str | None) -> None:
    """Take a device out of the fleet for good (its history stays)."""
    from assetctl.assets import find_asset
    from assetctl.lifecycle import Status, change_status

    with app.session() as session:
        found = find_asset(session, tag)
        change_status(
            session,
            found,
            Status.RETIRED,
            actor=app.actor,
            reason=note or reason,
            disposal=reason,
        )
        line = f"{found.tag}: retired ({reason})"
    info(line)
