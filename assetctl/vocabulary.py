"""The programme's typed vocabulary, and the words people type for each value.

Each closed set of values is a :class:`~enum.StrEnum` (stored in the database as its value, so a
member compares equal to the string in a row). The words a person may type for a value, in
English or French, with or without accents, live here once: the CSV importers, ``asset add``,
``committee decide`` and the return desk all parse through :func:`parse`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from assetctl.errors import ValidationError


class Kind(StrEnum):
    """What a device is."""

    DESKTOP = "desktop"
    LAPTOP = "laptop"
    PRINTER = "printer"
    MONITOR = "monitor"
    OTHER = "other"


class Origin(StrEnum):
    """Where a device comes from: the city's fleet, refurbished, or a purchase."""

    REFURBISHED = "refurbished"
    PURCHASED = "purchased"


class Mode(StrEnum):
    """How a device goes to a family."""

    GIFT = "gift"
    LOAN = "loan"
    RENTAL = "rental"


class Outcome(StrEnum):
    """The committee's decision on a household."""

    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"


class ContractStatus(StrEnum):
    """A contract: drafted at allocation, active from the handover, closed when nothing is
    left with the family, or cancelled before the handover."""

    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class LineType(StrEnum):
    """What a contract line covers."""

    DEVICE = "device"
    INTERNET = "internet"
    SUPPLIES = "supplies"


class LineStatus(StrEnum):
    """Where one contract line stands."""

    ALLOCATED = "allocated"  # a device reserved, not yet handed over
    WITH_FAMILY = "with_family"  # a lent or rented device at the family's home
    GIVEN = "given"  # a gift: the family owns it
    ACTIVE = "active"  # internet support or supplies running
    RETURNED = "returned"
    LOST = "lost"
    STOLEN = "stolen"
    ENDED = "ended"  # internet support stopped with the contract
    CANCELLED = "cancelled"


class Condition(StrEnum):
    """The state of a device that comes back."""

    OK = "ok"
    DAMAGED = "damaged"
    ACCESSORIES_MISSING = "accessories-missing"


OPEN_CONTRACT = frozenset({ContractStatus.DRAFT, ContractStatus.ACTIVE})
OPEN_LINE = frozenset({LineStatus.ALLOCATED, LineStatus.WITH_FAMILY, LineStatus.ACTIVE})
# kinds that carry a serial number and go to families as computers or printers
DEVICE_KINDS = frozenset({Kind.DESKTOP, Kind.LAPTOP, Kind.PRINTER})
DISKLESS_KINDS = frozenset({Kind.PRINTER, Kind.MONITOR})

# The words people type, folded (lower case, no accents, single spaces), for each value. A
# value's own code is always accepted and is not repeated here.
WORDS: dict[type[StrEnum], dict[str, str]] = {
    Kind: {
        "pc": "desktop",
        "fixe": "desktop",
        "pc fixe": "desktop",
        "ordinateur fixe": "desktop",
        "ordinateur de bureau": "desktop",
        "uc": "desktop",
        "tour": "desktop",
        "portable": "laptop",
        "pc portable": "laptop",
        "ordinateur portable": "laptop",
        "notebook": "laptop",
        "imprimante": "printer",
        "ecran": "monitor",
        "screen": "monitor",
        "moniteur": "monitor",
        "autre": "other",
    },
    Origin: {
        "reconditionne": "refurbished",
        "refurb": "refurbished",
        "reemploi": "refurbished",
        "purchase": "purchased",
        "achat": "purchased",
        "achete": "purchased",
        "neuf": "purchased",
        "new": "purchased",
    },
    Mode: {"don": "gift", "pret": "loan", "location": "rental"},
    Outcome: {
        "accorde": "approved",
        "accord": "approved",
        "approve": "approved",
        "refuse": "rejected",
        "refus": "rejected",
        "reject": "rejected",
        "ajourne": "deferred",
        "defer": "deferred",
        "reporte": "deferred",
    },
    Condition: {
        "bon": "ok",
        "bon etat": "ok",
        "good": "ok",
        "abime": "damaged",
        "endommage": "damaged",
        "missing accessories": "accessories-missing",
        "accessories missing": "accessories-missing",
        "incomplet": "accessories-missing",
        "accessoires manquants": "accessories-missing",
    },
}

# What each value is called in French (documents, spreadsheets for French offices).
FRENCH: dict[type[StrEnum], dict[str, str]] = {
    Kind: {
        "desktop": "Ordinateur fixe",
        "laptop": "Ordinateur portable",
        "printer": "Imprimante",
        "monitor": "Écran",
        "other": "Autre",
    },
    Mode: {"gift": "Don", "loan": "Prêt", "rental": "Location"},
    Outcome: {"approved": "Accordé", "rejected": "Refusé", "deferred": "Ajourné"},
}

E = TypeVar("E", bound=StrEnum)


def fold(text: str) -> str:
    """Lower case without accents, single spaces, straight apostrophes: how typed words are
    compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().replace("’", "'").split())


def parse(enum: type[E], text: str, what: str) -> E:
    """The member of ``enum`` that ``text`` names, by its code or a word people type for it
    (``portable`` is a laptop, ``prêt`` a loan). ``what`` names the field in the error."""
    key = fold(text)
    for candidate in (key, key.replace("-", " "), key.replace(" ", "-"), key.replace(" ", "_")):
        try:
            return enum(candidate)
        except ValueError:
            pass
        word = WORDS.get(enum, {}).get(candidate)
        if word is not None:
            return enum(word)
    raise ValidationError(f"{what} {text!r} is not one of: {codes(enum)}")


def codes(values: Iterable[StrEnum] | type[StrEnum]) -> str:
    """``desktop, laptop, printer``: the codes, for messages and help texts."""
    return ", ".join(member.value for member in values)


def french(member: StrEnum | str, enum: type[StrEnum]) -> str:
    """The French name of a value (the code itself where none is known)."""
    return FRENCH.get(enum, {}).get(str(member), str(member))
