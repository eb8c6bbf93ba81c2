"""The data files shipped with assetctl: label layouts, image profiles, playbooks.

They live at the top of the source tree (``labels/``, ``images/``, ``playbooks/``) and are
installed as the sub-packages ``assetctl.resources.labels``, ``.images`` and ``.playbooks``
(see ``[tool.setuptools.package-dir]`` in pyproject.toml), so that a wheel installed anywhere
finds them through :mod:`importlib.resources`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

NAMES = ("labels", "images", "playbooks")


def shipped(name: str) -> Path:
    """The folder of the shipped data files called ``name`` (a real directory on disk:
    ansible-runner and the image builder read files by path)."""
    if name not in NAMES:
        raise ValueError(f"no shipped data folder {name!r}")
    folder = resources.files(f"{__name__}.{name}")
    return Path(str(folder))
