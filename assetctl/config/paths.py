"""Where assetctl keeps its files.

- ``ASSETCTL_HOME`` set: the config file and the data (SQLite database, run artefacts, logs)
  are both in that directory. Tests point it at a temporary directory.
- otherwise: the config file in the user config directory and the data in the user data
  directory (``~/.config/assetctl`` and ``~/.local/share/assetctl`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "assetctl"
CONFIG_FILENAME = "config.toml"
DB_FILENAME = "assetctl.db"


def home_override() -> Path | None:
    home = os.environ.get("ASSETCTL_HOME", "").strip()
    return Path(home).expanduser() if home else None


def config_dir() -> Path:
    home = home_override()
    if home:
        return home
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME))


def data_dir() -> Path:
    home = home_override()
    if home:
        return home
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def config_path() -> Path:
    return config_dir() / CONFIG_FILENAME


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / DB_FILENAME}"


def resource_dirs(name: str) -> list[Path]:
    """Where a folder of data files (labels, images, playbooks) is looked for, first match
    first: the user's configuration folder, then the copy shipped with assetctl (package data,
    found through importlib.resources, in a wheel as in a source checkout)."""
    from assetctl.resources import shipped

    return [config_dir() / name, shipped(name)]
