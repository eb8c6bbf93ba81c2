"""Settings: one documented TOML file plus environment variables.

The database URL comes from ``--db-url``, else ``ASSETCTL_DATABASE_URL``, else ``[database] url``
in the config file, else an SQLite file in the data directory.

- :mod:`~assetctl.config.paths`: where the files live (``ASSETCTL_HOME``, the user folders);
- :mod:`~assetctl.config.settings`: the settings, each declared once with its section, key,
  default and check;
- ``template.toml``: the documented file ``assetctl init`` writes (a test parses it back into
  the defaults).

Nothing here runs at import time: :func:`load_settings` is called by the command that needs it.
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from assetctl.config.paths import (
    config_dir,
    config_path,
    data_dir,
    default_database_url,
    home_override,
    resource_dirs,
)
from assetctl.config.settings import (
    BenchSettings,
    ImageSettings,
    LabelSettings,
    ProgrammeSettings,
    Settings,
    read,
)
from assetctl.errors import ConfigError

__all__ = [
    "BenchSettings",
    "ImageSettings",
    "LabelSettings",
    "ProgrammeSettings",
    "Settings",
    "config_dir",
    "config_path",
    "data_dir",
    "default_database_url",
    "home_override",
    "load_settings",
    "parse_settings",
    "render_template",
    "resolve_database_url",
    "resource_dirs",
    "save_calibration",
    "write_config",
]


def parse_settings(doc: dict[str, object], path: Path) -> Settings:
    """Check a parsed config document and turn it into :class:`Settings`."""
    return read(doc, path, data_dir())


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file gives the defaults (``assetctl init`` writes one)."""
    path = path or config_path()
    if not path.exists():
        return Settings(config_path=None, data_dir=data_dir())
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it or move it away") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; fix it or move it away") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return parse_settings(doc, path)


def resolve_database_url(settings: Settings, cli_url: str | None = None) -> str:
    for candidate in (cli_url, os.environ.get("ASSETCTL_DATABASE_URL"), settings.database_url):
        if candidate and candidate.strip():
            return candidate.strip()
    return default_database_url()


def toml_string(value: str) -> str:
    import json

    # A JSON string literal is a valid TOML basic string for everything we write here.
    return json.dumps(value, ensure_ascii=False)


def render_template(**values: Any) -> str:
    """The documented config file, with the values ``assetctl init`` asks for filled in:
    ``organisation``, ``prefix``, ``support_phone``, ``operator`` (texts) and
    ``budget_total_cents``, ``budget_equipment_cents`` (0 or absent: not set)."""
    template = resources.files(__name__).joinpath("template.toml").read_text(encoding="utf-8")
    return template.format(
        **{
            k: toml_string(values[k])
            for k in ("organisation", "prefix", "support_phone", "operator")
        },
        budget_total=f"{values.get('budget_total_cents', 0) / 100:.2f}",
        budget_equipment=f"{values.get('budget_equipment_cents', 0) / 100:.2f}",
    )


def write_config(path: Path, **values: Any) -> None:
    """Write a fresh documented config file (mode 0600) and check it parses; ``values`` as
    :func:`render_template` takes them."""
    text = render_template(**values)
    parse_settings(tomllib.loads(text), path)  # refuse to write what we could not read back
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def save_calibration(printer: str, x_mm: float, y_mm: float) -> Path:
    """Write a printer's offsets into the config file, keeping its comments."""
    import tomlkit

    path = config_path()
    if not path.exists():
        raise ConfigError(f"no configuration file at {path}: run `assetctl init` first")
    if not printer.strip():
        raise ConfigError("the printer name is empty")
    if abs(x_mm) > 20 or abs(y_mm) > 20:
        raise ConfigError("offsets above 20 mm are not a calibration: check the layout instead")
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    labels = document.setdefault("labels", tomlkit.table())
    calibration = labels.setdefault("calibration", tomlkit.table(is_super_table=True))
    entry = tomlkit.table()
    entry["x_mm"] = round(x_mm, 2)
    entry["y_mm"] = round(y_mm, 2)
    calibration[printer.strip()] = entry
    text = tomlkit.dumps(document)
    parse_settings(tomllib.loads(text), path)  # never write a file we could not read back
    temporary = path.with_suffix(".toml.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)
    return path
