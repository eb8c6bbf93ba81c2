"""`assetctl label`: print QR asset labels, reserve pre-printed ones, calibrate printers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from assetctl.cli.asset import KIND_CHOICE, STATUS_CHOICE
from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_rows, info, output_options, warn
from assetctl.cli.params import OUTPUT_FILE
from assetctl.cli.progress import Progress


@click.group()
def label() -> None:
    """Print QR asset labels on sheets or label printers."""


def _destination_options(function: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "-o",
                "--output",
                type=OUTPUT_FILE,
                help="Write the labels to this PDF file.",
            ),
            click.option("--printer", help="Send to this CUPS printer (lpstat -p lists them)."),
            click.option("--layout", help="Label layout (`assetctl label layouts`)."),
            click.option(
                "--length", type=float, metavar="MM", help="Continuous tape: cut length in mm."
            ),
            click.option(
                "--calibration",
                metavar="PRINTER",
                help="Apply this printer's saved offsets (default: --printer's).",
            ),
        ]
    ):
        function = option(function)
    return function


def _parse_since(value: str | None) -> date | None:
    if value is None:
        return None
    from assetctl.asset_fields import parse_date

    return parse_date("--since", value)


@label.command("print")
@click.argument("tags", nargs=-1)
@click.option("--status", type=STATUS_CHOICE, help="Every device with this status.")
@click.option("--kind", type=KIND_CHOICE, help="Every device of this kind.")
@click.option("--since", metavar="DATE", help="Every device registered since DATE.")
@_destination_options
@click.option(
    "--skip",
    type=int,
    default=0,
    show_default=True,
    help="Leave the first N labels of the sheet (a partly used sheet).",
)
@click.option("--copies", type=int, default=1, show_default=True, help="Labels per device.")
@pass_app
def label_print(
    app: AppContext,
    tags: tuple[str, ...],
    status: str | None,
    kind: str | None,
    since: str | None,
    output: Path | None,
    printer: str | None,
    layout: str | None,
    length: float | None,
    calibration: str | None,
    skip: int,
    copies: int,
) -> None:
    """Print the labels of devices, by tag or by filter, to a PDF or a printer."""
    from assetctl.labels import jobs

    settings = app.settings
    plan = jobs.prepare(
        settings,
        layout=layout,
        length=length,
        output=output,
        printer=printer,
        calibration=calibration,
        skip=skip,
        copies=copies,
    )
    with app.session() as session:
        assets = jobs.select_assets(
            session,
            tags=tags,
            status=status and status.lower(),
            kind=kind and kind.lower(),
            since=_parse_since(since),
        )
        info(
            f"Printing {len(assets) * copies} label(s) on {plan.layout.name} to "
            f"{plan.where.describe()}..."
        )
        with Progress("labels") as shown:
            result, job = jobs.print_labels(
                session,
                settings,
                assets,
                layout=plan.layout,
                where=plan.where,
                actor=app.actor,
                skip=skip,
                copies=copies,
                offset=plan.offset,
                progress=lambda done, total: shown.count(done, total, "labels drawn"),
            )
    sent = f", job {job}" if job else ""
    info(f"{result.labels} label(s) on {result.pages} page(s){sent}.")
    if output:
        click.echo(str(output))


@label.command("reserve")
@click.option("--count", type=int, required=True, help="How many tags to reserve.")
@click.option("--kind", type=KIND_CHOICE, required=True, help="Kind of device they are for.")
@_destination_options
@click.option(
    "--skip", type=int, default=0, show_default=True, help="Leave the first N labels of the sheet."
)
@pass_app
def label_reserve(
    app: AppContext,
    count: int,
    kind: str,
    output: Path | None,
    printer: str | None,
    layout: str | None,
    length: float | None,
    calibration: str | None,
    skip: int,
) -> None:
    """Reserve the next tags and print them, to stick on devices before registering them.

    A reserved tag is claimed when a device is registered with it (`asset add --tag`).
    """
    from assetctl.labels import jobs

    settings = app.settings
    plan = jobs.prepare(
        settings,
        layout=layout,
        length=length,
        output=output,
        printer=printer,
        calibration=calibration,
        skip=skip,
    )
    with app.session() as session, Progress("labels") as shown:
        tags, result = jobs.print_reserved(
            session,
            settings,
            kind=kind.lower(),
            count=count,
            actor=app.actor,
            layout=plan.layout,
            where=plan.where,
            skip=skip,
            offset=plan.offset,
            progress=lambda done, total: shown.count(done, total, "labels drawn"),
        )
    info(
        f"Reserved {len(tags)} tag(s), {tags[0]} to {tags[-1]}; {result.labels} label(s) "
        f"printed to {plan.where.describe()}."
    )
    for tag in tags:
        click.echo(tag)


@label.command("test-sheet")
@_destination_options
@pass_app
def label_test_sheet(
    app: AppContext,
    output: Path | None,
    printer: str | None,
    layout: str | None,
    length: float | None,
    calibration: str | None,
) -> None:
    """Print the outlines of a layout's labels, to check and calibrate a printer."""
    from assetctl.labels import jobs
    from assetctl.labels.render import render_test_sheet

    plan = jobs.prepare(
        app.settings,
        layout=layout,
        length=length,
        output=output,
        printer=printer,
        calibration=calibration,
    )
    jobs.produce(
        plan.where,
        lambda path: render_test_sheet(plan.layout, path, offset=plan.offset),
        f"assetctl test sheet {plan.layout.name}",
        plan.layout.cups_media,
    )
    info(
        f"Test sheet for {plan.layout.name} sent to {plan.where.describe()} (offset "
        f"x={plan.offset[0]:+.1f} y={plan.offset[1]:+.1f} mm). If the outlines are off the labels, "
        "measure by how much and run `assetctl label calibrate PRINTER --x MM --y MM`."
    )


@label.command("calibrate")
@click.argument("printer")
@click.option(
    "--x", "x_mm", type=float, required=True, help="Move everything right by MM (negative: left)."
)
@click.option(
    "--y", "y_mm", type=float, required=True, help="Move everything down by MM (negative: up)."
)
@pass_app
def label_calibrate(app: AppContext, printer: str, x_mm: float, y_mm: float) -> None:
    """Save a printer's offsets (in mm), applied to everything printed on it."""
    from assetctl.config import save_calibration

    path = save_calibration(printer, x_mm, y_mm)
    info(f"Calibration for {printer!r} saved in {path}: x={x_mm:+.2f} mm, y={y_mm:+.2f} mm.")


@label.command("layouts")
@output_options
def label_layouts(output: str) -> None:
    """List the label layouts (files in labels/)."""
    from assetctl.labels.layouts import all_layouts

    layouts, problems = all_layouts()
    for problem in problems:
        warn(f"{problem}; this layout is skipped")
    rows = [
        {
            "name": one.name,
            "medium": one.medium,
            "per_page": one.per_page,
            "label_mm": f"{one.label_width:g} x {one.label_height:g}",
            "description": one.description,
            "file": str(one.source),
        }
        for one in layouts
    ]
    emit_rows(
        rows,
        ("name", "medium", "per_page", "label_mm", "description", "file"),
        output,
        table_columns=("name", "medium", "per_page", "label_mm", "description"),
    )
