"""`assetctl bench live` and `assetctl bench netboot`: the live system machines boot on the
bench, from a USB key or from the network."""

from __future__ import annotations

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, info, print_fields, size_text


@click.group("live")
def live() -> None:
    """The bench live system: built from Debian packages, booted by USB key or network."""


@live.command("build")
@click.option("--force", is_flag=True, help="Build the shared system again, even if current.")
@click.option("--no-iso", is_flag=True, help="Only the network boot files (no USB key image).")
@pass_app
def live_build(app: AppContext, force: bool, no_iso: bool) -> None:
    """Build the live system (root): the shared system in the image cache (once per recipe),
    this bench's key part, and a hybrid ISO for USB keys."""
    from assetctl.bench.live import build
    from assetctl.cli.progress import Progress

    with Progress("bench live build") as shown:
        result = build(
            app.settings, force=force, iso=not no_iso, progress=shown.step, status=shown.status
        )
    manifest = result.system.manifest
    state = "built" if result.system.built else "up to date"
    info(
        f"live system {state}: kernel {manifest['kernel']}, "
        f"{size_text(manifest['files']['initrd.img'])} initramfs "
        f"({size_text(manifest['installed_bytes'])} in memory), "
        f"{len(manifest['packages'])} packages"
    )
    if result.iso is not None:
        info(f"USB key: write {result.iso} onto it (dd if=... of=/dev/sdX bs=4M)")
    info("network boot: assetctl bench netboot --interface IFACE")
    click.echo(result.iso or result.system.folder)


@live.command("show")
@click.option("--json", "as_json", is_flag=True, help="The manifest as JSON.")
@pass_app
def live_show(app: AppContext, as_json: bool) -> None:
    """The live system this bench boots machines with: files, kernel, packages."""
    from assetctl.bench.live import current

    found = current(app.settings)
    manifest = found.system.manifest
    if as_json:
        emit_json(
            {
                **manifest,
                "kernel_file": str(found.system.kernel),
                "initrd_files": [str(path) for path in found.initrds],
                "iso": str(found.iso) if found.iso else None,
            }
        )
        return
    print_fields(
        {
            "kernel": f"{manifest['kernel']} ({found.system.kernel})",
            "initramfs": f"{size_text(manifest['files']['initrd.img'])} ({found.system.initrd})",
            "in memory": size_text(manifest["installed_bytes"]),
            "bench key part": str(found.key_part),
            "USB key image": str(found.iso) if found.iso else "not made (bench live build)",
            "packages": str(len(manifest["packages"])),
            "built": manifest["built_at"],
        }
    )


@click.command("netboot")
@click.option(
    "--interface", "-i", required=True, help="The bench's interface on the machines' network."
)
@click.option(
    "--dhcp-range",
    metavar="START,END",
    help="Be the only DHCP server of an isolated bench network, giving these addresses "
    "(default: proxy-DHCP beside the site's DHCP server).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="HTTP port (0: any free one)."
)
@pass_app
def netboot(app: AppContext, interface: str, dhcp_range: str | None, port: int) -> None:
    """Serve the live system over PXE and HTTP on INTERFACE until Ctrl-C (root).

    Each machine that boots is printed and recorded (its MAC address, address, firmware and
    serial), and `bench discover` says when it booted.
    """
    import signal
    import threading

    from assetctl.bench.live import current
    from assetctl.bench.netboot import Boot, NetbootError, serve
    from assetctl.documents.formats import local_time

    stop = threading.Event()

    def shown(boot: Boot) -> None:
        firmware = {"efi": "UEFI", "pcbios": "BIOS"}.get(boot.platform, "firmware unknown")
        serial = boot.serial or "no serial reported"
        when = local_time(boot.at, app.settings.time_zone)
        info(f"{when}  {boot.mac}  {boot.address}  {firmware}  {serial}: booting")

    live_system = current(app.settings)
    previous = signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
    try:
        with serve(app.settings, live_system, interface, dhcp_range=dhcp_range, port=port,
                   on_boot=shown) as service:  # fmt: skip
            mode = (
                f"the only DHCP server, giving {dhcp_range}"
                if service.mode == "dhcp"
                else "proxy-DHCP beside the site's DHCP server"
            )
            info(
                f"network boot on {interface} ({service.network.address}, {mode}); "
                f"files at {service.http}; Ctrl-C stops"
            )
            while not stop.wait(1.0):
                if not service.running():
                    raise NetbootError(f"dnsmasq stopped on {interface}: {service.tail()}")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    info("network boot stopped")
