"""The settings model: each setting declared once, with its TOML section and key, its default
and its check.

:func:`setting` puts the section, the key and the check on a dataclass field; :func:`read`
walks the fields, so adding a setting is one line here (and its documentation in
``template.toml``, which a test parses back into these defaults). A file with an unknown
section or key is refused, so that a typing mistake does not silently keep a default.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from assetctl.errors import ConfigError
from assetctl.vocabulary import Kind, Media

Check = Callable[[Any, str], Any]
T = TypeVar("T")

_CODE_RE = re.compile(r"^[A-Z0-9]{1,10}$")
_URL_RE = re.compile(r"^https?://[^\s]+$")

DEFAULT_KIND_CODES = {
    Kind.DESKTOP.value: "PC",
    Kind.LAPTOP.value: "PP",
    Kind.PRINTER.value: "IM",
    Kind.MONITOR.value: "EC",
    Kind.OTHER.value: "DV",
}
NEIGHBOURHOODS = (
    "Chaoué-Perrières",
    "Bellevue-Carnac",
    "Sablons-Bords de l'Huisne",
    "Ronceray-Glonnières-Vauguyon",
    "Epine",
    "hors QPV",
)
CRITERIA = (
    "Famille accompagnée par le Programme de Réussite Éducative",
    "Enfant scolarisé dans un établissement du programme",
    "Pas d'équipement fonctionnel adapté au travail scolaire",
    "Besoin numérique exprimé par la famille",
)


def setting(
    section: str,
    default: Any = MISSING,
    check: Check | None = None,
    *,
    key: str | None = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A field read from ``[section] key`` (the field's name by default), checked by ``check``
    (which returns the value to keep)."""
    metadata = {"section": section, "key": key, "check": check or text}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def nested(cls: type[Any]) -> Any:
    """A field holding a group of settings (its own fields say their sections)."""
    return field(default_factory=cls, metadata={"nested": cls})


# --- checks: each takes the value and where it was found ("tags.digits"), returns the value ---


def _kind_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    return {int: "a whole number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), type(value).__name__
    )


def text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, not {value!r}")
    return value


def stripped(value: Any, where: str) -> str:
    return text(value, where).strip()


def time_zone(value: Any, where: str) -> str:
    """An IANA time zone name, e.g. "Europe/Paris" (documents show local time)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = text(value, where).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f'{where} {value!r} is not a time zone: use a name such as "Europe/Paris" or '
            '"America/Cayenne"'
        ) from None
    return name


def code(value: Any, where: str) -> str:
    """A prefix or code: 1 to 10 letters or digits, kept in capitals."""
    found = text(value, where).strip().upper()
    if not _CODE_RE.match(found):
        raise ConfigError(f'{where} {value!r} must be 1 to 10 letters or digits, e.g. "LMM"')
    return found


def whole(low: int, high: int, unit: str = "") -> Check:
    def check(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{where} must be between {low} and {high}{unit}, not {value}")
        return value

    return check


def number(low: float, high: float, unit: str = "") -> Check:
    def check(value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        if not (math.isfinite(value) and low <= value <= high):
            raise ConfigError(f"{where} must be between {low:g} and {high:g}{unit}, not {value}")
        return float(value)

    return check


def flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    return value


def euros(value: Any, where: str) -> int:
    """An amount in euros, kept in cents."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be an amount in euros (e.g. 5.00), not {value!r}")
    if not (math.isfinite(value) and 0 <= value <= 100_000_000):
        raise ConfigError(f"{where} must be an amount in euros (e.g. 5.00), not {value!r}")
    return round(value * 100)


def strings(value: Any, where: str) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ConfigError(f"{where} must be a non-empty list of strings")
    return tuple(v.strip() for v in value)


def media_types(value: Any, where: str) -> tuple[Media, ...]:
    """A list of disk media types (may be empty)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where} must be a list of media types, e.g. ["hdd"]')
    known = ", ".join(m.value for m in Media)
    found = []
    for item in value:
        try:
            found.append(Media(item.strip().lower()))
        except ValueError:
            raise ConfigError(f"{where}: {item!r} is not a media type ({known})") from None
    return tuple(dict.fromkeys(found))


def url_or_empty(value: Any, where: str) -> str:
    found = stripped(value, where)
    if found and not _URL_RE.match(found):
        raise ConfigError(f"{where} must be an http(s) URL, not {found!r}")
    return found


def path(value: Any, where: str) -> Path:
    return Path(stripped(value, where)).expanduser()


def optional_path(value: Any, where: str) -> Path | None:
    found = stripped(value, where)
    return Path(found).expanduser() if found else None


def database_url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string")
    return value.strip()


def qr_payload(value: Any, where: str) -> str:
    found = text(value, where)
    if found.count("{tag}") != 1:
        raise ConfigError(
            f'{where} must contain {{tag}} once, e.g. "{{tag}}" or "https://example.org/a/{{tag}}"'
        )
    return found


def error_correction(value: Any, where: str) -> str:
    found = text(value, where).upper()
    if found not in ("M", "Q", "H"):
        raise ConfigError(f"{where} must be M, Q or H (at least M)")
    return found


def calibration(value: Any, where: str) -> dict[str, tuple[float, float]]:
    if not isinstance(value, dict):
        raise ConfigError(f"[{where}] must be a table")
    found: dict[str, tuple[float, float]] = {}
    for printer, offsets in value.items():
        if not isinstance(offsets, dict):
            raise ConfigError(f"{where}.{printer} must be a table")
        x, y = offsets.get("x_mm", 0.0), offsets.get("y_mm", 0.0)
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and abs(v) <= 20 for v in (x, y)
        ):
            raise ConfigError(
                f"{where}.{printer}: x_mm and y_mm must be numbers from -20 to 20 (millimetres)"
            )
        found[printer] = (float(x), float(y))
    return found


def environment(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.isidentifier() and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f"[{where}] must map variable names to strings")
    return dict(value)


def kind_codes(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"[{where}] must be a table")
    codes = dict(DEFAULT_KIND_CODES)
    for kind, given in value.items():
        if kind not in DEFAULT_KIND_CODES:
            raise ConfigError(
                f"{where} has unknown kind {kind!r}; kinds are {', '.join(DEFAULT_KIND_CODES)}"
            )
        codes[kind] = code(given, f"{where}.{kind}")
    if len(set(codes.values())) != len(codes):
        raise ConfigError(f"{where} must give each kind its own code")
    return codes


# --- the settings, by group ---------------------------------------------------------------


@dataclass(frozen=True)
class LabelSettings:
    """``[labels]``: what a label says and how printers are calibrated."""

    qr_payload: str = setting("labels", "{tag}", qr_payload)
    error_correction: str = setting("labels", "M", error_correction)
    ownership: str = setting("labels", "Propriété de {organisation}, ne pas jeter")
    phone: str = setting("labels", "Assistance : {phone}")
    default_layout: str = setting("labels", "avery-l7160")
    default_printer: str = setting("labels", "")
    continuous_length_mm: float = setting("labels", 40.0, number(20, 300, " mm"))
    # printer name -> (x, y) offset in mm, measured on a test sheet
    calibration: dict[str, tuple[float, float]] = setting("labels", check=calibration, factory=dict)


@dataclass(frozen=True)
class BenchSettings:
    """``[bench]``: how the bench reaches machines' live systems."""

    ssh_key: Path = setting("bench", Path("bench/id_ed25519"), path)
    known_hosts: Path = setting("bench", Path("bench/known_hosts"), path)
    timeout: float = setting("bench", 10.0, number(1, 600, " seconds"))
    # Environment for the commands run on the live system (e.g. LANG=C).
    remote_env: dict[str, str] = setting("bench", check=environment, factory=dict)
    # Deployments: the machine fetches its image over HTTP from the bench, at this address
    # ("" = the bench's own address on the route to the machine) and port (0 = any free one).
    image_address: str = setting("bench", "", stripped)
    image_port: int = setting("bench", 0, whole(0, 65535, " (0: any)"))


@dataclass(frozen=True)
class WipeSettings:
    """``[wipe]``: the programme's sanitisation policy (``assetctl wipe policy`` prints it)."""

    # media whose overwrite is read back in full: a sample misses a region the disk kept
    full_read_back: tuple[Media, ...] = setting("wipe", (Media.HDD,), media_types)
    samples: int = setting("wipe", 64, whole(8, 100_000, " blocks"))
    # who accepts a wipe's validation (`assetctl wipe validate`), by function
    validator: str = setting("wipe", "Responsable du parc informatique de la DSI", stripped)
    # the validation accepted by someone other than the technician who ran the wipe
    separate_validator: bool = setting("wipe", True, flag)
    records_kept_years: int = setting("wipe", 10, whole(1, 100, " years"))


@dataclass(frozen=True)
class ImageSettings:
    """``[images]``: where image builds cache the base, which mirror and proxy."""

    cache_dir: Path | None = setting("images", None, optional_path)
    mirror: str = setting("images", "", url_or_empty)  # "" = the profile's own
    apt_proxy: str = setting("images", "", url_or_empty)


@dataclass(frozen=True)
class ProgrammeSettings:
    """The family side: ``[households]``, ``[programme]``, ``[committee]``, ``[contracts]`` and
    ``[budget]``."""

    household_prefix: str = setting("households", "FAM", code, key="ref_prefix")
    neighbourhoods: tuple[str, ...] = setting("households", NEIGHBOURHOODS, strings)
    # months from the family's last contact (households.contacts) to the purge of its personal
    # data: CNIL's reference for social support files keeps them 2 years after the last contact
    purge_after_months: int = setting("households", 24, whole(1, 120, " months"))
    # the allocation rule: children this age and over get a laptop, younger ones a desktop
    laptop_from_age: int = setting("programme", 9, whole(3, 18))
    one_computer_per_household: bool = setting("programme", True, flag)
    printer_supplies: str = setting("programme", "2 cartouches d'encre et 1 ramette de papier")
    criteria: tuple[str, ...] = setting("committee", CRITERIA, strings)
    approval_needs_all_criteria: bool = setting("committee", True, flag)
    contract_prefix: str = setting("contracts", "CT", code, key="number_prefix")
    loan_months: int = setting("contracts", 12, whole(1, 120, " months"))
    rental_months: int = setting("contracts", 12, whole(1, 120, " months"))
    rental_fee_cents: int = setting("contracts", 500, euros, key="rental_monthly_fee")
    programme_share_cents: int = setting("contracts", 0, euros, key="programme_share")
    # [budget]: the plan's budget and its equipment part (0: not set; `init --budget-total`,
    # `--budget-equipment`) and what refurbishing one city desktop costs (parts, labour)
    budget_total_cents: int = setting("budget", 0, euros, key="total")
    budget_equipment_cents: int = setting("budget", 0, euros, key="equipment")
    refurbishment_cents: int = setting("budget", 0, euros, key="refurbishment_per_device")

    def __post_init__(self) -> None:
        if self.programme_share_cents > self.rental_fee_cents:
            raise ConfigError("contracts.programme_share cannot exceed rental_monthly_fee")


@dataclass(frozen=True)
class Settings:
    """The organisation's settings, read from the config file (defaults where absent)."""

    organisation: str = setting("organisation", "", key="name")  # `init` asks for it
    support_phone: str = setting("organisation", "")
    # the data protection officer's contact, for the register and the DPIA (`assetctl gdpr`)
    dpo: str = setting("organisation", "", stripped)
    time_zone: str = setting("organisation", "Europe/Paris", time_zone)
    # `--csv` as French Excel opens it (as `--csv --excel`): ; separators, BOM, decimal comma
    csv_excel: bool = setting("output", False, flag, key="csv_excel")
    tag_prefix: str = setting("tags", "LMM", code, key="prefix")
    tag_digits: int = setting("tags", 5, whole(3, 8), key="digits")
    kind_codes: dict[str, str] = setting(
        "tags", check=kind_codes, factory=lambda: dict(DEFAULT_KIND_CODES)
    )
    refurbished_min_age_years: int = setting("assets", 6, whole(0, 50, " years"))
    operator: str = setting("operator", "", stripped, key="name")
    database_url: str | None = setting("database", None, database_url, key="url")
    labels: LabelSettings = nested(LabelSettings)
    bench: BenchSettings = nested(BenchSettings)
    programme: ProgrammeSettings = nested(ProgrammeSettings)
    images: ImageSettings = nested(ImageSettings)
    wipe: WipeSettings = nested(WipeSettings)
    # where the settings came from (not settings themselves)
    config_path: Path | None = None
    data_dir: Path = Path(".")

    def __post_init__(self) -> None:
        # Relative bench paths live in the data directory.
        bench = self.bench
        fixed = {
            name: self.data_dir / getattr(bench, name)
            for name in ("ssh_key", "known_hosts")
            if not getattr(bench, name).is_absolute()
        }
        if fixed:
            object.__setattr__(self, "bench", replace(bench, **fixed))

    @property
    def actor(self) -> str:
        """Who is recorded in the history: ASSETCTL_OPERATOR, else the configured operator,
        else the login name."""
        import getpass

        env = os.environ.get("ASSETCTL_OPERATOR", "").strip()
        if env:
            return env
        if self.operator:
            return self.operator
        try:
            return getpass.getuser()
        except Exception:  # no login name in some containers
            return "unknown"

    @property
    def key_file(self) -> Path:
        """The programme's private key file: ASSETCTL_KEY_FILE, else programme.key in the
        configuration folder (never the key itself in the config file)."""
        from assetctl.config.paths import config_dir

        env = os.environ.get("ASSETCTL_KEY_FILE", "").strip()
        return Path(env).expanduser() if env else config_dir() / "programme.key"

    def kind_for_code(self, code: str) -> str | None:
        for kind, kind_code in self.kind_codes.items():
            if kind_code == code:
                return kind
        return None


# --- reading a parsed TOML document -------------------------------------------------------


def declared(cls: type[Any] = Settings) -> dict[str, set[str]]:
    """Every section and its keys, as the model declares them."""
    sections: dict[str, set[str]] = {}
    for item in fields(cls):
        if "nested" in item.metadata:
            for section, keys in declared(item.metadata["nested"]).items():
                sections.setdefault(section, set()).update(keys)
        elif "section" in item.metadata:
            key = item.metadata["key"] or item.name
            sections.setdefault(item.metadata["section"], set()).add(key)
    return sections


def _read(cls: type[T], doc: Mapping[str, Any], **extra: Any) -> T:
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        if "nested" in item.metadata:
            values[item.name] = _read(item.metadata["nested"], doc)
            continue
        if "section" not in item.metadata:
            continue
        section, key = item.metadata["section"], item.metadata["key"] or item.name
        table = doc.get(section, {})
        if key in table:
            values[item.name] = item.metadata["check"](table[key], f"{section}.{key}")
    return cls(**values, **extra)


def read(doc: Mapping[str, Any], path: Path, data_dir: Path) -> Settings:
    """Check a parsed config document and turn it into :class:`Settings`; every error names
    the file, the setting and what it must be."""
    known = declared()
    try:
        for section, table in doc.items():
            if section not in known:
                raise ConfigError(
                    f"[{section}] is not a section of the configuration; the sections are "
                    f"{', '.join(sorted(known))}"
                )
            if not isinstance(table, dict):
                raise ConfigError(f"[{section}] must be a table")
            unknown = sorted(set(table) - known[section])
            if unknown:
                raise ConfigError(
                    f"{section}.{unknown[0]} is not a setting; [{section}] has "
                    f"{', '.join(sorted(known[section]))}"
                )
        return _read(Settings, doc, config_path=path, data_dir=data_dir)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
