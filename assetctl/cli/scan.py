"""`assetctl scan`: the scanning station."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from assetctl.cli.context import AppContext, pass_app

# a scanned line longer than this is read in pieces (each one then refused as too long)
MAX_LINE_BYTES = 64 * 1024


def _lines(source: BinaryIO, prompt: bool) -> Iterator[str]:
    """The scanned lines, read as bytes whatever the locale: a line that is not UTF-8 keeps
    U+FFFD where its bad bytes were, and the station reports it as an ERROR and goes on."""
    while True:
        if prompt:
            click.echo("scan> ", nl=False, err=True)
        line = source.readline(MAX_LINE_BYTES)
        if not line:
            return
        yield line.decode("utf-8", errors="replace")


def _ask_condition(mode: object) -> None:
    """At the return desk, in a terminal: the condition of the device just scanned."""
    from assetctl.errors import ValidationError
    from assetctl.scan import ReturnMode
    from assetctl.vocabulary import Condition, parse

    assert isinstance(mode, ReturnMode)
    while True:
        answer = click.prompt(
            f"  condition ({'/'.join(Condition)})", default="ok", err=True, show_default=True
        )
        try:
            mode.condition = parse(Condition, answer, "condition").value
            return
        except ValidationError as exc:
            click.echo(f"  {exc}", err=True)


@click.command()
@click.option(
    "--mode",
    type=click.Choice(["lookup", "checkin", "audit", "return"]),
    default="lookup",
    show_default=True,
    help="What each scan does.",
)
@click.option(
    "--location",
    metavar="PLACE",
    help="checkin, audit: the place scanned; return: where returned devices go (default: bench).",
)
@click.option(
    "--condition",
    metavar="STATE",
    help="return: the condition of the devices scanned (ok, damaged, accessories-missing); "
    "without it, a terminal asks after each scan, and a file or pipe means ok.",
)
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the scans from a file (a scanner's memory) instead of the keyboard.",
)
@pass_app
def scan(
    app: AppContext,
    mode: str,
    location: str | None,
    condition: str | None,
    from_file: Path | None,
) -> None:
    """Scanning station: reads codes until Ctrl-D or Ctrl-C, one line of result per scan.

    A code is a tag, a serial number or a label's URL, in any case. Modes: lookup (show the
    device), checkin --location PLACE (the device is now there), audit --location PLACE
    (inventory of a place: missing, misplaced and unknown devices at the end), return (the
    device comes back from its family: its contract line closes, and it must be wiped and
    imaged again before another family gets it).
    """
    from assetctl.safe_text import visible
    from assetctl.scan import Station, make_mode

    station = Station(
        app.engine(), app.settings, make_mode(mode, app.settings, app.actor, location, condition)
    )
    source = from_file.open("rb") if from_file else sys.stdin.buffer
    interactive = from_file is None and sys.stdin.isatty()
    if interactive:
        click.echo(
            f"Scanning station ({mode}{' at ' + location if location else ''}): scan "
            "codes, Ctrl-D to finish.",
            err=True,
        )
    try:
        ask_condition = interactive and mode == "return" and condition is None
        for raw in _lines(source, interactive):
            if ask_condition and raw.strip():
                _ask_condition(station.mode)
            result = station.scan(raw)
            if result is None:
                continue
            click.echo(visible(result.text))
            if not result.ok:
                click.echo("\a", nl=False, err=True)  # the terminal bell
    except KeyboardInterrupt:
        click.echo("", err=True)
    finally:
        if from_file:
            source.close()
    for line in station.finish():
        click.echo(visible(line))
    failed = sum(station.counts[k] for k in ("unknown", "unregistered", "error"))
    if failed:
        # the session went on past each bad code; a script reading a scanner's memory still
        # learns that some codes were not taken
        click.echo("", err=True)  # after the bells, the error on a line of its own
        raise click.ClickException(f"{failed} scan(s) not taken: see the ERROR lines above")
