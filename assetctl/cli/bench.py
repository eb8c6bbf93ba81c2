"""`assetctl bench`: the technician's bench: read machines over SSH (and, next, wipe them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from assetctl.cli.asset import KIND_CHOICE, ORIGIN_CHOICE
from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.live import live, netboot
from assetctl.cli.output import (
    disk_text,
    emit_json,
    emit_rows,
    info,
    output_options,
    size_text,
    warn,
)
from assetctl.cli.params import OUTPUT_FILE, WordType
from assetctl.vocabulary import Firmware, Kind, Origin, ReadBack

if TYPE_CHECKING:
    from assetctl.bench.gauge import DiskGauge
    from assetctl.cli.progress import Progress


@click.group()
def bench() -> None:
    """Read, wipe and image machines booted on the bench live system."""


bench.add_command(live)
bench.add_command(netboot)


@bench.command("keygen")
@pass_app
def bench_keygen(app: AppContext) -> None:
    """Create the bench's SSH key; prints the public key for the live system."""
    from assetctl.bench.ssh import generate_key

    path = app.settings.bench.ssh_key
    line = generate_key(path)
    info(
        f"Bench key written to {path} (mode 0600). `assetctl bench live build` "
        "puts it in the live system; machines booted elsewhere need it in "
        "/root/.ssh/authorized_keys:"
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


def netboots(app: AppContext, report: Any) -> list[dict[str, str]]:
    """The network boots this bench recorded for the machine's network cards."""
    from dataclasses import asdict

    from assetctl.bench.netboot import boots_of

    if report.facts is None or not report.facts.macs:
        return []
    return [asdict(boot) for boot in boots_of(app.settings, set(report.facts.macs))]


def last_netboot(app: AppContext, report: Any) -> str | None:
    from assetctl.documents.formats import local_time

    boots = netboots(app, report)
    if not boots:
        return None
    last = boots[-1]
    firmware = {"efi": "UEFI", "pcbios": "BIOS"}.get(last["platform"], "firmware unknown")
    return (
        f"booted from this bench's network at {local_time(last['at'], app.settings.time_zone)} "
        f"({last['mac']}, {firmware}, {len(boots)} network boot(s) recorded)"
    )


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
            booted = last_netboot(app, report)
            if booted is not None:
                click.echo(f"  {booted}")
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
                    "netboot": netboots(app, r),
                }
                for r in reports
            ]
        )
    failed = [r for r in reports if not r.ok]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(reports)} machine(s) could not be "
            "discovered (see the ERROR lines)"
        )
    info(f"{len(reports)} machine(s) discovered.")


def gauge_reporter(shown: Progress) -> Callable[[DiskGauge], None]:
    """Each disk's reading as nwipe shows it: ``LMM-PC-00042 /dev/sda overwrite 37 % (185 GB
    of 500 GB, 98 MB/s, 53 min left)``; the drive's own erase, by the time it has taken."""
    from assetctl.cli.progress import elapsed

    def report(gauge: DiskGauge) -> None:
        head = f"{gauge.host} {gauge.disk} {gauge.phase}"
        fraction = gauge.fraction
        if fraction is None:
            text = f"{head} ({elapsed(gauge.elapsed)} so far)"
            short = f"{gauge.host} {gauge.phase}"
        else:
            done = size_text(gauge.done) if gauge.done else "nothing yet"
            parts = [f"{done} of {size_text(gauge.total)}"]
            if gauge.rate:
                parts.append(f"{gauge.rate / 1e6:.0f} MB/s")
            left = gauge.seconds_left
            if left is not None and fraction < 1:
                parts.append(f"{elapsed(left)} left")
            text = f"{head} {int(fraction * 100)} % ({', '.join(parts)})"
            short = f"{gauge.host} {gauge.phase} {int(fraction * 100)} %"
        shown.gauge(f"{gauge.host} {gauge.disk} {gauge.phase}", text, short, fraction)

    return report


def _wipe_options(function: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--host",
                "hosts",
                multiple=True,
                help="Machine to work on (host, host:port, user@host:port); repeat.",
            ),
            click.option(
                "--inventory",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="A file of hosts, one a line.",
            ),
            click.option(
                "--disk",
                "disks",
                multiple=True,
                metavar="PATH",
                help="Only this disk (e.g. /dev/sdb); default: every internal disk.",
            ),
            click.option(
                "--verify",
                type=click.Choice([r.value for r in ReadBack]),
                help="Read back a sample (first/last MiB + random) or the whole disk; "
                "default: the policy's for the disk's media (`assetctl wipe policy`), which "
                "--verify sample cannot lower.",
            ),
            click.option(
                "--samples",
                type=click.IntRange(1, 100_000),
                help="Random 1 MiB blocks read back in sample mode (default: the policy's).",
            ),
            click.option(
                "--yes", "-y", is_flag=True, help="Do not ask for confirmation (batches)."
            ),
            click.option(
                "--confirm-no-serial",
                is_flag=True,
                help="The machine reports no serial: you checked its sticker.",
            ),
        ]
    ):
        function = option(function)
    return function


def _requests(
    tag: str | None, hosts: tuple[str, ...], inventory: Path | None
) -> list[tuple[Any, str | None]]:
    from assetctl.bench.ssh import Target

    names = read_targets(hosts, inventory)
    if tag and len(names) != 1:
        raise click.UsageError("with a TAG, give exactly one --host (the machine it is)")
    return [(Target.parse(name), tag) for name in names]


def _run(
    app: AppContext,
    *,
    tag: str | None,
    hosts: tuple[str, ...],
    inventory: Path | None,
    disks: tuple[str, ...],
    verify: str | None,
    samples: int | None,
    yes: bool,
    confirm_no_serial: bool,
    method: str,
    mode: str,
) -> None:
    import signal
    import sys

    from assetctl.bench.wipe import plan_wipe, run_wipe

    settings = app.settings
    engine = app.engine()
    plans = plan_wipe(
        engine,
        settings,
        _requests(tag, hosts, inventory),
        disks=disks,
        confirm_no_serial=confirm_no_serial,
    )
    for plan in plans:
        machine = f"{plan.target} {plan.tag or '(not registered)'}"
        for disk in plan.disks:
            info(f"  {machine}: {disk.path}: {disk_text(disk.model, disk.serial, disk.size_bytes)}")
        for problem in plan.problems:
            warn(f"{machine}: {problem}")
    ready = [p for p in plans if p.ok]
    verb = "Wipe" if mode == "wipe" else "Re-verify"
    if ready and not yes:
        if not sys.stdin.isatty():
            raise click.ClickException("confirmation needed: run it in a terminal, or add --yes")
        count = sum(len(p.disks) for p in ready)
        click.confirm(
            f"{verb} these {count} disk(s) of {len(ready)} machine(s)?", abort=True, err=True
        )
    cancel = {"asked": False}

    def on_interrupt(_signum: int, _frame: object) -> None:
        cancel["asked"] = True
        info("Interrupting: the runs are stopped and recorded as interrupted...")

    previous = signal.signal(signal.SIGINT, on_interrupt)
    from assetctl.cli.progress import Progress

    try:
        remote = settings.bench.remote_env.get("ASSETCTL_FACTS_ROOT")
        with Progress(f"{verb.lower()} {len(ready)} machine(s)") as shown:
            outcomes = run_wipe(
                engine,
                settings,
                plans,
                actor=app.actor,
                method=method,
                verify=ReadBack(verify) if verify else None,
                samples=samples,
                mode=mode,
                dmi_root=remote,
                progress=lambda host, state: shown.step(f"{host}: {state}"),
                cancelled=lambda: cancel["asked"],
                gauge=gauge_reporter(shown),
            )
    finally:
        signal.signal(signal.SIGINT, previous)
    for outcome in outcomes:
        click.echo(outcome.line())
    bad = [o for o in outcomes if o.result != "passed"]
    if bad:
        raise click.ClickException(
            f"{len(bad)} of {len(outcomes)} machine(s) not wiped (see the "
            "lines above); their assets are not marked wiped"
        )


@bench.command("wipe")
@click.argument("tag", required=False)
@_wipe_options
@click.option(
    "--method",
    type=click.Choice(["auto", "overwrite"]),
    default="auto",
    show_default=True,
    help="auto: the disk's firmware Purge where it offers one, else one overwrite "
    "pass; overwrite: always overwrite.",
)
@pass_app
def bench_wipe(app: AppContext, /, **options: Any) -> None:
    """Sanitise a machine's disks (NIST SP 800-88) and record it, disk by disk.

    TAG --host HOST for one machine, or --host repeated / --inventory for many (each machine's
    asset found by its serial). Refused before anything is written: a serial that is not the
    asset's, the disk of the running live system, mounted and removable disks.
    """
    _run(app, mode="wipe", **options)


@bench.command("verify-wipe")
@click.argument("tag", required=False)
@_wipe_options
@pass_app
def bench_verify_wipe(app: AppContext, /, **options: Any) -> None:
    """Read an overwritten machine's disks back again; any data found un-wipes the asset."""
    _run(app, mode="verify", method="overwrite", **options)


def _deploy_options(function: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--host", required=True, help="The machine's live system (host, host:port)."
            ),
            click.option("--profile", help="Image profile (default: by kind, see image profiles)."),
            click.option("--disk", metavar="PATH", help="Disk (default: the one internal disk)."),
            click.option(
                "--firmware",
                type=click.Choice([f.value for f in Firmware]),
                help="The boot loader to install: UEFI, or legacy BIOS (default: how the "
                "machine booted its live system).",
            ),
        ]
    ):
        function = option(function)
    return function


def _deploy(app: AppContext, tag: str, only_verify: bool, **options: Any) -> None:
    import sys

    from assetctl.bench.deploy import plan_deploy, run_deploy
    from assetctl.bench.ssh import Target

    settings = app.settings
    engine = app.engine()
    plan = plan_deploy(
        engine,
        settings,
        tag,
        Target.parse(options["host"]),
        profile=options["profile"],
        disk=options["disk"],
        firmware=options["firmware"],
    )
    for problem in plan.problems:
        warn(f"{plan.target} {plan.tag}: {problem}")
    if not plan.problems and not only_verify:
        info(f"  {plan.target} {plan.tag}: {plan.profile} onto {plan.disk} ({plan.firmware})")
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise click.ClickException(
                    "confirmation needed: run it in a terminal, or add --yes"
                )
            click.confirm(f"Write the image onto {plan.disk}?", abort=True, err=True)
    from assetctl.cli.progress import Progress

    with Progress(f"{'verify' if only_verify else 'deploy'} {plan.tag}") as shown:
        outcome = run_deploy(
            engine,
            settings,
            plan,
            actor=app.actor,
            dmi_root=settings.bench.remote_env.get("ASSETCTL_FACTS_ROOT"),
            only_verify=only_verify,
            on_task=shown.status,
            gauge=gauge_reporter(shown),
        )
    click.echo(outcome.line())
    for check in outcome.checks:
        info(f"  {'ok  ' if check['ok'] else 'FAIL'} {check['check']}: {check['detail']}")
    if outcome.result != "passed":
        what = "verification" if only_verify else "deployment"
        raise click.ClickException(
            f"{tag.upper()}: {what} {outcome.result}; the device is not ready"
        )


@bench.command("deploy")
@click.argument("tag")
@_deploy_options
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def bench_deploy(app: AppContext, /, tag: str, **options: Any) -> None:
    """Deploy a built image onto a wiped machine, personalise it, verify it.

    Refused unless the device has a passed wipe since it last came back. The machine's serial
    must be the asset's. The disk gets GPT partitions, file systems, the image, fstab by UUID,
    host name = tag, a new machine-id, per-device passwords (kept for the handover sheet) and
    its boot loader; then playbooks/verify.yml. The device becomes ready only if it passes.
    """
    _deploy(app, tag, only_verify=False, **options)


@bench.command("verify")
@click.argument("tag")
@_deploy_options
@pass_app
def bench_verify(app: AppContext, /, tag: str, **options: Any) -> None:
    """Run playbooks/verify.yml on a machine deployed earlier (nothing is written)."""
    _deploy(app, tag, only_verify=True, yes=True, **options)


@bench.command("prepare")
@click.option("--host", "hosts", multiple=True, help="A machine's live system; repeat.")
@click.option(
    "--inventory",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of hosts, one a line.",
)
@click.option("--profile", help="Image profile (default: by kind).")
@click.option(
    "--disk",
    metavar="PATH",
    help="The one disk of every machine to wipe and deploy onto (default: every internal "
    "disk is wiped).",
)
@click.option(
    "--deploy-disk",
    metavar="PATH",
    help="The disk to deploy onto, among those wiped (default: the fastest kind, NVMe, then "
    "SSD, then spinning).",
)
@click.option(
    "--firmware",
    type=click.Choice([f.value for f in Firmware]),
    help="Boot loader (default: how each machine booted its live system).",
)
@click.option("--kind", type=WordType(Kind, ("desktop", "laptop")), help="For new machines.")
@click.option(
    "--origin",
    type=WordType(Origin),
    default="refurbished",
    show_default=True,
    help="For new machines.",
)
@click.option("--parallel", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option(
    "--labels",
    "label_output",
    type=OUTPUT_FILE,
    help="Write the ready machines' labels to this PDF.",
)
@click.option("--printer", help="Print the ready machines' labels on this CUPS queue.")
@click.option("--layout", help="Label layout (default: [labels] default_layout).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@output_options
@pass_app
def bench_prepare(
    app: AppContext,
    hosts: tuple[str, ...],
    inventory: Path | None,
    profile: str | None,
    disk: str | None,
    deploy_disk: str | None,
    firmware: str | None,
    kind: str | None,
    origin: str,
    parallel: int,
    label_output: Path | None,
    printer: str | None,
    layout: str | None,
    yes: bool,
    output: str,
) -> None:
    """The whole bench for many machines: discover, wipe, deploy, verify, print labels.

    Each machine stops at the first step it fails, with its reason; the others go on. A table
    (one row per machine) ends it; the exit code is 1 if any machine is not ready.
    """
    import sys

    from assetctl.bench.prepare import STEPS, PrepareOptions, prepare
    from assetctl.bench.ssh import Target

    names = read_targets(hosts, inventory)
    if not names:
        raise click.UsageError("give the machines: --host HOST (repeat) or --inventory FILE")
    settings = app.settings
    label = None
    if label_output or printer:
        from assetctl.labels import jobs

        plan = jobs.prepare(
            settings,
            layout=layout,
            length=None,
            output=label_output,
            printer=printer,
            calibration=None,
        )

        def label(tags: list[str]) -> None:
            with app.session() as session:
                jobs.print_tags(session, settings, tags, plan, actor=app.actor)

    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException("confirmation needed: run it in a terminal, or add --yes")
        click.confirm(
            f"Wipe and deploy {len(names)} machine(s)? Their disks will be erased",
            abort=True,
            err=True,
        )
    from assetctl.cli.progress import Progress

    with Progress(f"prepare {len(names)} machine(s)") as shown:
        reports = prepare(
            app.engine(),
            settings,
            [Target.parse(name) for name in names],
            PrepareOptions(
                profile=profile,
                firmware=firmware,
                disk=disk,
                deploy_disk=deploy_disk,
                kind=kind,
                origin=origin,
                dmi_root=settings.bench.remote_env.get("ASSETCTL_FACTS_ROOT"),
                parallel=parallel,
            ),
            actor=app.actor,
            label=label,
            progress=shown.step,
            gauge=gauge_reporter(shown),
        )
    emit_rows([r.row() for r in reports], ("host", "tag", *STEPS, "message"), output)
    bad = [r for r in reports if not r.ok]
    if bad:
        raise click.ClickException(
            f"{len(bad)} of {len(reports)} machine(s) not ready (see the table)"
        )
