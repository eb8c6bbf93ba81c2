"""`assetctl gdpr`: the processing's register entry and its impact assessment (DPIA), in
French, from the configuration and the schema, for the data protection officer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, info
from assetctl.cli.params import OUTPUT_FILE


@click.group()
def gdpr() -> None:
    """What the data protection officer needs: the register entry and the DPIA."""


def _output(function: click.decorators.FC) -> click.decorators.FC:
    function = click.option(
        "--json", "as_json", is_flag=True, help="Output what it says, as JSON."
    )(function)
    return click.option(
        "-o", "--output", "path", type=OUTPUT_FILE,
        help="The PDF to write.",
    )(function)  # fmt: skip


def _write(
    app: AppContext, path: Path | None, as_json: bool, render: Callable[..., Path], what: str
) -> None:
    from assetctl.gdpr import processing_record

    record = processing_record(app.settings)
    if as_json:
        emit_json(record)
        return
    if path is None:
        raise click.UsageError("say where to write the PDF: -o FILE.pdf (or --json)")
    render(record, path)
    info(f"{what} written: {path}")


@gdpr.command("register")
@_output
@pass_app
def gdpr_register(app: AppContext, path: Path | None, as_json: bool) -> None:
    """The programme's entry in the register of processing (GDPR article 30): purposes, legal
    basis, data (every field of the form), recipients by role, retention, security measures."""
    from assetctl.documents.gdpr import render_register

    _write(app, path, as_json, render_register, "Register entry")


@gdpr.command("dpia")
@_output
@pass_app
def gdpr_dpia(app: AppContext, path: Path | None, as_json: bool) -> None:
    """A data protection impact assessment pre-filled with what assetctl does (CNIL's plan:
    context, principles, rights, risks), the officer's parts left to complete."""
    from assetctl.documents.gdpr import render_dpia

    _write(app, path, as_json, render_dpia, "Impact assessment")
