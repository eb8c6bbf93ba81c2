"""The diagnostic form: its fields, the answers people give, and how they are checked.

Values arrive as text (``household add`` options or an import file's cells) and come out typed,
or as a :class:`~assetctl.errors.ValidationError` that names the field and the answers expected.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from assetctl.asset_fields import parse_date
from assetctl.config import Settings
from assetctl.errors import ValidationError
from assetctl.models.families import Household
from assetctl.neighbourhoods import parse_qpv
from assetctl.safe_text import refuse_hidden
from assetctl.text import squeeze
from assetctl.vocabulary import fold

REQUESTABLE = ("desktop", "laptop", "printer", "internet")
# the form's personal fields: sealed together (households.sealed), never in the household row
PERSONAL_FIELDS = (
    "child_name",
    "representatives",
    "phone",
    "email",
    "address",
    "landlord",
    "hosted_by",
    "training_why",
    "notes",
    "children",
)

_YES = {"yes", "y", "oui", "o", "true", "1", "x"}
_NO = {"no", "n", "non", "false", "0"}
_PARTIAL = {"partially", "partial", "partiellement", "en partie", "aide", "partly"}
_UNKNOWN = {"unknown", "don't know", "dont know", "ne sait pas", "nsp", "?", "ne sais pas"}
CHOICES: dict[str, dict[str, set[str]]] = {
    "printer": {
        "none": {"none", "no", "non", "aucune", "pas d'imprimante"},
        "working": {"working", "yes", "oui", "fonctionne", "ok", "marche"},
        "broken": {"broken", "en panne", "hs", "ne fonctionne pas", "sans encre", "no ink"},
    },
    "internet": {
        "none": {"none", "no", "non", "aucun", "aucune", "pas d'abonnement"},
        "subscription": {"subscription", "yes", "oui", "abonnement", "box", "ok"},
        "problem": {"problem", "problème", "probleme", "technical problem", "coupé", "coupe"},
    },
    "can_pay": {"yes": _YES, "partially": _PARTIAL, "no": _NO},
    "can_install": {"yes": _YES, "no": _NO, "unknown": _UNKNOWN},
    "can_use": {"yes": _YES, "partially": _PARTIAL, "no": _NO},
    "training": {"yes": _YES, "no": _NO, "unknown": _UNKNOWN},
}
_REQUEST_ALIASES = {
    "desktop": "desktop",
    "fixe": "desktop",
    "ordinateur fixe": "desktop",
    "pc fixe": "desktop",
    "laptop": "laptop",
    "portable": "laptop",
    "ordinateur portable": "laptop",
    "pc portable": "laptop",
    "printer": "printer",
    "imprimante": "printer",
    "internet": "internet",
    "connexion": "internet",
    "connexion internet": "internet",
}
TEXT_LIMITS = {
    "child_name": 128,
    "phone": 32,
    "email": 254,
    "address": 300,
    "landlord": 128,
    "hosted_by": 128,
    "training_why": 300,
    "notes": 2000,
    "school": 128,
    "class_name": 32,
    "computer_type": 64,
    "caseworker": 64,
}
COUNTS = (
    "adults",
    "computers",
    "computers_working",
    "tablets",
    "tablets_usable",
    "smartphones",
    "smartphones_usable",
)
# every field of the form, in the order of the form (CSV columns and `household add` options)
FORM_FIELDS = (
    "child_name",
    "representatives",
    "qpv",
    "school",
    "class_name",
    "phone",
    "email",
    "address",
    "adults",
    "children",
    "landlord",
    "hosted_by",
    "digital_need",
    "computers",
    "computers_working",
    "computer_type",
    "printer",
    "tablets",
    "tablets_usable",
    "smartphones",
    "smartphones_usable",
    "internet",
    "can_pay",
    "can_install",
    "can_use",
    "training",
    "training_why",
    "requested",
    "diagnosed_on",
    "caseworker",
    "notes",
)


def _answer(name: str, value: str) -> str:
    wanted = fold(value)
    for answer, words in CHOICES[name].items():
        if wanted == answer or wanted in {fold(w) for w in words}:
            return answer
    raise ValidationError(f"{name} {value!r} is not one of: {', '.join(CHOICES[name])}")


def _yes_no(name: str, value: str) -> bool:
    wanted = fold(value)
    if wanted in _YES:
        return True
    if wanted in _NO:
        return False
    raise ValidationError(f"{name} {value!r} must be yes or no (oui/non)")


def _count(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,2}", value.strip()):
        raise ValidationError(f"{name} {value!r} must be a whole number from 0 to 99")
    return int(value)


def parse_children(value: str, today: date | None = None) -> list[tuple[str | None, date]]:
    """``Lina 2015-03-02; 20/11/2019`` -> [(first name or None, birth date)]; a birth date
    after ``today`` or more than 25 years before it is refused."""
    today = today or date.today()
    children: list[tuple[str | None, date]] = []
    for item in re.split(r"[;|]", value):
        item = " ".join(item.split())
        if not item:
            continue
        name, _, when = item.rpartition(" ")
        birth = parse_date("child's birth date", when)
        if birth > today or birth < date(today.year - 25, 1, 1):
            raise ValidationError(f"child's birth date {when} is not plausible")
        children.append((name.strip() or None, birth))
    if len(children) > 20:
        raise ValidationError("more than 20 children in one household")
    return children


def parse_requested(value: str) -> list[str]:
    items: list[str] = []
    for part in re.split(r"[,;/+]", value):
        key = fold(part)
        if not key:
            continue
        if key not in _REQUEST_ALIASES:
            raise ValidationError(
                f"requested {part.strip()!r} is not one of: {', '.join(REQUESTABLE)}"
            )
        if _REQUEST_ALIASES[key] not in items:
            items.append(_REQUEST_ALIASES[key])
    return items


def parse_form(settings: Settings, raw: dict[str, str | None]) -> dict[str, Any]:
    """Check the form's answers; returns field -> value (None clears). Unknown keys refused."""
    values: dict[str, Any] = {}
    for name, given in raw.items():
        if name not in FORM_FIELDS:
            raise ValidationError(f"unknown household field {name!r}")
        if given is None:
            continue
        text = squeeze(given)
        if text is None:
            values[name] = None
            continue
        refuse_hidden(name, text)  # an escape sequence would act in a terminal, or hide a name
        if name == "qpv":
            values[name] = parse_qpv(settings, text)
        elif name == "representatives":
            people = [p.strip() for p in re.split(r"[;|]", text) if p.strip()]
            if any(len(p) > 128 for p in people):
                raise ValidationError("a legal representative's name is over 128 characters")
            values[name] = people or None
        elif name == "children":
            values[name] = parse_children(text)
        elif name in COUNTS:
            values[name] = _count(name, text)
        elif name == "digital_need":
            values[name] = _yes_no(name, text)
        elif name in CHOICES:
            values[name] = _answer(name, text)
        elif name == "requested":
            values[name] = parse_requested(text) or None
        elif name == "diagnosed_on":
            values[name] = parse_date(name, text)
        else:
            if len(text) > TEXT_LIMITS[name]:
                raise ValidationError(f"{name} is over {TEXT_LIMITS[name]} characters")
            if name == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
                raise ValidationError(f"email {text!r} is not an e-mail address")
            values[name] = text
    return values


def age_on(birth: date, day: date) -> int:
    """A child's age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_form(values: dict[str, Any], household: Household | None = None) -> None:
    def current(name: str) -> Any:
        if name in values:
            return values[name]
        return getattr(household, name, None) if household is not None else None

    if household is None and not values.get("qpv"):
        raise ValidationError("a household needs its neighbourhood (--qpv, or 'hors QPV')")
    for total, part in (
        ("computers", "computers_working"),
        ("tablets", "tablets_usable"),
        ("smartphones", "smartphones_usable"),
    ):
        if (
            current(total) is not None
            and current(part) is not None
            and current(part) > current(total)
        ):
            raise ValidationError(f"{part} ({current(part)}) exceeds {total} ({current(total)})")


FACT_FIELDS = tuple(f for f in FORM_FIELDS if f not in PERSONAL_FIELDS)
