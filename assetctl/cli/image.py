"""`assetctl image`: family-ready image profiles (building and deploying come next)."""

from __future__ import annotations

import click

from assetctl.cli.output import emit_json, emit_rows, output_options


@click.group()
def image() -> None:
    """Family-ready image profiles."""


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
    for key, value in data.items():
        click.echo(f"{key:20} {value}")
