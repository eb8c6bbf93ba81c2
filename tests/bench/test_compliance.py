"""verify.yml's compliance checks on a system tree (playbooks/module_utils/assetctl_compliance.py,
the file the verify module runs on the machine itself)."""

from __future__ import annotations

import json
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


def armed_tree(root: Path) -> dict[str, object]:
    """A system tree with the parental-control assistant as image.yml installs it."""
    from assetctl.images import build, first_start
    from assetctl.images.profiles import load_profile

    profile = load_profile("famille-college")
    paths = build.first_start_paths()
    system(root, [])

    def put(path: str, text: str) -> Path:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    put(paths["program"], Path(first_start.__file__).read_text()).chmod(0o755)
    put("/usr/bin/python3", "")
    put(paths["settings"], json.dumps(build.first_start_settings(profile)))
    put(paths["unit"], first_start.unit_file())
    (root / paths["wants"].lstrip("/")).parent.mkdir(parents=True)
    (root / paths["wants"].lstrip("/")).symlink_to(paths["unit"])
    put(paths["armed"], "armed\n")
    return {**PROFILE, "first_start": True, "first_start_paths": paths}


def assistant_check(root: Path, profile: dict[str, object]) -> dict[str, object]:
    checks = compliance.run_checks(str(root), profile, "LMM-PP-00001", "uefi")
    return next(c for c in checks if c["check"].startswith("parental-control assistant"))


def test_the_first_start_assistant_must_be_armed(tmp_path: Path) -> None:
    from assetctl.images import build

    paths = build.first_start_paths()
    broken = {
        "disarmed": lambda root: (root / paths["armed"].lstrip("/")).unlink(),
        "not enabled": lambda root: (root / paths["wants"].lstrip("/")).unlink(),
        "no program": lambda root: (root / paths["program"].lstrip("/")).chmod(0o644),
        "another child": lambda root: (root / paths["settings"].lstrip("/")).write_text(
            '{"child": "enfant"}'
        ),
        "no interpreter": lambda root: (root / "usr/bin/python3").unlink(),
    }
    good = tmp_path / "good"
    profile = armed_tree(good)
    assert assistant_check(good, profile)["ok"], assistant_check(good, profile)
    details = {}
    for name, breaks in broken.items():
        root = tmp_path / name.replace(" ", "-")
        armed_tree(root)
        breaks(root)
        check = assistant_check(root, profile)
        assert not check["ok"], name
        details[name] = check["detail"]
    assert details["disarmed"] == "not armed (/var/lib/assetctl/premier-demarrage missing)"
    assert "not enabled" in details["not enabled"]
    assert "not executable" in details["no program"]
    assert "not for this children's account" in details["another child"]
    assert details["no interpreter"] == "no /usr/bin/python3 to run it"
    # a profile without the assistant (a boot test's) does not ask for it
    quiet = compliance.run_checks(str(good), {**PROFILE, "first_start": False}, "X", "uefi")
    assert not [c for c in quiet if c["check"].startswith("parental-control assistant")]


def test_the_children_account_must_be_refused_installations(tmp_path: Path) -> None:
    from assetctl.images import first_start

    root = Path(system(tmp_path / "fs", []))

    def rule() -> dict[str, object]:
        checks = compliance.run_checks(str(root), PROFILE, "LMM-PP-00001", "uefi")
        return next(c for c in checks if "software installation" in c["check"])

    assert not rule()["ok"]  # no rule at all
    target = root / "etc/polkit-1/rules.d/50-assetctl-children.rules"
    target.parent.mkdir(parents=True)
    target.write_text(first_start.polkit_rule("enfant"))  # another account's rule
    assert not rule()["ok"]
    target.write_text(first_start.polkit_rule("eleve"))
    assert rule()["ok"]
