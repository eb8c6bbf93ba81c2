"""Image profiles: one TOML file each in ``images/``, loaded by name and checked.

A profile says what a family's system is: the Debian base, the packages, locale, keyboard,
time zone, desktop, the parent's and the children's accounts, the parental settings (DNS
filter, Firefox policies, time limits), automatic updates, branding. Its hash (of the parsed
content, not the file's bytes) tells an image build whether anything changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assetctl.config import resource_dirs
from assetctl.errors import ConfigError, NotFoundError
from assetctl.images.first_start import MAX_MINUTES, MIN_MINUTES, Invalid, parse_hours
from assetctl.vocabulary import Kind, codes

DESKTOPS = {
    "xfce": "task-xfce-desktop",
    "lxqt": "task-lxqt-desktop",
    "mate": "task-mate-desktop",
    "none": None,
}
# both boot loaders: the deployment installs the one the machine's firmware needs
BOOT_PACKAGES = ("grub-efi-amd64-bin", "grub-pc-bin", "grub2-common", "e2fsprogs")
_NAME = re.compile(r"^[a-z][a-z0-9._-]{0,30}$")
_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


def search_path() -> list[Path]:
    return resource_dirs("images")


@dataclass(frozen=True)
class Account:
    name: str
    full_name: str
    administrator: bool


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    for_kinds: tuple[str, ...]
    suite: str
    mirror: str
    components: tuple[str, ...]
    variant: str
    locale: str
    keyboard: str
    timezone: str
    desktop: str
    packages: tuple[str, ...]
    parent: Account
    children: Account
    dns: dict[str, Any] = field(default_factory=dict)
    firefox: dict[str, Any] = field(default_factory=dict)
    time_limits: dict[str, Any] = field(default_factory=dict)
    # the parental-control assistant at first start-up (loi n° 2022-300): on unless a test
    # profile turns it off
    first_start: bool = True
    unattended_upgrades: bool = True
    branding: dict[str, Any] = field(default_factory=dict)
    # false only for test profiles: no kernel (the image is deployed and checked, not booted)
    kernel: bool = True
    # the boot menu and the kernel's console also on the first serial port (boot tests)
    serial_console: bool = False
    source: Path | None = None

    def all_packages(self) -> list[str]:
        """Every package the image installs: the list, the desktop and the settings' own."""
        wanted = [*self.packages, *BOOT_PACKAGES]
        if self.kernel:  # a bootable system: a kernel and an init (minbase has neither)
            wanted += ["linux-image-amd64", "systemd-sysv"]
        desktop = DESKTOPS.get(self.desktop)
        if desktop:
            wanted.append(desktop)
        if self.dns.get("enabled"):
            wanted.append("systemd-resolved")
        if self.time_limits.get("enabled"):
            wanted.append("timekpr-next")
        if self.parent.administrator or self.children.administrator:
            wanted.append("sudo")  # an administrator's group without sudo is no right at all
        if self.unattended_upgrades:
            wanted.append("unattended-upgrades")
        return sorted(set(wanted))

    def digest(self) -> str:
        """sha256 of the profile's content (what a build depends on)."""
        content = asdict(self)
        content.pop("source")
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _section(doc: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _account(doc: dict[str, Any], key: str, where: str) -> Account:
    value = doc.get(key)
    if not isinstance(value, dict) or not _NAME.match(str(value.get("name", ""))):
        raise ConfigError(f"{where}: accounts.{key} needs a name (lower case letters, digits)")
    return Account(
        str(value["name"]),
        str(value.get("full_name", value["name"])),
        bool(value.get("administrator", False)),
    )


def _filter_levels(dns: dict[str, Any], where: str) -> None:
    """The other filtering levels the parent may choose at first start-up, besides the
    default one (``servers`` and ``tls_name`` of ``[parental.dns]``)."""
    others = dns.get("alternatives", [])
    if not isinstance(others, list):
        raise ConfigError(f"{where}: parental.dns.alternatives must be a list of tables")
    names = {str(dns.get("level", "famille"))}
    for other in others:
        if not (
            isinstance(other, dict)
            and _NAME.match(str(other.get("name", "")))
            and str(other.get("label", "")).strip()
            and isinstance(other.get("servers"), list)
            and other["servers"]
        ):
            raise ConfigError(
                f"{where}: each parental.dns.alternatives needs a name, a label and servers"
            )
        if other["name"] in names:
            raise ConfigError(f"{where}: filtering level {other['name']!r} is named twice")
        names.add(other["name"])


def parse_profile(name: str, doc: dict[str, Any], source: Path | None = None) -> Profile:
    where = str(source or name)
    base, system = _section(doc, "base", where), _section(doc, "system", where)
    packages = _section(doc, "packages", where).get("install", [])
    accounts, parental = _section(doc, "accounts", where), _section(doc, "parental", where)
    if not isinstance(packages, list) or not all(
        isinstance(p, str) and _PACKAGE.match(p) for p in packages
    ):
        raise ConfigError(f"{where}: packages.install must list Debian package names")
    kinds = doc.get("for_kinds", [])
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= {k.value for k in Kind}:
        raise ConfigError(f"{where}: for_kinds must list some of {codes(Kind)}")
    desktop = str(system.get("desktop", "xfce"))
    if desktop not in DESKTOPS:
        raise ConfigError(f"{where}: system.desktop must be one of {', '.join(DESKTOPS)}")
    parent, children = _account(accounts, "parent", where), _account(accounts, "children", where)
    if children.administrator:
        raise ConfigError(f"{where}: the children's account must not be an administrator")
    if parent.name == children.name:
        raise ConfigError(f"{where}: the parent and the children need two accounts")
    dns = _section(parental, "dns", where)
    if dns.get("enabled") and not dns.get("servers"):
        raise ConfigError(f"{where}: parental.dns needs servers (a family-filtering resolver)")
    _filter_levels(dns, where)
    firefox = _section(parental, "firefox", where)
    if firefox.get("dns_over_https", "off") not in ("off", "filtered"):
        raise ConfigError(
            f"{where}: parental.firefox.dns_over_https must be off (locked) or "
            "filtered: left on, it would bypass the DNS filter"
        )
    limits = _section(parental, "time_limits", where)
    if limits.get("enabled"):
        try:  # the assistant's own reading of hours: what the build writes, it reads back
            parse_hours(str(limits.get("allowed_hours", "")))
        except Invalid:
            raise ConfigError(
                f"{where}: parental.time_limits.allowed_hours must read like 08:00-20:00 "
                "(a start before its end, between 00:00 and 24:00)"
            ) from None
    minutes, least, most = limits.get("daily_minutes", 120), MIN_MINUTES, MAX_MINUTES
    if limits.get("enabled") and not (
        isinstance(minutes, int) and not isinstance(minutes, bool) and least <= minutes <= most
    ):
        raise ConfigError(
            f"{where}: parental.time_limits.daily_minutes must be minutes, from {least} to {most}"
        )
    locale = str(system.get("locale", "fr_FR.UTF-8"))
    if not re.fullmatch(r"[a-z]{2}_[A-Z]{2}\.UTF-8", locale):
        raise ConfigError(f"{where}: system.locale {locale!r} must read like fr_FR.UTF-8")
    return Profile(
        name=name,
        description=str(doc.get("description", name)),
        for_kinds=tuple(kinds),
        suite=str(base.get("suite", "bookworm")),
        mirror=str(base.get("mirror", "http://deb.debian.org/debian")),
        components=tuple(base.get("components", ["main"])),
        variant=str(base.get("variant", "minbase")),
        locale=locale,
        keyboard=str(system.get("keyboard", "fr")),
        timezone=str(system.get("timezone", "Europe/Paris")),
        desktop=desktop,
        packages=tuple(packages),
        parent=parent,
        children=children,
        dns=dict(dns),
        firefox=dict(firefox),
        time_limits=dict(limits),
        first_start=bool(_section(parental, "first_start", where).get("enabled", True)),
        unattended_upgrades=bool(_section(doc, "updates", where).get("unattended", True)),
        branding=dict(_section(doc, "branding", where)),
        kernel=bool(base.get("kernel", True)),
        serial_console=bool(system.get("serial_console", False)),
        source=source,
    )


def _files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in search_path():
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found.setdefault(path.stem, path)
    return found


def load_profile(name: str) -> Profile:
    files = _files()
    if name not in files:
        raise NotFoundError(f"no image profile {name!r}; profiles: {', '.join(sorted(files))}")
    path = files[name]
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse_profile(name, doc, path)


def all_profiles() -> list[Profile]:
    return [load_profile(name) for name in sorted(_files())]


def default_profile_for(kind: str) -> str:
    """The programme's rule: desktops (children 0 to 9) and laptops (9 and over)."""
    return {"desktop": "famille-primaire", "laptop": "famille-college"}.get(kind, "")
