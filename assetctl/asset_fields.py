"""Parsing and checking the fields of an asset, as typed by a person or read from a CSV file.

One path for ``asset add``, ``asset edit`` and ``asset import``: values arrive as text, the way
French spreadsheet software writes them (``01/03/2014``, ``1 234,50 €``), and come out as the
typed values of :class:`assetctl.models.Asset`, or as a :class:`ValidationError` that names the
field, the value and the form expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from assetctl.config import Settings
from assetctl.errors import ValidationError
from assetctl.safe_text import refuse_hidden
from assetctl.text import squeeze
from assetctl.vocabulary import DEVICE_KINDS, Kind, Origin, PurchaseCondition, codes, parse

STANDARD_LOCATIONS = ("bench", "storage", "family", "recycler")
MEDIA_TYPES = ("hdd", "ssd", "nvme", "emmc", "unknown")
SERIAL_REQUIRED = DEVICE_KINDS

# What DMI tables and procurement files call the same vendor, so that the serial stays unique
# per manufacturer whichever way it was typed.
VENDOR_NAMES = {
    "dell": "Dell",
    "dell inc.": "Dell",
    "dell inc": "Dell",
    "hp": "HP",
    "hewlett-packard": "HP",
    "hewlett packard": "HP",
    "hpe": "HP",
    "lenovo": "Lenovo",
    "acer": "Acer",
    "asus": "ASUS",
    "asustek computer inc.": "ASUS",
    "fujitsu": "Fujitsu",
    "fujitsu siemens": "Fujitsu",
    "brother": "Brother",
    "canon": "Canon",
    "epson": "Epson",
    "seiko epson corporation": "Epson",
    "samsung": "Samsung",
    "samsung electronics co., ltd.": "Samsung",
    "toshiba": "Toshiba",
    "microsoft corporation": "Microsoft",
    "apple inc.": "Apple",
    "apple": "Apple",
    "msi": "MSI",
    "micro-star international co., ltd.": "MSI",
    "iiyama": "iiyama",
    "philips": "Philips",
    "lg": "LG",
    "benq": "BenQ",
    "kyocera": "Kyocera",
    "ricoh": "Ricoh",
    "xerox": "Xerox",
    "lexmark": "Lexmark",
}

# Everything `asset add`, `asset edit` and the CSV import accept, with its maximum length.
TEXT_FIELDS = {
    "manufacturer": 64,
    "model": 128,
    "former_inventory": 64,
    "order_ref": 64,
    "supplier": 128,
    "cpu": 128,
    "notes": 2000,
    "location": 64,
}
EDITABLE = (
    "manufacturer",
    "model",
    "serial",
    "origin",
    "acquired",
    "former_inventory",
    "order_ref",
    "supplier",
    "unit_price",
    "purchase_condition",
    "retired_on",
    "warranty_end",
    "cpu",
    "ram",
    "battery_health",
    "notes",
    "location",
)
ADD_FIELDS = ("kind", "tag", *EDITABLE)


def parse_date(name: str, value: str) -> date:
    """``2014-03-01`` or ``01/03/2014`` (day first, as in France)."""
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    french = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", value)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if french:
            return date(int(french.group(3)), int(french.group(2)), int(french.group(1)))
    except ValueError:
        raise ValidationError(f"{name} {value!r} is not a real date") from None
    raise ValidationError(f"{name} {value!r} is not a date: write 2014-03-01 or 01/03/2014")


def parse_price_cents(name: str, value: str) -> int:
    """Euros with a decimal comma or point, spaces as thousands separators, optional €."""
    text = value.replace("€", "").replace("EUR", "").replace(" ", "").strip()
    if "," in text and "." in text:
        # the separator written last is the decimal one: 1.234,50 or 1,234.50
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d{1,7}(\.\d{1,2})?", text):
        raise ValidationError(
            f"{name} {value!r} is not an amount in euros: write e.g. 349,90 or 1 234.50"
        )
    euros, _, cents = text.partition(".")
    return int(euros) * 100 + int((cents + "00")[:2])


def format_price(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


def parse_size_bytes(name: str, value: str, default_unit: str = "G") -> int:
    """Sizes as people write them: 500G, 500 GB, 1T, 256 Go, 8192M (decimal units for disks)."""
    match = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*([KMGT]?)(?:i?[BO])?", value.strip().upper())
    if not match:
        raise ValidationError(f"{name} {value!r} is not a size: write e.g. 500G or 8192M")
    number = float(match.group(1).replace(",", "."))
    unit = match.group(2) or default_unit
    return int(number * 1000 ** "BKMGT".index(unit))


def parse_ram_mb(value: str) -> int:
    """RAM in MiB from ``8``, ``8G``, ``8 Go``, ``8192M`` (a bare number is in GiB)."""
    match = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*([MG]?)(?:I?[BO])?", value.strip().upper())
    if not match:
        raise ValidationError(f"ram {value!r} is not a memory size: write e.g. 8G or 4096M")
    number = float(match.group(1).replace(",", "."))
    mb = int(number) if match.group(2) == "M" else int(number * 1024)
    if not 1 <= mb <= 16 * 1024 * 1024:
        raise ValidationError(f"ram {value!r} is out of range")
    return mb


def parse_percent(name: str, value: str) -> int:
    match = re.fullmatch(r"(\d{1,3})\s*%?", value)
    if not match or int(match.group(1)) > 100:
        raise ValidationError(f"{name} {value!r} must be a percentage from 0 to 100")
    return int(match.group(1))


def canonical_manufacturer(value: str) -> str:
    return VENDOR_NAMES.get(value.lower(), value)


def normalize_serial(value: str) -> str:
    return "".join(value.split()).upper()


def normalize_location(value: str) -> str:
    lowered = value.lower()
    return lowered if lowered in STANDARD_LOCATIONS else value


@dataclass
class DiskInput:
    model: str | None = None
    serial: str | None = None
    size_bytes: int | None = None
    media_type: str = "unknown"


def parse_disk(value: str) -> DiskInput:
    """``model=ST500DM002,serial=Z3T1ABCD,size=500G,type=hdd``."""
    disk = DiskInput()
    for part in value.split(","):
        key, sep, raw = part.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if not sep or not raw:
            raise ValidationError(
                f"disk {value!r}: write model=...,serial=...,size=500G,type=hdd|ssd|nvme"
            )
        if key == "model":
            disk.model = raw[:128]
        elif key == "serial":
            disk.serial = normalize_serial(raw)[:64]
        elif key == "size":
            disk.size_bytes = parse_size_bytes("disk size", raw)
        elif key == "type":
            if raw.lower() not in MEDIA_TYPES:
                raise ValidationError(f"disk type {raw!r} is not one of: {', '.join(MEDIA_TYPES)}")
            disk.media_type = raw.lower()
        else:
            raise ValidationError(
                f"disk {value!r}: unknown key {key!r} (model, serial, size, type)"
            )
    return disk


def parse_fields(
    raw: Mapping[str, str | None], *, settings: Settings, today: date | None = None
) -> dict[str, Any]:
    """Turn text values (only the keys present) into typed model values.

    An empty value clears an optional field. Cross-field rules that need the whole asset are in
    :func:`check_asset`.
    """
    values: dict[str, Any] = {}
    today = today or date.today()
    for name, given in raw.items():
        value = squeeze(given)
        if name == "kind":
            if value is None:
                raise ValidationError(f"kind is required: one of {codes(Kind)}")
            values["kind"] = parse(Kind, value, "kind").value
        elif name == "origin":
            if value is None:
                raise ValidationError(f"origin is required: one of {codes(Origin)}")
            values["origin"] = parse(Origin, value, "origin").value
        elif name == "tag":
            values["tag"] = value  # checked against the kind by the registry
        elif name == "serial":
            values["serial"] = normalize_serial(refuse_hidden("serial", value)) if value else None
            if value and len(values["serial"]) > 64:
                raise ValidationError(f"serial {value!r} is longer than 64 characters")
        elif name in ("acquired", "warranty_end", "retired_on"):
            parsed_date = parse_date(name, value) if value else None
            if name != "warranty_end" and parsed_date and parsed_date > today:
                raise ValidationError(f"{name} {value!r} is in the future")
            values[name] = parsed_date
        elif name == "purchase_condition":
            values[name] = parse(PurchaseCondition, value, name).value if value else None
        elif name == "unit_price":
            values["unit_price_cents"] = parse_price_cents(name, value) if value else None
        elif name == "ram":
            values["ram_mb"] = parse_ram_mb(value) if value else None
        elif name == "battery_health":
            values["battery_health"] = parse_percent(name, value) if value else None
        elif name in TEXT_FIELDS:
            if value is not None and len(value) > TEXT_FIELDS[name]:
                raise ValidationError(
                    f"{name} is longer than {TEXT_FIELDS[name]} characters: {value[:40]!r}..."
                )
            if name in ("manufacturer", "model", "location") and value is None:
                raise ValidationError(f"{name} is required and cannot be empty")
            if name == "manufacturer" and value is not None:
                value = canonical_manufacturer(value)
            if name == "location" and value is not None:
                value = normalize_location(value)
            values[name] = value
        else:
            raise ValidationError(f"unknown field {name!r}")
    return values


def check_asset(
    values: Mapping[str, Any], *, settings: Settings, today: date | None = None
) -> list[str]:
    """Rules on the whole asset; raises on an error, returns warnings."""
    today = today or date.today()
    warnings: list[str] = []
    for required in ("kind", "manufacturer", "model", "origin"):
        if not values.get(required):
            raise ValidationError(f"{required} is required")
    kind = values["kind"]
    if kind in SERIAL_REQUIRED and not values.get("serial"):
        raise ValidationError(f"serial is required for a {kind} (it identifies it on the bench)")
    acquired, warranty = values.get("acquired"), values.get("warranty_end")
    if acquired and warranty and warranty < acquired:
        raise ValidationError(f"warranty_end {warranty} is before acquired {acquired}")
    retired = values.get("retired_on")
    if retired and values["origin"] != Origin.REFURBISHED:
        raise ValidationError(
            "retired_on is the day the city's fleet retired one of its own devices: for origin "
            "refurbished only"
        )
    if retired and acquired and retired < acquired:
        raise ValidationError(f"retired_on {retired} is before it was acquired ({acquired})")
    if values.get("purchase_condition") and values["origin"] != Origin.PURCHASED:
        raise ValidationError(
            "purchase_condition (new or reused) is for purchased devices; the city's own "
            "refurbished devices are not purchases"
        )
    if values["origin"] == "refurbished" and kind == "desktop":
        minimum = settings.refurbished_min_age_years
        if acquired is None:
            warnings.append(
                f"refurbished desktop without its original purchase date (acquired): its "
                f"{minimum}-year minimum age cannot be checked"
            )
        else:
            years = (today - acquired).days / 365.25
            if years < minimum:
                warnings.append(
                    f"refurbished desktop bought on {acquired} is {years:.1f} years old, "
                    f"younger than the programme's {minimum}-year minimum"
                )
    return warnings
