"""What a wheel carries: every package, the shipped data folders found with importlib.resources
from wherever it is installed, one version."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "assetctl").rglob("__init__.py")
    }
    found |= {f"assetctl.resources.{name}" for name in ("labels", "images", "playbooks")}
    assert listed == found


def test_a_wheel_installed_outside_the_repository_finds_its_data(tmp_path: Path) -> None:
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(wheels)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("assetctl-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(target), "ASSETCTL_HOME": str(tmp_path / "home")}
    probe = (
        "import assetctl, pathlib\n"
        "from assetctl.resources import shipped\n"
        "from assetctl.config import render_template\n"
        "print(assetctl.__file__)\n"
        "for name in ('labels', 'images', 'playbooks'): print(shipped(name))\n"
        "print((shipped('playbooks') / 'ansible.cfg').is_file())\n"
        "print((shipped('playbooks') / 'library' / 'assetctl_wipe.py').is_file())\n"
        "print('[organisation]' in render_template(organisation='X', prefix='X', "
        "support_phone='', operator=''))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, check=True, capture_output=True,
        text=True,
    ).stdout.split()  # fmt: skip
    assert all(line.startswith(str(target)) for line in out[:4]), out
    assert out[4:] == ["True", "True", "True"]
    layouts = subprocess.run(
        [sys.executable, "-m", "assetctl", "label", "layouts"], cwd=tmp_path, env=env,
        capture_output=True, text=True,
    )  # fmt: skip
    assert layouts.returncode == 0, layouts.stderr
    assert "avery-l7160" in layouts.stdout and "brother-ql-dk22205" in layouts.stdout
    version = subprocess.run(
        [sys.executable, "-m", "assetctl", "--version"], cwd=tmp_path, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    import assetctl

    assert version.stdout.strip() == f"assetctl, version {assetctl.__version__}"
    assert wheel.name.startswith(f"assetctl-{assetctl.__version__}-")
