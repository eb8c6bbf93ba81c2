"""`assetctl bench`: the technician's bench: read machines over SSH (and, next, wipe them)."""

from __future__ import annotations

from pathlib import Path

import click

from assetctl.cli.asset import KIND_CHOICE, ORIGIN_CHOICE
from assetctl.cli.context import AppContext
from assetctl.cli.output import emit_json, info, warn

pass_app = click.make_pass_decorator(AppContext)


@click.group()
def bench() -> None:
    """Read, wipe and image machines booted on the bench live system."""


@bench.command("keygen")
@pass_app
def bench_keygen(app: AppContext) -> None:
    """Create the bench's SSH key; prints the public key for the live system."""
    from assetctl.bench.ssh import generate_key

    path = app.settings.bench.ssh_key
    line = generate_key(path)
    info(
        f"Bench key written to {path} (mode 0600). Put this line in the live system's "
        "/root/.ssh/authorized_keys (the live-build recipe does it):"
    )
    click.echo(line)


def read_targets(hosts: tuple[str, ...], inventory: Path | None) -> list[str]:
    """Hosts from the command line and from an inventory file (one a line, # comments)."""
    names = list(hosts)
    if inventory is not None:
        for line in inventory.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("["):
                names.append(line.split()[0])
    if not names:
        raise click.UsageError("give at least one HOST or --inventory FILE")
    return list(dict.fromkeys(names))


@bench.command("discover")
@click.argument("hosts", nargs=-1)
@click.option(
    "--inventory",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of hosts, one a line.",
)
@click.option(
    "--origin",
    type=ORIGIN_CHOICE,
    default="refurbished",
    show_default=True,
    help="Origin of machines registered by this discovery.",
)
@click.option("--kind", type=KIND_CHOICE, help="Kind, when the chassis type does not say.")
@click.option("--json", "as_json", is_flag=True, help="Output the facts as JSON.")
@pass_app
def bench_discover(
    app: AppContext,
    hosts: tuple[str, ...],
    inventory: Path | None,
    origin: str,
    kind: str | None,
    as_json: bool,
) -> None:
    """Read machines' hardware over SSH; update their assets or register them.

    HOST is an address of a machine booted on the bench live system: host, host:port or
    user@host:port. Many hosts are read at once; one that fails does not stop the others.
    """
    from assetctl.bench.discover import Discovery, discover
    from assetctl.bench.ssh import Target

    targets = [Target.parse(name) for name in read_targets(hosts, inventory)]
    info(f"Discovering {len(targets)} machine(s)...")

    def progress(report: Discovery) -> None:
        if not as_json:
            click.echo(report.line())
        for message in report.warnings:
            warn(f"{report.target}: {message}")

    reports = discover(
        app.engine(),
        app.settings,
        targets,
        actor=app.actor,
        origin=origin.lower(),
        kind=kind and kind.lower(),
        progress=progress,
    )
    if as_json:
        emit_json(
            [
                {
                    "target": r.target,
                    "ok": r.ok,
                    "tag": r.tag,
                    "created": r.created,
                    "changes": r.changes,
                    "warnings": r.warnings,
                    "error": r.error,
                    "facts": r.facts.as_dict() if r.facts else None,
                }
                for r in reports
            ]
        )
    failed = [r for r in reports if not r.ok]
    if failed:
        from assetctl.errors import AssetctlError

        raise AssetctlError(
            f"{len(failed)} of {len(reports)} machine(s) could not be "
            "discovered (see the ERROR lines)"
        )
    info(f"{len(reports)} machine(s) discovered.")
