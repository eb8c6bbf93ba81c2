"""`assetctl allocate` and `assetctl contract`: devices to families and back."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, emit_rows, info, output_options
from assetctl.cli.params import DATE, DAYS, EUROS, OUTPUT_FILE, WordType
from assetctl.vocabulary import ContractStatus

LIST_COLUMNS = (
    "number",
    "household",
    "mode",
    "status",
    "start",
    "end",
    "days_left",
    "devices",
    "renewals",
)
CONTACT_COLUMNS = ("representatives", "phone", "email", "address")


@click.command()
@click.argument("ref")
@click.option(
    "--tag", "tags", multiple=True, help="This device (repeat; default: pick ready ones)."
)
@click.option(
    "--internet",
    type=click.Choice(["social-tariff", "subscription"]),
    help="Internet support, when approved (default social-tariff).",
)
@click.option("--internet-monthly", type=EUROS, help="Monthly cost of a paid subscription.")
@pass_app
def allocate(
    app: AppContext,
    ref: str,
    tags: tuple[str, ...],
    internet: str | None,
    internet_monthly: int | None,
) -> None:
    """Reserve ready devices of the approved kinds for household REF: a draft contract.

    A device that was not wiped and imaged since it last came back is refused, with the
    reason. Prints the contract number; `contract print` and `contract sign` come next.
    """
    from assetctl.contracts import AllocationInput, devices
    from assetctl.contracts import allocate as do_allocate
    from assetctl.households import find

    given = AllocationInput(
        tags=tags, internet_type=internet, internet_monthly_cents=internet_monthly
    )
    with app.session() as session:
        contract = do_allocate(session, app.settings, app.who(session), find(session, ref), given)
        number = contract.number
        chosen = [f"{asset.tag} ({asset.kind})" for _, asset in devices(session, contract)]
    click.echo(number)
    info(f"{ref.upper()}: contract {number} ({contract.mode}), {', '.join(chosen) or 'no device'}")


@click.group()
def contract() -> None:
    """Family contracts: print, sign (handover), renew, returns, losses, payments."""


@contract.command("list")
@click.option(
    "--due-within", type=DAYS, metavar="DAYS", help="Active contracts ending within (30d)."
)
@click.option("--overdue", is_flag=True, help="Active contracts past their end date.")
@click.option("--status", type=WordType(ContractStatus), help="Only this.")
@click.option(
    "--contacts", is_flag=True, help="Add the families' names and contacts (caseworker; logged)."
)
@output_options
@pass_app
def contract_list(
    app: AppContext,
    due_within: int | None,
    overdue: bool,
    status: str | None,
    contacts: bool,
    output: str,
) -> None:
    """List contracts, soonest end first (--csv for mail merges)."""
    from assetctl.contracts import list_rows

    with app.session() as session:
        rows = list_rows(
            session,
            app.who(session),
            due_within=due_within,
            overdue=overdue,
            status=status,
            contacts=contacts,
        )
    emit_rows(rows, LIST_COLUMNS + (CONTACT_COLUMNS if contacts else ()), output)


@contract.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Output JSON (amounts in cents).")
@pass_app
def contract_show(app: AppContext, number: str, as_json: bool) -> None:
    """A contract's terms, lines and history (by household reference)."""
    from assetctl.contracts import find, view

    with app.session() as session:
        data = view(session, find(session, number))
    if as_json:
        emit_json(data)
        return
    _print_contract(data)


def _print_contract(data: dict[str, Any]) -> None:
    from assetctl.cli.output import cell, details_text, euros_text

    term = "-"
    if data["term_months"]:
        term = f"{data['term_months']}-month term"
        if data["renewals"]:
            term += f", renewed {data['renewals']} time{'s' if data['renewals'] > 1 else ''}"
        if data["start"]:
            term = f"{cell(data['start'])} to {cell(data['end'])} ({term})"
    delivery = ", ".join(
        part
        for part in (
            data["delivery"] or "not planned",
            cell(data["delivery_date"]),
            "with installation" if data["installation"] else "",
        )
        if part
    )
    rows = [
        ("number", data["number"]),
        ("household", data["household"]),
        ("mode", data["mode"]),
        ("status", data["status"]),
        ("term", term),
        ("delivery", delivery),
    ]
    if data["mode"] == "rental":
        fee, share = data["monthly_fee_cents"] or 0, data["programme_share_cents"] or 0
        rows.append(
            (
                "monthly fee",
                f"{euros_text(fee)} (programme {euros_text(share)}, "
                f"family {euros_text(fee - share)})",
            )
        )
    for key, value in rows:
        click.echo(f"{key:12} {cell(value)}")
    click.echo("lines:")
    for line in data["lines"]:
        what = line["tag"] or line["description"] or ""
        status = line["status"].replace("_", " ")  # with_family -> with family
        parts = [line["type"], what, line["kind"] or "", status, line["condition"] or ""]
        click.echo("  " + "  ".join(cell(p) for p in parts if p))
    click.echo("history:")
    for event in data["history"]:
        rest = {k: v for k, v in event.items() if k not in ("at", "actor", "action")}
        extra = f"  {details_text(rest)}" if details_text(rest) else ""
        click.echo(f"  {cell(event['at'])}  {event['actor']:12} {event['action']}{extra}")


@contract.command("print")
@click.argument("number")
@click.option("-o", "--output", "path", type=OUTPUT_FILE, required=True)
@pass_app
def contract_print(app: AppContext, number: str, path: Path) -> None:
    """The contract in French (two copies) and the handover sheet with initial passwords."""
    from assetctl.contracts import document_record, find
    from assetctl.documents.family import render_contract

    with app.session() as session:
        record = document_record(session, app.settings, app.who(session), find(session, number))
    from assetctl.private_files import private_file

    render_contract(record, private_file(path))  # names and initial passwords inside
    if any(device["accounts"] for device in record["devices"]):
        info(
            f"Contract {record['number']}: {path} (it holds initial passwords: hand it over; "
            "they are no longer kept once the contract is signed)"
        )
    else:
        info(f"Contract {record['number']}: {path}")


@contract.command("delivery")
@click.argument("number")
@click.option("--at", "mode", type=click.Choice(["home", "point"]), help="At home or at a point.")
@click.option("--date", "on", type=DATE, help="Planned date.")
@click.option("--place", help="The distribution point.")
@click.option("--staff", help="Who delivers.")
@click.option("--installation/--no-installation", default=None, help="Install it at home.")
@pass_app
def contract_delivery(
    app: AppContext,
    number: str,
    mode: str | None,
    on: date | None,
    place: str | None,
    staff: str | None,
    installation: bool | None,
) -> None:
    """Plan the delivery of a draft contract's devices."""
    from assetctl.contracts import Delivery, find, plan_delivery

    with app.session() as session:
        plan_delivery(
            session,
            app.who(session),
            find(session, number),
            Delivery(mode=mode, on=on, place=place, staff=staff, installation=installation),
        )
    info(f"{number.upper()}: delivery planned")


@contract.command("sign")
@click.argument("number")
@click.option("--date", "on", type=DATE, help="Date of the handover (default: today).")
@pass_app
def contract_sign(app: AppContext, number: str, on: date | None) -> None:
    """Record the handover: the family signed; devices go on loan (or are given)."""
    from assetctl.contracts import find, sign

    with app.session() as session:
        found = find(session, number)
        tags = sign(session, app.who(session), found, on)
        end = found.end_date
    info(
        f"{found.number}: signed, {', '.join(tags) or 'no device'} "
        + (f"with the family until {end}" if end else "given to the family")
    )


@contract.command("cancel")
@click.argument("number")
@click.option("--reason", required=True)
@pass_app
def contract_cancel(app: AppContext, number: str, reason: str) -> None:
    """Cancel a draft contract: its devices are ready for another household."""
    from assetctl.contracts import cancel, find

    with app.session() as session:
        tags = cancel(session, app.who(session), find(session, number), reason)
    info(f"{number.upper()}: cancelled; ready again: {', '.join(tags) or '-'}")


@contract.command("renew")
@click.argument("number")
@click.option("--months", type=click.IntRange(1, 120), help="Default: the contract's term.")
@pass_app
def contract_renew(app: AppContext, number: str, months: int | None) -> None:
    """Extend a loan or rental from its current end date."""
    from assetctl.contracts import find, renew

    with app.session() as session:
        end = renew(session, app.who(session), find(session, number), months)
    info(f"{number.upper()}: renewed until {end}")


@contract.command("return")
@click.argument("tag")
@click.option(
    "--condition", default="ok", show_default=True, help="ok, damaged, accessories-missing"
)
@click.option("--note", help="What is damaged or missing.")
@pass_app
def contract_return(app: AppContext, tag: str, condition: str, note: str | None) -> None:
    """Take one device back at the desk (as `scan --mode return` does, with a note)."""
    from assetctl.assets import find_asset
    from assetctl.contracts import return_device

    with app.session() as session:
        found, closed = return_device(
            session, app.who(session), find_asset(session, tag), condition, note
        )
        number = found.number
    info(
        f"{tag.upper()}: returned under {number}"
        + ("; contract closed" if closed else "")
        + "; wipe and image it before any family"
    )


@contract.command("lost")
@click.argument("tag")
@click.option("--stolen", is_flag=True, help="Stolen rather than lost.")
@click.option("--note", required=True, help="What happened (police report number for a theft).")
@pass_app
def contract_lost(app: AppContext, tag: str, stolen: bool, note: str) -> None:
    """The family declares a device lost or stolen: it is written off its contract."""
    from assetctl.assets import find_asset
    from assetctl.contracts import declare_lost

    with app.session() as session:
        found, closed = declare_lost(
            session, app.who(session), find_asset(session, tag), stolen=stolen, note=note
        )
        number = found.number
    info(
        f"{tag.upper()}: {'stolen' if stolen else 'lost'} under {number}"
        + ("; contract closed" if closed else "")
    )


@contract.command("pay")
@click.argument("number")
@click.option("--period", required=True, help="The month paid: YYYY-MM.")
@click.option("--payer", type=click.Choice(["family", "programme"]), required=True)
@click.option("--amount", type=EUROS, help="Default: the payer's share of the fee.")
@click.option("--date", "paid_on", type=DATE, help="Default: today.")
@pass_app
def contract_pay(
    app: AppContext,
    number: str,
    period: str,
    payer: str,
    amount: int | None,
    paid_on: date | None,
) -> None:
    """Record a rental payment (caseworker role)."""
    from assetctl.contracts import find, record_payment

    with app.session() as session:
        payment = record_payment(
            session, app.who(session), find(session, number), period, payer, amount, paid_on
        )
        cents = payment.amount_cents
    info(f"{number.upper()}: {period} paid by the {payer}, {cents / 100:.2f} EUR")


@contract.command("payments")
@click.argument("number")
@output_options
@pass_app
def contract_payments(app: AppContext, number: str, output: str) -> None:
    """Payments recorded on a rental."""
    from assetctl.contracts import find, payments

    with app.session() as session:
        rows = [
            {
                "period": p.period,
                "payer": p.payer,
                "amount": f"{p.amount_cents / 100:.2f}",
                "paid_on": p.paid_on,
            }
            for p in payments(session, app.who(session), find(session, number))
        ]
    emit_rows(rows, ("period", "payer", "amount", "paid_on"), output)
