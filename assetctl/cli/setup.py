"""`assetctl init` and `assetctl config`."""

from __future__ import annotations

import sys

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import emit_json, info
from assetctl.config import Settings, config_path, write_config


@click.command()
@click.option("--organisation", help="Organisation name printed on documents.")
@click.option("--tag-prefix", help="Asset tag prefix, e.g. LMM.")
@click.option("--support-phone", help="Support phone printed on labels.")
@click.option("--operator", help="Name recorded in the history (default: login name).")
@click.option("--yes", "-y", is_flag=True, help="Ask nothing; use defaults for what is not given.")
@pass_app
def init(
    app: AppContext,
    organisation: str | None,
    tag_prefix: str | None,
    support_phone: str | None,
    operator: str | None,
    yes: bool,
) -> None:
    """Create the configuration file and the database (or bring it up to date).

    Asks for the organisation's name and tag prefix when run in a terminal; run
    non-interactively (or with --yes) it asks nothing. An existing configuration is kept.
    """
    from assetctl.db import make_engine, upgrade

    path = config_path()
    defaults = Settings()
    interactive = sys.stdin.isatty() and not yes
    if path.exists():
        info(f"Configuration kept: {path}")
    else:
        if interactive:
            organisation = organisation or click.prompt("Organisation", defaults.organisation)
            tag_prefix = tag_prefix or click.prompt("Asset tag prefix", defaults.tag_prefix)
            support_phone = (
                support_phone
                if support_phone is not None
                else click.prompt("Support phone (blank: none)", "", show_default=False)
            )
        write_config(
            path,
            organisation=organisation or defaults.organisation,
            prefix=(tag_prefix or defaults.tag_prefix).strip().upper(),
            support_phone=support_phone or "",
            operator=operator or "",
        )
        info(f"Configuration written: {path}")
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


@click.group()
def config() -> None:
    """Show the configuration in force."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@pass_app
def config_show(app: AppContext, as_json: bool) -> None:
    """Print the settings in force and where they come from."""
    settings = app.settings
    data = {
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
    }
    if as_json:
        emit_json(data)
        return
    if settings.config_path is None:
        info(f"No configuration file at {config_path()}: defaults shown (run `assetctl init`).")
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        click.echo(f"{key:28} {value if value not in (None, '') else '-'}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
