"""Image profiles: they load, they are checked, and every package exists in the archive."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from assetctl.errors import ConfigError
from assetctl.images.profiles import all_profiles, load_profile, parse_profile
from tests.conftest import Cli

IMAGES = Path(__file__).resolve().parents[2] / "images"
SHIPPED = sorted(p.stem for p in IMAGES.glob("*.toml"))


def test_the_three_profiles_ship() -> None:
    assert {"famille-primaire", "famille-college", "test-minimal"} <= set(SHIPPED)
    assert {p.name for p in all_profiles()} >= set(SHIPPED)


def test_profiles_follow_the_programme() -> None:
    primary, college = load_profile("famille-primaire"), load_profile("famille-college")
    assert primary.for_kinds == ("desktop",) and college.for_kinds == ("laptop",)
    for profile in (primary, college):
        assert (profile.locale, profile.keyboard, profile.timezone) == (
            "fr_FR.UTF-8",
            "fr",
            "Europe/Paris",
        )
        assert profile.parent.administrator and not profile.children.administrator
        assert profile.firefox["dns_over_https"] == "off" and profile.firefox["safe_search"]
        assert profile.dns["enabled"] and profile.time_limits["enabled"]
        assert {
            "firefox-esr",
            "libreoffice-writer",
            "timekpr-next",
            "unattended-upgrades",
            "systemd-resolved",
            "task-xfce-desktop",
            "sudo",  # the parent is an administrator: found missing on a booted lab laptop
        } <= set(profile.all_packages())
    assert {"gcompris-qt", "tuxpaint"} <= set(primary.packages)
    assert {"geogebra", "scratch", "evince", "firmware-iwlwifi", "tlp"} <= set(college.packages)
    from assetctl.images.profiles import BOOT_PACKAGES

    for profile in (primary, college):  # bootable: a kernel and both boot loaders
        assert {"linux-image-amd64", *BOOT_PACKAGES} <= set(profile.all_packages())
    tiny = load_profile("test-minimal")
    # small enough for CI: the boot loaders, no kernel, almost nothing else
    assert not tiny.kernel and "linux-image-amd64" not in tiny.all_packages()
    assert set(BOOT_PACKAGES) <= set(tiny.all_packages())
    assert len(set(tiny.all_packages()) - set(BOOT_PACKAGES)) <= 4


def test_hash_follows_content_not_formatting() -> None:
    text = (IMAGES / "famille-college.toml").read_text()
    doc = tomllib.loads(text)
    same = parse_profile("famille-college", tomllib.loads(text + "\n# a comment\n"))
    assert parse_profile("famille-college", doc).digest() == same.digest()
    doc["parental"]["time_limits"]["daily_minutes"] = 60
    assert parse_profile("famille-college", doc).digest() != same.digest()


TWIN = {"name": "famille", "label": "Famille bis", "servers": ["185.228.168.168"]}


def test_unsafe_or_broken_profiles_are_refused() -> None:
    base = tomllib.loads((IMAGES / "famille-primaire.toml").read_text())

    def variant(path: list[str], value: object) -> dict:
        doc = json.loads(json.dumps(base))
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return doc

    cases = [
        (variant(["accounts", "children", "administrator"], True), "must not be an admin"),
        (variant(["parental", "firefox", "dns_over_https"], "on"), "would bypass the DNS"),
        (variant(["packages", "install"], ["Firefox ESR"]), "Debian package names"),
        (variant(["system", "desktop"], "kde-plasma-full"), "system.desktop must be"),
        (variant(["parental", "time_limits", "allowed_hours"], "all day"), "08:00-20:00"),
        (variant(["parental", "time_limits", "allowed_hours"], "20:00-08:00"), "before its end"),
        (variant(["for_kinds"], ["toaster"]), "for_kinds must list"),
        (variant(["parental", "time_limits", "daily_minutes"], 0), "from 15 to 1440"),
        (variant(["parental", "time_limits", "daily_minutes"], "2h"), "from 15 to 1440"),
        (variant(["parental", "dns", "alternatives"], [{"name": "x"}]), "a name, a label"),
        (variant(["parental", "dns", "alternatives"], [TWIN]), "named twice"),
    ]
    for doc, message in cases:
        with pytest.raises(ConfigError, match=message):
            parse_profile("x", doc)


def test_cli_lists_and_shows_profiles(cli_db: Cli) -> None:
    listed = json.loads(cli_db.ok("image", "profiles", "--json").stdout)
    assert {r["name"] for r in listed} >= {"famille-primaire", "famille-college"}
    shown = json.loads(cli_db.ok("image", "show", "famille-college", "--json").stdout)
    assert shown["children"]["name"] == "eleve" and shown["hash"]
    assert (
        "no image profile 'famille-lycee'" in cli_db.fails("image", "show", "famille-lycee").stderr
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The base distribution's package lists, fetched into a private apt state."""
    from assetctl.images.archive import ArchiveError, prepare

    options: dict[str, list[str]] = {}
    try:
        for profile in all_profiles():
            key = f"{profile.mirror} {profile.suite} {' '.join(profile.components)}"
            if key not in options:
                folder = tmp_path_factory.mktemp("apt")
                options[key] = prepare(
                    folder,
                    mirror=profile.mirror,
                    suite=profile.suite,
                    components=profile.components,
                )
    except ArchiveError as exc:
        if os.environ.get("ASSETCTL_REQUIRE_ARCHIVE") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    return options


@pytest.mark.parametrize("name", SHIPPED)
def test_every_package_exists_in_the_base_distribution(
    name: str, archive: dict[str, list[str]]
) -> None:
    from assetctl.images.archive import candidates

    profile = load_profile(name)
    key = f"{profile.mirror} {profile.suite} {' '.join(profile.components)}"
    found = candidates(archive[key], profile.all_packages())
    missing = sorted(package for package, version in found.items() if version is None)
    assert not missing, f"{name}: not in {profile.suite} ({', '.join(profile.components)})"


def test_an_image_build_without_the_images_extra_says_what_to_install(
    cli_db: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bench runs without the `ansible` bundle; only image builds need its collection."""
    import sys

    # as on a machine where the `ansible` package (ansible_collections) is not installed
    monkeypatch.setitem(sys.modules, "ansible_collections", None)
    result = cli_db.fails("image", "build", "test-minimal", "--force")
    assert "needs Ansible's community.general collection" in result.stderr
    assert "pip install 'assetctl[images]'" in result.stderr


def test_time_limits_are_written_as_timekpr_next_reads_them() -> None:
    import configparser

    from assetctl.images.build import timekpr_control, timekpr_user
    from assetctl.images.profiles import load_profile

    college = load_profile("famille-college")  # 180 minutes a day, 07:30 to 21:30
    config = configparser.ConfigParser(allow_no_value=True)
    config.read_string(timekpr_user(college))
    # the daemon reads the section named after the user (a [USER] section, as first written,
    # made it replace the file with its defaults: no limit; found on a booted lab laptop)
    user = config["eleve"]
    hours = "7[30-60];8;9;10;11;12;13;14;15;16;17;18;19;20;21[0-30]"  # minutes run to 60
    assert [user[f"ALLOWED_HOURS_{day}"] for day in range(1, 8)] == [hours] * 7
    assert user["LIMITS_PER_WEEKDAYS"] == ";".join(["10800"] * 7)
    control = configparser.ConfigParser()
    control.read_string(timekpr_control(college))
    assert control["eleve"]["TIME_SPENT_DAY"] == "0"
