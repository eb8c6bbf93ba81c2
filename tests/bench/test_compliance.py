"""verify.yml's compliance checks on a system tree (playbooks/module_utils/assetctl_compliance.py,
the file the verify module runs on the machine itself)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import playbook_module

ROOT = Path(__file__).resolve().parents[2]
compliance = playbook_module("assetctl_compliance")

PROFILE = {
    "packages": [],
    "locale": "fr_FR.UTF-8",
    "keyboard": "fr",
    "timezone": "Europe/Paris",
    "parent": {"name": "parent", "administrator": True},
    "children": {"name": "eleve", "administrator": False},
}


def system(root: Path, packages: list[str]) -> str:
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text(
        "parent:x:1000:1000::/home/parent:/bin/bash\neleve:x:1001:1001::/home/eleve:/bin/bash\n"
    )
    (root / "etc/group").write_text("sudo:x:27:parent\nparent:x:1000:\neleve:x:1001:\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(
        "".join(f"Package: {p}\nStatus: install ok installed\n\n" for p in packages)
    )
    return str(root)


def administrator(root: str) -> dict[str, object]:
    checks = compliance.run_checks(root, PROFILE, "LMM-PP-00001", "uefi")
    return next(c for c in checks if c["check"] == "parent is an administrator")


def test_an_administrator_needs_sudo_installed_not_only_the_group(tmp_path: Path) -> None:
    # the family image booted in the lab: the parent in the sudo group, and no sudo command
    without = administrator(system(tmp_path / "without", ["bash"]))
    assert not without["ok"] and without["detail"] == "sudo is not installed"
    assert administrator(system(tmp_path / "with", ["bash", "sudo"]))["ok"]
