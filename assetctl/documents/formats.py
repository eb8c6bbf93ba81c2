"""How what people read writes numbers, money, sizes, durations, dates and times: in French,
in the organisation's local time (``[organisation] time_zone``, Europe/Paris by default). Every
document takes its figures through here, so that none says "1.6 Go", "0.2 min" or "16:43 UTC".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

NBSP = "\u00a0"  # between a number and its unit, and between thousands
DEFAULT_ZONE = "Europe/Paris"
# dates and moments as the database and --json write them (ISO 8601)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


_BEFORE_SIGN = re.compile(r"[ \t]+(?=[:;?!»])")  # a space before a sign French keeps close
_AFTER_SIGN = re.compile(r"(«|\bn°)[ \t]+")  # a space after « and n°


def french_spaces(text: str) -> str:
    """French typography in a paragraph: the space before : ; ? ! » and after « and n° made
    a no-break space, so that a line never begins with the sign, nor ends with «."""
    return _AFTER_SIGN.sub(lambda m: m.group(1) + NBSP, _BEFORE_SIGN.sub(NBSP, text))


def number(value: float, digits: int = 0) -> str:
    """``1234.5`` -> ``1 234,5`` (digits after the comma; thousands apart)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", NBSP).replace(".", ",")


def euros(cents: int | None) -> str:
    """``123456`` -> ``1 234,56 €``."""
    return f"{number((cents or 0) / 100, 2)}{NBSP}€"


def percent(fraction: float, digits: int = 0) -> str:
    """``0.0645`` -> ``6 %`` (``digits`` after the comma); a chance that is neither nil nor
    certain never rounds to 0 % or 100 %: ``moins de 1 %``, ``plus de 99 %``."""
    step = 10**-digits
    value = fraction * 100
    if 0 < value < step:
        return f"moins de {number(step, digits)}{NBSP}%"
    if 100 - step < value < 100:
        return f"plus de {number(100 - step, digits)}{NBSP}%"
    return f"{number(value, digits)}{NBSP}%"


def gigabytes(size_bytes: int | None) -> str:
    """A disk's size as its maker counts it: ``1600000000`` -> ``1,6 Go``."""
    if not size_bytes:
        return "-"
    value = size_bytes / 1e9
    return f"{number(value, 1 if value < 100 else 0)}{NBSP}Go"


def duration(minutes: float | None) -> str:
    """``0.2`` -> ``12 s``, ``2.5`` -> ``2,5 min``, ``30`` -> ``30 min``, ``75`` -> ``1 h 15``."""
    if minutes is None:
        return "-"
    if minutes < 1:
        return f"{round(minutes * 60)}{NBSP}s"
    if minutes < 10:
        return f"{number(minutes, 1)}{NBSP}min"
    if minutes < 60:
        return f"{round(minutes)}{NBSP}min"
    hours, rest = divmod(round(minutes), 60)
    return f"{hours}{NBSP}h{NBSP}{rest:02d}"


def day(value: date | None) -> str:
    """``2026-12-02`` -> ``02/12/2026``."""
    return value.strftime("%d/%m/%Y") if value else "-"


def local_time(value: datetime | str | None, zone: str = DEFAULT_ZONE) -> str:
    """A moment (aware, or naive meaning UTC, or ISO text) in local time:
    ``2026-12-02T16:43:00+00:00`` -> ``02/12/2026 17:43`` in Paris."""
    if value is None or value == "":
        return "-"
    return in_zone(value, zone).strftime("%d/%m/%Y %H:%M")


def in_zone(value: datetime | str, zone: str = DEFAULT_ZONE) -> datetime:
    """A moment (aware, or naive meaning UTC, or ISO text) in the time zone ``zone``."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone))
