"""`assetctl household`: the diagnostic form, recommendations, GDPR export and purge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import cell, describe, emit_json, emit_rows, info, output_options
from assetctl.cli.params import DATE, OUTPUT_FILE
from assetctl.vocabulary import RECORDED_CONTACTS

# field -> help; every field of the diagnostic form is an option of `add` and `edit`
FORM_HELP = {
    "child_name": "The child the form is about (name).",
    "representatives": "Legal representatives, separated by ';'.",
    "qpv": "Neighbourhood (QPV), one of the configured list, or 'hors QPV'.",
    "school": "The child's school.",
    "class_name": "The child's class (CM1, 6e...).",
    "phone": "Phone number.",
    "email": "E-mail address.",
    "address": "Postal address (for a delivery at home).",
    "adults": "Number of adults living at home.",
    "children": "Children living at home: 'Lina 2015-03-02; 20/11/2019' (name optional).",
    "landlord": "Social landlord (bailleur social).",
    "hosted_by": "Hosted by (hébergée par).",
    "digital_need": "The family considers it has digital needs: yes or no.",
    "computers": "Computers at home.",
    "computers_working": "Of which working.",
    "computer_type": "Type of the computers at home.",
    "printer": "Printer at home: none, working or broken.",
    "tablets": "Tablets at home.",
    "tablets_usable": "Of which usable.",
    "smartphones": "Smartphones at home.",
    "smartphones_usable": "Of which usable.",
    "internet": "Internet connection: none, subscription or problem.",
    "can_pay": "Can bear the cost of a rental: yes, partially or no.",
    "can_install": "Can install the equipment: yes, no or unknown.",
    "can_use": "Can use computer equipment: yes, partially or no.",
    "training": "Would accept a training session: yes, no or unknown.",
    "training_why": "Why not, or why unsure.",
    "requested": "Equipment requested: desktop, laptop, printer, internet (comma-separated).",
    "diagnosed_on": "Date of the interview.",
    "caseworker": "The family's caseworker (default: you).",
    "notes": "Notes.",
}
ROW_COLUMNS = ("ref", "qpv", "school", "children", "requested", "internet", "status")


def form_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for name in reversed(list(FORM_HELP)):
        flag = "--class" if name == "class_name" else "--" + name.replace("_", "-")
        function = click.option(flag, name, metavar="TEXT", help=FORM_HELP[name])(function)
    return function


def _given(fields: dict[str, Any]) -> dict[str, str | None]:
    return {name: value for name, value in fields.items() if value is not None}


@click.group()
def household() -> None:
    """Households (the diagnostic form). Personal fields: caseworker or admin role."""


@household.command("add")
@form_options
@pass_app
def household_add(app: AppContext, /, **fields: Any) -> None:
    """Record a household from its diagnostic form; prints its reference."""
    from assetctl.households import add, parse_form

    with app.session() as session:
        values = parse_form(app.settings, _given(fields))
        created = add(session, app.settings, app.who(session), values)
        ref = created.ref
    click.echo(ref)
    info(f"Household {ref} recorded.")


@household.command("edit")
@click.argument("ref")
@form_options
@pass_app
def household_edit(app: AppContext, /, ref: str, **fields: Any) -> None:
    """Change answers of a household's form (an empty value clears a field)."""
    from assetctl.households import edit, find, parse_form

    given = _given(fields)
    if not given:
        raise click.UsageError("say what to change, e.g. --internet subscription")
    with app.session() as session:
        values = parse_form(app.settings, given)
        changed = edit(session, app.who(session), find(session, ref), values)
    info(f"{ref.upper()}: {', '.join(changed) if changed else 'nothing changed'}")


@household.command("contact")
@click.argument("ref")
@click.option(
    "--by",
    "how",
    type=click.Choice([c.value for c in RECORDED_CONTACTS]),
    required=True,
    help="How the family was in touch.",
)
@click.option("--date", "on", type=DATE, help="When (default: now).")
@pass_app
def household_contact(app: AppContext, ref: str, how: str, on: date | None) -> None:
    """Record a call, visit or message with the family: its personal data is kept
    [households] purge_after_months from its last contact. Forms, decisions, contract steps,
    payments and trainings count as contacts by themselves."""
    from assetctl.dates import add_months
    from assetctl.households import find
    from assetctl.households.contacts import record_contact
    from assetctl.vocabulary import Contact

    with app.session() as session:
        household = find(session, ref)
        record_contact(session, app.who(session), household, Contact(how), on)
        last = household.last_contact_at
    months = app.settings.programme.purge_after_months
    info(
        f"{ref.upper()}: last contact {last:%Y-%m-%d}; its personal data is kept until "
        f"{add_months(last.date(), months):%Y-%m-%d} ({months} months), or later if in touch again."
    )


@household.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; import nothing.")
@pass_app
def household_import(app: AppContext, path: Path, dry_run: bool) -> None:
    """Import households from a CSV file (one row per form), all or nothing."""
    from assetctl.households import import_households

    with app.session() as session:
        refs = import_households(session, app.settings, app.who(session), path, dry_run)
    if dry_run:
        info(f"{path}: {len(refs)} household(s) would be imported; nothing was written.")
        return
    for ref in refs:
        click.echo(ref)
    info(f"{path}: {len(refs)} household(s) imported.")


@household.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@pass_app
def household_show(app: AppContext, ref: str, as_json: bool) -> None:
    """Show a household (personal fields for caseworkers only; the access is logged)."""
    from assetctl.households import find, view

    with app.session() as session:
        data = view(session, app.who(session), find(session, ref))
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        if key in ("decisions", "contracts", "children"):
            continue
        if text := describe(value):  # local time; control characters written out
            click.echo(f"{key:20} {text}")
    for child in data.get("children", []):
        name = cell(child["first_name"]) or "(no name)"
        click.echo(f"{'child':20} {name}, born {child['birth_date']} ({child['age']} years)")
    for d in data["decisions"]:
        kit = ", ".join(d["equipment"] or [])
        click.echo(
            f"{'decision':20} session {d['session']}: {d['outcome']} {kit} {d['mode'] or ''}"
        )
    for c in data["contracts"]:
        click.echo(f"{'contract':20} {c['number']} {c['mode']} {c['status']} {c['end_date'] or ''}")


@household.command("list")
@click.option("--qpv", help="Only this neighbourhood.")
@click.option("--school", help="Only this school.")
@click.option(
    "--contacts",
    is_flag=True,
    help="Add the representatives and phone (caseworkers; opens the sealed data, logged).",
)
@output_options
@pass_app
def household_list(
    app: AppContext, qpv: str | None, school: str | None, contacts: bool, output: str
) -> None:
    """List households by reference and facts; --contacts adds names and phones."""
    from assetctl.households import list_rows, parse_qpv

    with app.session() as session:
        actor = app.who(session)
        rows = list_rows(
            session,
            actor,
            parse_qpv(app.settings, qpv) if qpv else None,
            school,
            contacts=contacts,
        )
    columns = ROW_COLUMNS + (("representatives", "phone") if rows and "phone" in rows[0] else ())
    emit_rows(rows, columns, output)


@household.command("recommend")
@click.argument("ref")
@click.option("--at", "as_of", type=DATE, help="Ages at this date (default: today).")
@output_options
@pass_app
def household_recommend(app: AppContext, ref: str, as_of: date | None, output: str) -> None:
    """Propose equipment from the programme's rule, with the reasons (recorded)."""
    from assetctl.households import find, recommend

    with app.session() as session:
        rec = recommend(session, app.settings, app.who(session), find(session, ref), as_of)
        items = list(rec.items)
    if not items:
        info(f"{ref.upper()}: nothing to recommend")
    emit_rows(items, ("item", "reason"), output)


@household.command("export")
@click.argument("ref")
@click.option("-o", "--output", "path", type=OUTPUT_FILE)
@pass_app
def household_export(app: AppContext, ref: str, path: Path | None) -> None:
    """Everything stored about a household, as JSON (GDPR right of access)."""
    from assetctl.cli.output import dumps_json
    from assetctl.households import export, find

    with app.session() as session:
        data = export(session, app.who(session), find(session, ref))
    if path is None:
        emit_json(data)
        return
    from assetctl.private_files import private_file

    private_file(path).write_bytes(dumps_json(data) + b"\n")
    info(f"{ref.upper()}: exported to {path}")


@household.command("purge")
@click.option("--dry-run", is_flag=True, help="List the households that would be anonymised.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def household_purge(app: AppContext, dry_run: bool, yes: bool) -> None:
    """Anonymise households with no open contract whose last contact with the programme (form,
    decision, contract step, payment, training, or `household contact`) is more than
    [households] purge_after_months ago (24: CNIL's reference for social support). Admin
    only."""
    from assetctl.households import purge

    months = app.settings.programme.purge_after_months
    with app.session() as session:
        actor = app.who(session)
        refs = purge(session, app.settings, actor, dry_run=True)
        if not refs:
            info(f"No household to anonymise (retention: {months} months).")
            return
        for ref in refs:
            click.echo(ref)
        if dry_run:
            info(f"{len(refs)} household(s) would be anonymised; nothing was changed.")
            return
        if not yes and not click.confirm(
            f"Anonymise {len(refs)} household(s)? Their personal data will be erased", err=True
        ):
            raise click.Abort()
        purge(session, app.settings, actor)
    info(f"{len(refs)} household(s) anonymised; the anonymous facts stay for the reports.")
