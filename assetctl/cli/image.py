"""`assetctl image`: family-ready image profiles, and building their images."""

from __future__ import annotations

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import cell, emit_json, emit_rows, info, output_options, print_fields


@click.group()
def image() -> None:
    """Family-ready images: profiles (data in images/), builds, the built images."""


@image.command("profiles")
@output_options
def image_profiles(output: str) -> None:
    """List the image profiles (files in images/)."""
    from assetctl.images.profiles import all_profiles

    rows = [
        {
            "name": p.name,
            "for_kinds": ",".join(p.for_kinds),
            "suite": p.suite,
            "desktop": p.desktop,
            "packages": len(p.all_packages()),
            "description": p.description,
            "hash": p.digest()[:12],
        }
        for p in all_profiles()
    ]
    emit_rows(
        rows, ("name", "for_kinds", "suite", "desktop", "packages", "description", "hash"), output
    )


@image.command("show")
@click.argument("profile")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def image_show(profile: str, as_json: bool) -> None:
    """Show a profile: base, packages, accounts, parental settings."""
    from dataclasses import asdict

    from assetctl.images.profiles import load_profile

    loaded = load_profile(profile)
    data = asdict(loaded) | {
        "all_packages": loaded.all_packages(),
        "hash": loaded.digest(),
        "source": str(loaded.source),
    }
    if as_json:
        emit_json(data)
        return
    print_fields(data)


@image.command("build")
@click.argument("profile")
@click.option("--force", is_flag=True, help="Build even if the image is up to date.")
@click.option(
    "--check-idempotence",
    is_flag=True,
    help="Run image.yml a second time and fail if it changes anything.",
)
@pass_app
def image_build(app: AppContext, profile: str, force: bool, check_idempotence: bool) -> None:
    """Build PROFILE's image: debootstrap (cached), image.yml through a chroot, clean, pack.

    Needs root. An unchanged profile whose image is there is not built again.
    """
    from assetctl.cli.progress import Progress
    from assetctl.images.build import build
    from assetctl.images.profiles import load_profile

    with Progress(f"image build {profile}") as shown:
        result = build(
            app.settings,
            load_profile(profile),
            force=force,
            check_idempotence=check_idempotence,
            progress=shown.step,
            status=shown.status,
        )
    manifest = result.manifest
    size = manifest["size_bytes"] / 1e6
    if not result.built:
        info(
            f"{profile}: up to date ({manifest['archive']}, built {cell(manifest['built_at'])}); "
            "--force builds it again"
        )
    else:
        info(
            f"{profile}: built {manifest['archive']} ({size:.1f} MB, "
            f"{manifest['installed_bytes'] / 1e6:.0f} MB once installed, "
            f"{len(manifest['packages'])} packages, {manifest['build_seconds']} s)"
        )
    click.echo(result.archive)


@image.command("list")
@output_options
@pass_app
def image_list(app: AppContext, output: str) -> None:
    """The images built, with their size, sha256 and whether their profile changed since."""
    from assetctl.images.build import list_images

    rows = list_images(app.settings)
    emit_rows(
        rows,
        (
            "profile",
            "archive",
            "size_mb",
            "installed_mb",
            "packages",
            "built_at",
            "sha256",
            "up_to_date",
        ),
        output,
    )
