"""The command-line face: parses, calls a domain function, formats. Nothing else.

Sub-command modules are imported only when their command runs, so that `assetctl scan` never
pays for reportlab or ansible-runner.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import Any

import click

from assetctl import __version__
from assetctl.cli.context import AppContext, start_up
from assetctl.errors import AssetctlError
from assetctl.safe_text import visible_lines

# command name -> "module:attribute" of its click command or group
COMMANDS = {
    "init": "assetctl.cli.setup:init",
    "config": "assetctl.cli.setup:config",
    "db": "assetctl.cli.db:db",
    "asset": "assetctl.cli.asset:asset",
    "label": "assetctl.cli.label:label",
    "scan": "assetctl.cli.scan:scan",
    "audit": "assetctl.cli.audit:audit",
    "bench": "assetctl.cli.bench:bench",
    "wipe": "assetctl.cli.wipe:wipe",
    "image": "assetctl.cli.image:image",
    "household": "assetctl.cli.household:household",
    "committee": "assetctl.cli.committee:committee",
    "allocate": "assetctl.cli.contract:allocate",
    "contract": "assetctl.cli.contract:contract",
    "training": "assetctl.cli.training:training",
    "user": "assetctl.cli.user:user",
    "key": "assetctl.cli.key:key",
    "report": "assetctl.cli.report:report",
    "gdpr": "assetctl.cli.gdpr:gdpr",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # An argument that is not text (bytes a terminal or a script sent that are not UTF-8:
        # Python keeps them as lone surrogates) would fail wherever it is stored or printed:
        # refused here, for every command, before anything runs.
        for position, arg in enumerate(args, 1):
            if any("\udc80" <= char <= "\udcff" for char in arg):
                shown = repr(os.fsencode(arg))  # control characters written out, as \x1b
                raise click.UsageError(
                    f"argument {position} is not text (bytes that are not UTF-8: "
                    f"{shown[:80]}{'...' if len(shown) > 80 else ''}): type it again, or set "
                    "the terminal to UTF-8",
                    ctx,
                )
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        # The one error boundary: what the user can act on (AssetctlError: bad input, a locked
        # or unreachable database, a permission) becomes "Error: ..." and its exit code. Anything
        # else is a bug: a short message on screen, the traceback in a log file.
        try:
            return super().invoke(ctx)
        except AssetctlError as exc:
            error = click.ClickException(visible_lines(str(exc)))
            error.exit_code = exc.exit_code  # type: ignore[misc]
            raise error from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise  # click's own, and a reader that left early (see main)
        except Exception as exc:
            if os.environ.get("ASSETCTL_DEBUG") == "1":
                raise
            from assetctl.crash import report_bug

            raise BugError(report_bug(exc)) from exc


class BugError(click.ClickException):
    """A bug in assetctl, reported on one line (the traceback is in the log file)."""

    exit_code = 70  # EX_SOFTWARE


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="assetctl")
@click.option(
    "--db-url",
    envvar="ASSETCTL_DATABASE_URL",
    metavar="URL",
    help="Database URL (default: SQLite in the data directory; env ASSETCTL_DATABASE_URL).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress display (results and errors still print)."
)
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, quiet: bool) -> None:
    """IT asset lifecycle and provisioning for a family digital-equipment programme."""
    from assetctl.cli.progress import QUIET

    ctx.meta[QUIET] = quiet
    ctx.obj = AppContext(db_url=db_url)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    """Console entry point."""
    # Start-up is part of the product: a scan must answer at once (see context.start_up).
    start_up()
    try:
        cli(prog_name="assetctl")
    except BrokenPipeError:
        # `assetctl asset list | head`: the reader left early; not worth a traceback
        sys.stderr.close()
        sys.exit(0)
