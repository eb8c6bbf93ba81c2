"""`assetctl init` and `assetctl config`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, euros_text, info
from assetctl.cli.params import EUROS
from assetctl.config import Settings, config_path, write_config


@click.command()
@click.option("--organisation", help="Organisation name printed on documents (required).")
@click.option("--tag-prefix", help="Asset tag prefix (default: the organisation's initials).")
@click.option("--support-phone", help="Support phone printed on labels and contracts.")
@click.option("--operator", help="Name recorded in the history (default: login name).")
@click.option("--budget-total", type=EUROS, help="The plan's whole budget, in euros.")
@click.option("--budget-equipment", type=EUROS, help="Its equipment part, in euros.")
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: what is not given stays unset.")
@pass_app
def init(
    app: AppContext,
    organisation: str | None,
    tag_prefix: str | None,
    support_phone: str | None,
    operator: str | None,
    budget_total: int | None,
    budget_equipment: int | None,
    yes: bool,
) -> None:
    """Create the configuration file and the database (or bring it up to date).

    A new configuration needs the organisation's name: asked in a terminal, else given with
    --organisation. Nothing else is taken from another programme: the budget stays unset
    until given. An existing configuration is kept as it is (edit the file to change it).
    """
    from assetctl.db import make_engine, upgrade

    path = config_path()
    given = {
        "organisation": organisation,
        "prefix": tag_prefix,
        "support_phone": support_phone,
        "operator": operator,
        "budget_total_cents": budget_total,
        "budget_equipment_cents": budget_equipment,
    }
    if path.exists():
        _kept(app.settings, path, [k for k, v in given.items() if v is not None])
    else:
        _write_new(path, given, interactive=sys.stdin.isatty() and not yes)
    engine = make_engine(app.database_url)
    try:
        before, after = upgrade(engine)
        from assetctl.access import ensure_first_admin
        from assetctl.db import session_scope

        with session_scope(engine) as session:
            if ensure_first_admin(session, app.actor):
                info(f"{app.actor} is the first admin (`assetctl user add` grants roles)")
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        info(f"Database up to date (revision {after}): {where}")
    else:
        info(f"Database ready (revision {before or 'empty'} -> {after}): {where}")


def initials(name: str) -> str:
    """A tag prefix from a name: its words' initials, ``Le Mans Métropole`` -> ``LMM``."""
    import re

    from assetctl.vocabulary import fold

    words = [w for w in re.split(r"[^a-z0-9]+", fold(name)) if w]
    letters = "".join(w[0] for w in words)[:6].upper()
    return letters if len(letters) >= 2 else "".join(words).upper()[:4] or "PARC"


def _write_new(path: Path, given: dict[str, Any], *, interactive: bool) -> None:
    """A new configuration from ``init``'s options (asked for in a terminal)."""
    name = (given["organisation"] or "").strip()
    if interactive:
        while not name:
            name = click.prompt("Organisation (printed on every document)").strip()
        given["prefix"] = given["prefix"] or click.prompt("Asset tag prefix", initials(name))
        if given["support_phone"] is None:
            given["support_phone"] = click.prompt(
                "Support phone (blank: none)", "", show_default=False
            )
    if not name:
        raise click.UsageError(
            "a new configuration needs the organisation's name, printed on every document: "
            'give --organisation "..." (or run `assetctl init` in a terminal)'
        )
    values = {k: v or (0 if k.endswith("_cents") else "") for k, v in given.items()}
    values.update(organisation=name, prefix=(given["prefix"] or initials(name)).strip().upper())
    write_config(path, **values)
    info(f"Configuration written: {path}")
    if not values["budget_total_cents"] or not values["budget_equipment_cents"]:
        info("The budget is not set: the reports say so (`[budget]` in the configuration)")


def _kept(settings: Settings, path: Path, given: list[str]) -> None:
    """Say what the existing configuration holds, and that options do not change it."""
    info(
        f"Configuration kept: {path} (organisation {settings.organisation!r}, tag prefix "
        f"{settings.tag_prefix})"
    )
    if given:
        names = [
            "tag prefix" if g == "prefix" else g.removesuffix("_cents").replace("_", " ")
            for g in given
        ]
        info(
            f"Not applied: {', '.join(names)}; `init` does not change an existing "
            f"configuration: edit {path} (`assetctl config show` prints what is in force)"
        )


@click.group()
def config() -> None:
    """Show the configuration in force."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@pass_app
def config_show(app: AppContext, as_json: bool) -> None:
    """Print the settings in force and where they come from."""
    settings = app.settings
    data: dict[str, Any] = {
        "config_file": str(settings.config_path) if settings.config_path else None,
        "data_dir": str(settings.data_dir),
        "database_url": _redact(app.database_url),
        "organisation": settings.organisation,
        "support_phone": settings.support_phone,
        "tag_prefix": settings.tag_prefix,
        "tag_digits": settings.tag_digits,
        "kind_codes": settings.kind_codes,
        "refurbished_min_age_years": settings.refurbished_min_age_years,
        "operator": settings.actor,
        "time_zone": settings.time_zone,
        "csv_excel": settings.csv_excel,
        # 0: not set (the reports say "budget non renseigné")
        "budget_total_cents": settings.programme.budget_total_cents,
        "budget_equipment_cents": settings.programme.budget_equipment_cents,
        "refurbishment_per_device_cents": settings.programme.refurbishment_cents,
    }
    if as_json:
        emit_json(data)
        return
    if settings.config_path is None:
        info(f"No configuration file at {config_path()}: defaults shown (run `assetctl init`).")
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif key.endswith("_cents"):
            key, value = (
                key.removesuffix("_cents"),
                euros_text(value) if value else "not set",
            )
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        click.echo(f"{key:28} {value if value not in (None, '') else '-'}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
