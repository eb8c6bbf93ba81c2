"""`assetctl report`: counts, indicators, costs, bench throughput, targets, the PDF report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, emit_rows, euros_text, excel_option, info
from assetctl.cli.params import DATE, OUTPUT_FILE
from assetctl.reports.reuse import FIRST_YEAR, LAST_YEAR


def formats(function: Callable[..., Any]) -> Callable[..., Any]:
    """--json, --csv (--excel), --xlsx (with -o FILE); a table by default."""
    function = excel_option(function)
    function = click.option(
        "-o", "--output-file", "path", type=OUTPUT_FILE,
        help="The file --xlsx writes.",
    )(function)  # fmt: skip
    for flag, value, text in (
        ("--xlsx", "xlsx", "Write an Excel workbook (-o FILE)."),
        ("--csv", "csv", "Output CSV."),
        ("--json", "json", "Output JSON."),
    ):
        function = click.option(flag, "output", flag_value=value, help=text)(function)
    return click.option("--table", "output", flag_value="table", default=True, hidden=True)(
        function
    )


def period_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("--to", "end", type=DATE, help="Last day (inclusive).")(function)
    return click.option("--from", "start", type=DATE, help="First day.")(function)


def _xlsx_path(output: str, path: Path | None) -> Path | None:
    if output == "xlsx" and path is None:
        raise click.UsageError("--xlsx writes a file: give it with -o FILE")
    if output != "xlsx" and path is not None:
        raise click.UsageError("-o FILE goes with --xlsx")
    return path


def _sheets(app: AppContext, path: Path, sheets: dict[str, tuple[Any, Any]]) -> None:
    from assetctl.documents.spreadsheet import write_xlsx

    write_xlsx(path, sheets, app.settings.time_zone)
    info(f"Workbook written: {path}")


@click.group()
def report() -> None:
    """Reports: material counts, the programme's indicators, costs, the bench's throughput."""


@report.command("counts")
@click.option(
    "--by", "by_text", default="kind", show_default=True, metavar="DIMS",
    help="Any of kind,status,origin,location,qpv,school,mode, comma-separated.",
)  # fmt: skip
@click.option("--at", "at", type=DATE, help="As it was at the end of that day (from the history).")
@formats
@pass_app
def report_counts(
    app: AppContext, by_text: str, at: date | None, output: str, path: Path | None
) -> None:
    """Devices counted by any combination of dimensions, with the total."""
    from assetctl.reports import counts, parse_dimensions

    by = parse_dimensions(by_text)
    xlsx = _xlsx_path(output, path)
    with app.session() as session:
        rows = counts(session, by, at)
    columns = (*by, "devices")
    if xlsx:
        _sheets(app, xlsx, {"Matériel": (columns, rows)})
        return
    if output == "json":
        emit_json(rows)
        return
    emit_rows(rows, columns, output)


@report.command("indicators")
@period_options
@formats
@pass_app
def report_indicators(
    app: AppContext, start: date | None, end: date | None, output: str, path: Path | None
) -> None:
    """The programme's evaluation indicators, overall, by neighbourhood and by school."""
    from assetctl.reports import Period, indicators

    xlsx = _xlsx_path(output, path)
    with app.session() as session:
        data = indicators(session, Period(start, end))
    overall = [{"indicator": k, "value": v} for k, v in data["overall"].items()]
    overall += [{"indicator": k, "value": v} for k, v in data["cost_to_families"].items()]
    if xlsx:
        _sheets(
            app,
            xlsx,
            {
                "Indicateurs": (("indicator", "value"), overall),
                "Matériels fournis": (
                    ("kind", "mode", "devices"),
                    data["devices_by_kind_and_mode"],
                ),
                "Par quartier": (AREA_COLUMNS, data["by_area"]),
                "Par école": (SCHOOL_COLUMNS, data["by_school"]),
                "Recensement": (TARGET_COLUMNS, data["targets"]),
            },
        )
        return
    if output == "json":
        emit_json(data)
        return
    if output == "csv":
        emit_rows(data["by_school"], SCHOOL_COLUMNS, output)
        return
    shown = [
        {
            "indicator": r["indicator"].removesuffix("_cents").replace("_", " "),
            "value": euros_text(r["value"]) if r["indicator"].endswith("_cents") else r["value"],
        }
        for r in overall
    ]
    emit_rows(shown, ("indicator", "value"), output)
    for title, columns, rows in (
        ("Devices supplied", ("kind", "mode", "devices"), data["devices_by_kind_and_mode"]),
        ("By neighbourhood", AREA_COLUMNS, data["by_area"]),
        ("By school", SCHOOL_COLUMNS, data["by_school"]),
        ("Census targets", TARGET_COLUMNS, data["targets"]),
    ):
        if rows:
            click.echo(f"\n{title}")
            emit_rows(rows, columns, output)


AREA_COLUMNS = (
    "qpv",
    "families_equipped",
    "internet_before",
    "internet_now",
    "training_accepted",
    "training_offered",
    "training_attended",
)
SCHOOL_COLUMNS = ("school", "planned_households", *AREA_COLUMNS)
TARGET_COLUMNS = ("qpv", "schools", "planned_households", "diagnosed", "equipped",
                  "progress_percent")  # fmt: skip
COST_COLUMNS = ("kind", "origin", "devices", "priced", "purchase", "refurbishment", "total",
                "average")  # fmt: skip


COST_ITEMS = {
    "refurbishment_per_device": "refurbishment per device",
    "total": "total spent",
    "budget_equipment": "equipment budget",
    "budget_total": "plan's total budget",
    "remaining_equipment": "equipment budget left",
}


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f}"


def _cost_cells(row: dict[str, Any], refurbishment_per_device: int) -> dict[str, Any]:
    """A cost row for people: a city desktop was not bought, and a cost nobody entered says
    "not set" rather than 0.00 (the PDF's own rule, documents.report._cost_cells)."""
    shown = dict(row)
    if row["origin"] == "refurbished":
        shown["purchase"] = "no purchase"
        if not refurbishment_per_device:
            shown["refurbishment"] = shown["total"] = shown["average"] = "not set"
    else:
        shown["refurbishment"] = "-"
        if not row["priced"]:
            shown["purchase"] = shown["total"] = shown["average"] = "not set"
    return shown


@report.command("costs")
@formats
@pass_app
def report_costs(app: AppContext, output: str, path: Path | None) -> None:
    """Purchase and refurbishment cost per kind, in total, against the configured budget."""
    from assetctl.reports import costs

    xlsx = _xlsx_path(output, path)
    with app.session() as session:
        data = costs(session, app.settings)
    rows = [
        {**r, **{k[:-6]: _euros(v) for k, v in r.items() if k.endswith("_cents")}}
        for r in data["by_kind"]
    ]
    if output == "table":
        rows = [_cost_cells(row, data["refurbishment_per_device_cents"]) for row in rows]
    unset = {  # 0 in the configuration: nobody entered it (config set programme.…)
        "refurbishment_per_device_cents": not data["refurbishment_per_device_cents"],
        "budget_equipment_cents": not data["budget_equipment_cents"],
        "remaining_equipment_cents": not data["budget_equipment_cents"],
        "budget_total_cents": not data["budget_total_cents"],
    }
    summary = [
        {"item": COST_ITEMS[k[:-6]], "euros": "not set" if unset.get(k) else _euros(v)}
        for k, v in data.items()
        if k.endswith("_cents")
    ]
    if xlsx:
        cents = [c if c in ("kind", "origin", "devices", "priced") else f"{c}_cents"
                 for c in COST_COLUMNS]  # fmt: skip
        budget = [{"item": k, "value": v} for k, v in data.items() if k.endswith("_cents")]
        _sheets(
            app,
            xlsx,
            {"Coûts": (cents, data["by_kind"]), "Budget": (("item", "value"), budget)},
        )
        return
    if output == "json":
        emit_json(data)
        return
    emit_rows(rows, COST_COLUMNS, output)
    if output == "table":
        click.echo("")
        emit_rows(summary, ("item", "euros"), output)
        if data["unpriced_devices"]:
            info(f"{data['unpriced_devices']} purchased device(s) have no price recorded")
        if not data["refurbishment_per_device_cents"]:
            info(
                "the refurbishment cost per device is not set: `[budget] "
                "refurbishment_per_device` in config.toml (euros)"
            )


@report.command("bench")
@period_options
@click.option("--per", type=click.Choice(["day", "week"]), default="day", show_default=True)
@formats
@pass_app
def report_bench(
    app: AppContext,
    start: date | None,
    end: date | None,
    per: str,
    output: str,
    path: Path | None,
) -> None:
    """The bench's throughput: registered, discovered, wiped, imaged, ready per day or week;
    failure rates by model and step; median durations."""
    from assetctl.reports import Period, throughput

    xlsx = _xlsx_path(output, path)
    with app.session() as session:
        data = throughput(session, Period(start, end), per)
    columns = (per, "registered", "discovered", "wiped", "imaged", "ready")
    failure_columns = ("manufacturer", "model", "step", "runs", "failed", "failure_rate_percent")
    if xlsx:
        _sheets(
            app,
            xlsx,
            {"Débit": (columns, data["rows"]), "Échecs": (failure_columns, data["failures"])},
        )
        return
    if output == "json":
        emit_json(data)
        return
    emit_rows(data["rows"], columns, output)
    if output == "table":
        click.echo("")
        emit_rows(data["failures"], failure_columns, output)
        from assetctl.cli.progress import elapsed

        medians = ", ".join(f"{k} {elapsed(v * 60)}" for k, v in data["median_minutes"].items())
        info(f"median durations: {medians or 'no run yet'}")


@report.group("targets")
def targets() -> None:
    """The census targets: planned households per school."""


@targets.command("import")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def targets_import(app: AppContext, csv_path: Path) -> None:
    """Replace the targets with a census file (qpv,school,school_level,planned_households,note)."""
    from assetctl.reports import import_targets

    with app.session() as session:
        imported = import_targets(session, app.settings, app.who(session), csv_path)
        areas = {t.qpv for t in imported}
        planned = sum(t.planned_households or 0 for t in imported)
    info(
        f"{csv_path}: {len(imported)} schools, {planned} planned households across "
        f"{len(areas)} areas"
    )


@targets.command("list")
@formats
@pass_app
def targets_list(app: AppContext, output: str, path: Path | None) -> None:
    """The targets in force."""
    from assetctl.reports import targets as all_targets

    xlsx = _xlsx_path(output, path)
    with app.session() as session:
        rows = all_targets(session)
    columns = ("qpv", "school", "school_level", "planned_households", "note")
    if xlsx:
        _sheets(app, xlsx, {"Recensement": (columns, rows)})
        return
    emit_rows(rows, columns, output)


@report.command("pdf")
@period_options
@click.option("-o", "--output", "path", type=OUTPUT_FILE, required=True)
@pass_app
def report_pdf(app: AppContext, start: date | None, end: date | None, path: Path) -> None:
    """The report for the committee and funders, in French, with tables and charts."""
    from assetctl.cli.progress import Progress
    from assetctl.documents.report import render_report
    from assetctl.reports import Period, costs, counts, generated_at, indicators, throughput

    period = Period(start, end)
    with Progress("report") as shown, app.session() as session:
        shown.step("reading the figures")
        record = {
            "organisation": app.settings.organisation,
            "time_zone": app.settings.time_zone,
            "period_label": period.label(),
            "generated_at": generated_at(),
            "indicators": indicators(session, period),
            "counts": counts(session, ["kind"]),
            "counts_by_status": counts(session, ["kind", "status"]),
            "costs": costs(session, app.settings),
            "throughput": throughput(session, period),
        }
        shown.step("typesetting the PDF")
        render_report(record, path)
    info(f"Report written: {path}")


@report.command("reuse")
@click.option(
    "--year",
    type=click.IntRange(FIRST_YEAR, LAST_YEAR),
    help="The calendar year declared (default: last year).",
)
@click.option("--xlsx", "as_xlsx", is_flag=True, help="Write the workbook (-o FILE), not the PDF.")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option(
    "-o", "--output", "path", type=OUTPUT_FILE, help="The PDF, or with --xlsx the workbook."
)
@pass_app
def report_reuse(
    app: AppContext, year: int | None, as_xlsx: bool, as_json: bool, path: Path | None
) -> None:
    """The year's reuse declaration: the REEN ratio (retired devices oriented to reuse over the
    retired stock on 1 January, devices over 10 years old left out, each reuse with its proof)
    and the AGEC share of the year's computer purchases excluding VAT (PDF in French, a
    workbook, JSON, or the figures)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from assetctl.reports.reuse import reuse_record

    if as_xlsx and path is None:
        raise click.UsageError("--xlsx writes a file: give it with -o FILE")
    if as_json and (as_xlsx or path):
        raise click.UsageError("--json prints the record: without --xlsx or -o")
    zone = app.settings.time_zone
    year = year or datetime.now(ZoneInfo(zone)).year - 1
    with app.session() as session:
        record = reuse_record(session, year, zone=zone)
    if as_json:
        emit_json(record)
        return
    if path is not None:
        from assetctl.documents.reuse import render_reuse, reuse_sheets

        if as_xlsx:
            _sheets(app, path, reuse_sheets(record))
        else:
            render_reuse(record, path, organisation=app.settings.organisation)
            info(f"Reuse declaration for {year} written.")
        click.echo(str(path))
        return
    reen, agec = record["reen"], record["agec"]
    ratio = "-" if reen["ratio"] is None else f"{reen['ratio'] * 100:.1f} %"
    share = "-" if agec["share"] is None else f"{agec['share'] * 100:.1f} %"
    rows = [
        {"item": f"sent to reuse in {year} (A)", "value": reen["sent_to_reuse"]},
        {"item": f"retired stock on 1 January {year} (B)", "value": reen["stock_on_1_january"]},
        {"item": "REEN ratio A / B", "value": ratio},
        {"item": "excluded (over 10 years when retired)", "value": len(reen["excluded"])},
        {
            "item": f"computers bought in {year}, excl. VAT",
            "value": euros_text(agec["spend_cents"]),
        },
        {"item": "of which reused or refurbished", "value": euros_text(agec["reused_cents"])},
        {"item": "AGEC share", "value": share},
    ]
    emit_rows(rows, ("item", "value"), "table")
