"""Settings: one documented TOML file plus environment variables.

Where things live:

- ``ASSETCTL_HOME`` set: the config file and the data (SQLite database, run artefacts) are both
  in that directory. Tests point it at a temporary directory.
- otherwise: the config file in the user config directory and the data in the user data
  directory (``~/.config/assetctl`` and ``~/.local/share/assetctl`` on Linux).

The database URL comes from ``--db-url``, else ``ASSETCTL_DATABASE_URL``, else ``[database] url``
in the config file, else an SQLite file in the data directory.

Nothing here runs at import time: :func:`load_settings` is called by the command that needs it.
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from assetctl.errors import ConfigError

APP_NAME = "assetctl"
CONFIG_FILENAME = "config.toml"
DB_FILENAME = "assetctl.db"

KINDS = ("desktop", "laptop", "printer", "monitor", "other")
DEFAULT_KIND_CODES = {
    "desktop": "PC",
    "laptop": "PP",
    "printer": "IM",
    "monitor": "EC",
    "other": "DV",
}

_PREFIX_RE = re.compile(r"^[A-Z0-9]{1,10}$")


@dataclass(frozen=True)
class LabelSettings:
    """The ``[labels]`` section: what a label says and how printers are calibrated."""

    qr_payload: str = "{tag}"
    error_correction: str = "M"
    ownership: str = "Propriété de {organisation}, ne pas jeter"
    phone: str = "Assistance : {phone}"
    default_layout: str = "avery-l7160"
    default_printer: str = ""
    continuous_length_mm: float = 40.0
    # printer name -> (x, y) offset in mm, measured on a test sheet
    calibration: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchSettings:
    """The ``[bench]`` section: how the bench reaches machines' live systems."""

    ssh_key: Path = Path("bench/id_ed25519")
    known_hosts: Path = Path("bench/known_hosts")
    timeout: float = 10.0
    # Environment for the commands run on the live system (e.g. LANG=C).
    remote_env: dict[str, str] = field(default_factory=dict)
    # Deployments: the machine fetches its image over HTTP from the bench, at this address
    # ("" = the bench's own address on the route to the machine) and port (0 = any free one).
    image_address: str = ""
    image_port: int = 0


@dataclass(frozen=True)
class ImageSettings:
    """The ``[images]`` section: where image builds cache the base, which mirror and proxy."""

    cache_dir: Path | None = None
    mirror: str = ""  # "" = the profile's own
    apt_proxy: str = ""


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


@dataclass(frozen=True)
class ProgrammeSettings:
    """The family side: ``[households]``, ``[programme]``, ``[committee]`` and ``[contracts]``."""

    household_prefix: str = "FAM"
    neighbourhoods: tuple[str, ...] = NEIGHBOURHOODS
    purge_after_months: int = 12
    # the allocation rule: children this age and over get a laptop, younger ones a desktop
    laptop_from_age: int = 9
    one_computer_per_household: bool = True
    printer_supplies: str = "2 cartouches d'encre et 1 ramette de papier"
    criteria: tuple[str, ...] = CRITERIA
    approval_needs_all_criteria: bool = True
    contract_prefix: str = "CT"
    loan_months: int = 12
    rental_months: int = 12
    rental_fee_cents: int = 500
    programme_share_cents: int = 0
    # [budget]: the plan's budget (about 263 k€, of which 248 k€ for equipment) and what
    # refurbishing one city desktop costs (parts, labour), for the cost report
    budget_total_cents: int = 26_300_000
    budget_equipment_cents: int = 24_800_000
    refurbishment_cents: int = 0


@dataclass(frozen=True)
class Settings:
    """The organisation's settings, read from the config file (defaults where absent)."""

    organisation: str = "Le Mans Métropole"
    support_phone: str = ""
    tag_prefix: str = "LMM"
    tag_digits: int = 5
    kind_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KIND_CODES))
    refurbished_min_age_years: int = 6
    operator: str = ""
    database_url: str | None = None
    labels: LabelSettings = field(default_factory=lambda: LabelSettings())
    bench: BenchSettings = field(default_factory=lambda: BenchSettings())
    programme: ProgrammeSettings = field(default_factory=lambda: ProgrammeSettings())
    images: ImageSettings = field(default_factory=lambda: ImageSettings())
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
            from dataclasses import replace

            object.__setattr__(self, "bench", replace(bench, **fixed))

    @property
    def actor(self) -> str:
        """Who is recorded in the history: the configured operator, else the login name."""
        env = os.environ.get("ASSETCTL_OPERATOR", "").strip()
        if env:
            return env
        if self.operator:
            return self.operator
        try:
            return getpass.getuser()
        except Exception:  # no login name in some containers
            return "unknown"

    def kind_for_code(self, code: str) -> str | None:
        for kind, kind_code in self.kind_codes.items():
            if kind_code == code:
                return kind
        return None


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


def resource_dirs(name: str) -> list[Path]:
    """Where a folder of data files (labels, images, playbooks) is looked for, first match
    first: the user's configuration folder, a source checkout, the installed copy."""
    import sys

    return [
        config_dir() / name,
        Path(__file__).resolve().parents[1] / name,
        Path(sys.prefix) / "share" / "assetctl" / name,
    ]


def config_path() -> Path:
    return config_dir() / CONFIG_FILENAME


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / DB_FILENAME}"


def _table(doc: dict[str, object], name: str, path: Path) -> dict[str, object]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table; see `assetctl config show`")
    return value


def _get(
    table: dict[str, object], key: str, kind: type | tuple[type, ...], default: object, where: str
) -> object:
    value = table.get(key, default)
    if isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}.{key} must be a number, not {value!r}")
    if not isinstance(value, kind):
        names = {int: "whole number", str: "string", float: "number"}
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(names.get(k, k.__name__) for k in kinds)
        raise ConfigError(f"{where}.{key} must be a {wanted}, not {value!r}")
    return value


def parse_settings(doc: dict[str, object], path: Path) -> Settings:
    """Check a parsed config document and turn it into :class:`Settings`."""
    defaults = Settings()
    org = _table(doc, "organisation", path)
    tags = _table(doc, "tags", path)
    assets = _table(doc, "assets", path)
    operator = _table(doc, "operator", path)
    database = _table(doc, "database", path)

    prefix = str(_get(tags, "prefix", str, defaults.tag_prefix, "tags")).strip().upper()
    if not _PREFIX_RE.match(prefix):
        raise ConfigError(
            f'{path}: tags.prefix {prefix!r} must be 1 to 10 letters or digits, e.g. "LMM"'
        )
    digits = _get(tags, "digits", int, defaults.tag_digits, "tags")
    assert isinstance(digits, int)
    if not 3 <= digits <= 8:
        raise ConfigError(f"{path}: tags.digits must be between 3 and 8, not {digits}")
    codes_doc = tags.get("kind_codes", {})
    if not isinstance(codes_doc, dict):
        raise ConfigError(f"{path}: [tags.kind_codes] must be a table")
    kind_codes = dict(DEFAULT_KIND_CODES)
    for kind, code in codes_doc.items():
        if kind not in KINDS:
            raise ConfigError(
                f"{path}: tags.kind_codes has unknown kind {kind!r}; kinds are {', '.join(KINDS)}"
            )
        if not isinstance(code, str) or not _PREFIX_RE.match(code.strip().upper()):
            raise ConfigError(f"{path}: tags.kind_codes.{kind} must be 1 to 10 letters or digits")
        kind_codes[kind] = code.strip().upper()
    if len(set(kind_codes.values())) != len(kind_codes):
        raise ConfigError(f"{path}: tags.kind_codes must give each kind its own code")

    labels = _parse_labels(_table(doc, "labels", path), path)
    bench = _parse_bench(_table(doc, "bench", path), path)
    programme = _parse_programme(doc, path)
    images = _parse_images(_table(doc, "images", path), path)
    min_age = _get(assets, "refurbished_min_age_years", int, 6, "assets")
    assert isinstance(min_age, int)
    if min_age < 0:
        raise ConfigError(f"{path}: assets.refurbished_min_age_years must not be negative")
    url = database.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise ConfigError(f"{path}: database.url must be a non-empty string")

    return Settings(
        organisation=str(_get(org, "name", str, defaults.organisation, "organisation")),
        support_phone=str(_get(org, "support_phone", str, "", "organisation")),
        tag_prefix=prefix,
        tag_digits=digits,
        kind_codes=kind_codes,
        refurbished_min_age_years=min_age,
        operator=str(_get(operator, "name", str, "", "operator")).strip(),
        database_url=url.strip() if isinstance(url, str) else None,
        labels=labels,
        bench=bench,
        programme=programme,
        images=images,
        config_path=path,
        data_dir=data_dir(),
    )


def _parse_labels(table: dict[str, object], path: Path) -> LabelSettings:
    defaults = LabelSettings()
    payload = str(_get(table, "qr_payload", str, defaults.qr_payload, "labels"))
    if payload.count("{tag}") != 1:
        raise ConfigError(
            f"{path}: labels.qr_payload must contain {{tag}} once, e.g. "
            '"{tag}" or "https://example.org/a/{tag}"'
        )
    level = str(_get(table, "error_correction", str, "M", "labels")).upper()
    if level not in ("M", "Q", "H"):
        raise ConfigError(f"{path}: labels.error_correction must be M, Q or H (at least M)")
    length = _get(table, "continuous_length_mm", (int, float), 40.0, "labels")
    assert isinstance(length, int | float)
    if not 20 <= length <= 300:
        raise ConfigError(f"{path}: labels.continuous_length_mm must be between 20 and 300")
    calibration_doc = table.get("calibration", {})
    if not isinstance(calibration_doc, dict):
        raise ConfigError(f"{path}: [labels.calibration] must be a table")
    calibration: dict[str, tuple[float, float]] = {}
    for printer, offsets in calibration_doc.items():
        if not isinstance(offsets, dict):
            raise ConfigError(f"{path}: labels.calibration.{printer} must be a table")
        x, y = offsets.get("x_mm", 0.0), offsets.get("y_mm", 0.0)
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and abs(v) <= 20 for v in (x, y)
        ):
            raise ConfigError(
                f"{path}: labels.calibration.{printer}: x_mm and y_mm must be numbers "
                "from -20 to 20 (millimetres)"
            )
        calibration[printer] = (float(x), float(y))
    return LabelSettings(
        qr_payload=payload,
        error_correction=level,
        ownership=str(_get(table, "ownership", str, defaults.ownership, "labels")),
        phone=str(_get(table, "phone", str, defaults.phone, "labels")),
        default_layout=str(_get(table, "default_layout", str, defaults.default_layout, "labels")),
        default_printer=str(_get(table, "default_printer", str, "", "labels")),
        continuous_length_mm=float(length),
        calibration=calibration,
    )


def _parse_bench(table: dict[str, object], path: Path) -> BenchSettings:
    defaults = BenchSettings()
    key = str(_get(table, "ssh_key", str, str(defaults.ssh_key), "bench"))
    hosts = str(_get(table, "known_hosts", str, str(defaults.known_hosts), "bench"))
    timeout = _get(table, "timeout", (int, float), defaults.timeout, "bench")
    assert isinstance(timeout, int | float)
    if not 1 <= timeout <= 600:
        raise ConfigError(f"{path}: bench.timeout must be between 1 and 600 seconds")
    env = table.get("remote_env", {})
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and k.isidentifier() and isinstance(v, str) for k, v in env.items()
    ):
        raise ConfigError(f"{path}: [bench.remote_env] must map variable names to strings")
    address = str(_get(table, "image_address", str, defaults.image_address, "bench"))
    port = _get(table, "image_port", int, defaults.image_port, "bench")
    assert isinstance(port, int)
    if not 0 <= port <= 65535:
        raise ConfigError(f"{path}: bench.image_port must be between 0 and 65535 (0: any)")
    return BenchSettings(
        ssh_key=Path(key).expanduser(),
        known_hosts=Path(hosts).expanduser(),
        timeout=float(timeout),
        remote_env=dict(env),
        image_address=address.strip(),
        image_port=port,
    )


def _parse_images(table: dict[str, object], path: Path) -> ImageSettings:
    cache = str(_get(table, "cache_dir", str, "", "images")).strip()
    mirror = str(_get(table, "mirror", str, "", "images")).strip()
    proxy = str(_get(table, "apt_proxy", str, "", "images")).strip()
    for name, value in (("mirror", mirror), ("apt_proxy", proxy)):
        if value and not re.match(r"^https?://[^\s]+$", value):
            raise ConfigError(f"{path}: images.{name} must be an http(s) URL, not {value!r}")
    return ImageSettings(
        cache_dir=Path(cache).expanduser() if cache else None, mirror=mirror, apt_proxy=proxy
    )


def _cents(value: object, where: str, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{path}: {where} must be an amount in euros (e.g. 5.00), not {value!r}")
    return round(value * 100)


def _strings(
    table: dict[str, object], key: str, default: tuple[str, ...], where: str
) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ConfigError(f"{where}.{key} must be a non-empty list of strings")
    return tuple(v.strip() for v in value)


def _months(table: dict[str, object], key: str, default: int, where: str) -> int:
    value = _get(table, key, int, default, where)
    assert isinstance(value, int)
    if not 1 <= value <= 120:
        raise ConfigError(f"{where}.{key} must be between 1 and 120 months, not {value}")
    return value


def _parse_programme(doc: dict[str, object], path: Path) -> ProgrammeSettings:
    d = ProgrammeSettings()
    households = _table(doc, "households", path)
    programme = _table(doc, "programme", path)
    committee = _table(doc, "committee", path)
    contracts = _table(doc, "contracts", path)
    prefixes = {}
    for table, key, default, where in (
        (households, "ref_prefix", d.household_prefix, "households"),
        (contracts, "number_prefix", d.contract_prefix, "contracts"),
    ):
        value = str(_get(table, key, str, default, where)).strip().upper()
        if not _PREFIX_RE.match(value):
            raise ConfigError(f"{path}: {where}.{key} must be 1 to 10 letters or digits")
        prefixes[where] = value
    age = _get(programme, "laptop_from_age", int, d.laptop_from_age, "programme")
    assert isinstance(age, int)
    if not 3 <= age <= 18:
        raise ConfigError(f"{path}: programme.laptop_from_age must be between 3 and 18")
    one = programme.get("one_computer_per_household", d.one_computer_per_household)
    needs_all = committee.get("approval_needs_all_criteria", d.approval_needs_all_criteria)
    if not isinstance(one, bool) or not isinstance(needs_all, bool):
        raise ConfigError(
            f"{path}: programme.one_computer_per_household and "
            "committee.approval_needs_all_criteria must be true or false"
        )
    fee = _cents(
        contracts.get("rental_monthly_fee", d.rental_fee_cents / 100),
        "contracts.rental_monthly_fee",
        path,
    )
    share = _cents(
        contracts.get("programme_share", d.programme_share_cents / 100),
        "contracts.programme_share",
        path,
    )
    if share > fee:
        raise ConfigError(f"{path}: contracts.programme_share cannot exceed rental_monthly_fee")
    budget = _table(doc, "budget", path)
    total = _cents(budget.get("total", d.budget_total_cents / 100), "budget.total", path)
    equipment = _cents(
        budget.get("equipment", d.budget_equipment_cents / 100), "budget.equipment", path
    )
    refurbishment = _cents(
        budget.get("refurbishment_per_device", d.refurbishment_cents / 100),
        "budget.refurbishment_per_device",
        path,
    )
    return ProgrammeSettings(
        household_prefix=prefixes["households"],
        neighbourhoods=_strings(households, "neighbourhoods", d.neighbourhoods, "households"),
        purge_after_months=_months(
            households, "purge_after_months", d.purge_after_months, "households"
        ),
        laptop_from_age=age,
        one_computer_per_household=one,
        printer_supplies=str(
            _get(programme, "printer_supplies", str, d.printer_supplies, "programme")
        ),
        criteria=_strings(committee, "criteria", d.criteria, "committee"),
        approval_needs_all_criteria=needs_all,
        contract_prefix=prefixes["contracts"],
        loan_months=_months(contracts, "loan_months", d.loan_months, "contracts"),
        rental_months=_months(contracts, "rental_months", d.rental_months, "contracts"),
        rental_fee_cents=fee,
        programme_share_cents=share,
        budget_total_cents=total,
        budget_equipment_cents=equipment,
        refurbishment_cents=refurbishment,
    )


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file gives the defaults (``assetctl init`` writes one)."""
    path = path or config_path()
    if not path.exists():
        return Settings(config_path=None, data_dir=data_dir())
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it or move it away") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return parse_settings(doc, path)


def resolve_database_url(settings: Settings, cli_url: str | None = None) -> str:
    for candidate in (cli_url, os.environ.get("ASSETCTL_DATABASE_URL"), settings.database_url):
        if candidate and candidate.strip():
            return candidate.strip()
    return default_database_url()


CONFIG_TEMPLATE = """\
# assetctl configuration.
# Written by `assetctl init`; edit freely. `assetctl config show` prints what is in force.
# ASSETCTL_HOME moves this file and the data directory; ASSETCTL_DATABASE_URL or --db-url
# override [database] url.

[organisation]
# Printed on labels, certificates, contracts and reports.
name = {organisation}
# Printed on labels where they have room ("" leaves it out).
support_phone = {support_phone}

[tags]
# Asset tags are PREFIX-CODE-NUMBER, e.g. LMM-PC-00042. Numbers are never reused.
prefix = {prefix}
digits = 5

[tags.kind_codes]
desktop = "PC"
laptop = "PP"
printer = "IM"
monitor = "EC"
other = "DV"

[assets]
# Refurbished city desktops must be at least this old (warning when younger).
refurbished_min_age_years = 6

[operator]
# Who is recorded in the history of every change ("" = the login name).
# ASSETCTL_OPERATOR overrides it for one shell.
name = {operator}

[labels]
# What the QR code holds: the tag, or a URL built from it (e.g. "https://example.org/a/{{tag}}").
qr_payload = "{{tag}}"
# QR error correction: M (default), Q or H.
error_correction = "M"
# Printed where the label has room ({{organisation}} and {{phone}} are filled in).
ownership = "Propriété de {{organisation}}, ne pas jeter"
phone = "Assistance : {{phone}}"
# `assetctl label layouts` lists the layouts; a new one is a file in labels/.
default_layout = "avery-l7160"
# CUPS queue used when --printer is not given ("" = none: write a PDF with -o).
default_printer = ""
# Where continuous tape (Brother DK-22205) is cut, in mm.
continuous_length_mm = 40

# Printer calibration, written by `assetctl label calibrate PRINTER --x MM --y MM`:
# [labels.calibration."bureau-dsi"]
# x_mm = 0.5
# y_mm = -1.0

[bench]
# The bench's SSH key (`assetctl bench keygen` creates it; its .pub goes into the live
# system) and its own known-hosts file; relative paths are in the data directory.
ssh_key = "bench/id_ed25519"
known_hosts = "bench/known_hosts"
# `bench deploy` serves the image over HTTP and the machine streams it onto its disk: the
# bench's address the machines reach ("" = found from the route to each machine) and the port
# (0 = any free port; give one if a firewall on the bench only lets a known port in).
image_address = ""
image_port = 0
# Seconds to wait for a machine to answer.
timeout = 10

[households]
# Households are known by a reference (FAM-00001) on documents instead of names.
ref_prefix = "FAM"
# The neighbourhoods (QPV) a household may belong to.
neighbourhoods = ["Chaoué-Perrières", "Bellevue-Carnac", "Sablons-Bords de l'Huisne",
    "Ronceray-Glonnières-Vauguyon", "Epine", "hors QPV"]
# `assetctl household purge` anonymises households whose last contract closed (or, without a
# contract, whose last decision was taken) more than this many months ago (GDPR).
purge_after_months = 12

[programme]
# The allocation rule: children this age and over get a laptop, younger children a desktop.
laptop_from_age = 9
# true: one computer per household (a laptop if any child is of laptop age, else a desktop);
# false: one computer per age group present in the household.
one_computer_per_household = true
# Given with a printer, written on the contract.
printer_supplies = "2 cartouches d'encre et 1 ramette de papier"

[committee]
# The committee's written criteria; each decision records which were met.
criteria = [
    "Famille accompagnée par le Programme de Réussite Éducative",
    "Enfant scolarisé dans un établissement du programme",
    "Pas d'équipement fonctionnel adapté au travail scolaire",
    "Besoin numérique exprimé par la famille",
]
# true: an approval needs every criterion met (otherwise reject or defer).
approval_needs_all_criteria = true

[contracts]
# Contract numbers: CT-2026-0001.
number_prefix = "CT"
# Default terms (months), renewable; the committee's decision may set others.
loan_months = 12
rental_months = 12
# Rental: monthly fee and the programme's share of it, in euros.
rental_monthly_fee = 5.00
programme_share = 0.00

[budget]
# The plan's budget in euros, and what refurbishing one city desktop costs (parts, labour),
# for `assetctl report costs`.
total = 263000.00
equipment = 248000.00
refurbishment_per_device = 0.00

[images]
# `assetctl image build`: where the debootstrapped base is cached ("" = images/cache in the
# data folder; ASSETCTL_IMAGE_CACHE overrides), a local Debian mirror ("" = the profile's), and
# an apt proxy such as apt-cacher-ng ("" = none), e.g. "http://127.0.0.1:3142".
cache_dir = ""
mirror = ""
apt_proxy = ""

[database]
# Default: an SQLite file in the data directory. For several benches sharing one database:
# url = "postgresql+psycopg://assetctl@db-host/assetctl"
"""


def toml_string(value: str) -> str:
    import json

    # A JSON string literal is a valid TOML basic string for everything we write here.
    return json.dumps(value, ensure_ascii=False)


def write_config(
    path: Path, *, organisation: str, prefix: str, support_phone: str, operator: str
) -> None:
    """Write a fresh documented config file (mode 0600) and check it parses."""
    text = CONFIG_TEMPLATE.format(
        organisation=toml_string(organisation),
        support_phone=toml_string(support_phone),
        prefix=toml_string(prefix),
        operator=toml_string(operator),
    )
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
