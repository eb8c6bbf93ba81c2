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


class Firmware(StrEnum):
    """How a machine boots: the firmware its deployed system's boot loader is written for."""

    UEFI = "uefi"
    BIOS = "bios"


class Media(StrEnum):
    """A disk's kind of storage, as the bench reads it (``bench.facts.DiskFacts.media_type``)."""

    HDD = "hdd"  # spinning
    SSD = "ssd"
    NVME = "nvme"
    EMMC = "emmc"
    UNKNOWN = "unknown"


class ReadBack(StrEnum):
    """How much of a disk the wipe reads back after an overwrite."""

    FULL = "full"
    SAMPLE = "sample"  # the first and last MiB and random MiB blocks


class PurchaseCondition(StrEnum):
    """What a purchased device was when bought (the AGEC declaration counts the reused)."""

    NEW = "new"
    REUSED = "reused"  # bought refurbished or second-hand (reconditionné, issu du réemploi)


class Disposal(StrEnum):
    """How a device left the fleet for good (``asset retire --reason``)."""

    RECYCLED = "recycled"
    E_WASTE = "e-waste"
    SPARE_PARTS = "spare-parts"
    SOLD = "sold"  # to a buyer who commits to reuse it
    DONATED = "donated"  # to an association or another public body that commits to reuse it


class ManualStep(StrEnum):
    """What a technician does by hand before a device changes owner (ANSSI), confirmed with
    ``assetctl wipe confirm``: what the live system cannot reach."""

    BIOS_PASSWORD = "bios-password"
    FIRMWARE_DEFAULTS = "firmware-defaults"
    PREVIOUS_LABELS = "previous-labels"


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


class Contact(StrEnum):
    """How the family was last in touch with the programme: the personal data's retention
    runs from that moment (CNIL's social-sector reference: two years from the last contact)."""

    FORM = "form"  # the diagnostic taken, or the form updated with the family
    DECISION = "decision"  # the committee's decision, notified to the family
    CONTRACT = "contract"  # a delivery planned, a signature, a renewal, a return, a cancellation
    PAYMENT = "payment"
    TRAINING = "training"  # a training session attended
    CALL = "call"  # recorded by hand: `household contact`
    VISIT = "visit"
    MESSAGE = "message"


RECORDED_CONTACTS = (Contact.CALL, Contact.VISIT, Contact.MESSAGE)


# the disposals that send a device to reuse (the REEN count), and need its disks wiped first
REUSE_DISPOSALS = frozenset({Disposal.SOLD, Disposal.DONATED})
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
    PurchaseCondition: {
        "neuf": "new",
        "reconditionne": "reused",
        "refurbished": "reused",
        "occasion": "reused",
        "reemploi": "reused",
        "second hand": "reused",
    },
    Disposal: {
        "recycle": "recycled",
        "deee": "e-waste",
        "pieces": "spare-parts",
        "pieces detachees": "spare-parts",
        "vendu": "sold",
        "don": "donated",
        "donne": "donated",
    },
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
    Origin: {"refurbished": "Reconditionné", "purchased": "Acheté"},
    PurchaseCondition: {"new": "Neuf", "reused": "Reconditionné ou réemploi"},
    ManualStep: {
        "bios-password": "Mot de passe du BIOS ou de l'UEFI retiré",
        "firmware-defaults": "Réglages du micrologiciel remis par défaut",
        "previous-labels": "Étiquettes et codes de l'ancien propriétaire retirés",
    },
    Disposal: {
        "recycled": "Recyclé",
        "e-waste": "DEEE",
        "spare-parts": "Pièces détachées",
        "sold": "Vendu pour réemploi",
        "donated": "Donné pour réemploi",
    },
    Mode: {"gift": "Don", "loan": "Prêt", "rental": "Location"},
    Outcome: {"approved": "Accordé", "rejected": "Refusé", "deferred": "Ajourné"},
    ContractStatus: {
        "draft": "En préparation",
        "active": "En cours",
        "closed": "Clos",
        "cancelled": "Annulé",
    },
    Condition: {"ok": "Bon état", "damaged": "Endommagé", "accessories-missing": "Incomplet"},
}
# A device's status (lifecycle.Status, whose module needs the database: codes here)
STATUS_FR = {
    "received": "Reçu",
    "wiped": "Effacé",
    "ready": "Prêt à remettre",
    "allocated": "Attribué",
    "on_loan": "Prêté / loué",
    "given": "Donné",
    "returned": "Restitué",
    "repair": "En réparation",
    "lost": "Perdu / volé",
    "retired": "Réformé",
}
LOCATION_FR = {
    "bench": "Atelier",
    "storage": "Stock",
    "family": "Chez la famille",
    "recycler": "Recycleur",
}
# How a retired device was sent to reuse (reports.reuse): a family contract's mode, or a disposal
REUSE_HOW_FR = {
    **{mode: f"{label} à une famille" for mode, label in FRENCH[Mode].items()},
    **{d.value: FRENCH[Disposal][d] for d in REUSE_DISPOSALS},
}
EXCLUSION_FR = {"over_10_years": "Plus de 10 ans à la date de la réforme"}
# The values of a report's column, by column name, in French
VALUES_FR: dict[str, dict[str, str]] = {
    "kind": FRENCH[Kind],
    "origin": FRENCH[Origin],
    "mode": FRENCH[Mode],
    "outcome": FRENCH[Outcome],
    "status": STATUS_FR,
    "location": LOCATION_FR,
    "condition": FRENCH[Condition],
    "purchase_condition": FRENCH[PurchaseCondition],
    "disposal": FRENCH[Disposal],
    "how": REUSE_HOW_FR,
    "why": EXCLUSION_FR,
}
# Column headers and report items in French (the English codes stay in --json and --csv)
COLUMNS_FR = {
    "kind": "Type",
    "origin": "Origine",
    "status": "État",
    "location": "Lieu",
    "qpv": "Quartier",
    "school": "Établissement",
    "mode": "Mode",
    "devices": "Nombre",
    "priced": "Dont avec prix",
    "purchase": "Achat",
    "refurbishment": "Reconditionnement",
    "total": "Total",
    "average": "Coût moyen",
    "indicator": "Indicateur",
    "value": "Valeur",
    "item": "Poste",
    "euros": "Montant",
    "day": "Jour",
    "week": "Semaine",
    "registered": "Enregistrés",
    "discovered": "Lus à l'atelier",
    "wiped": "Effacés",
    "imaged": "Installés",
    "ready": "Rendus prêts",
    "manufacturer": "Fabricant",
    "model": "Modèle",
    "step": "Étape",
    "runs": "Passages",
    "failed": "Échecs",
    "failure_rate_percent": "Taux d'échec (%)",
    "schools": "Établissements",
    "planned_households": "Foyers recensés",
    "diagnosed": "Diagnostiqués",
    "equipped": "Équipés",
    "progress_percent": "Avancement (%)",
    "families_equipped": "Familles équipées",
    "devices_supplied": "Matériels fournis",
    "internet_before": "Familles ayant internet avant",
    "internet_now": "Familles ayant internet aujourd'hui",
    "training_accepted": "Familles ayant accepté une formation",
    "training_offered": "Familles à qui une formation a été proposée",
    "training_attended": "Familles ayant suivi une formation",
    "paid_by_families": "Loyers payés par les familles",
    "paid_by_programme": "Loyers pris en charge par le programme",
    "active_rentals": "Locations en cours",
    "monthly_family_share": "Part mensuelle des familles",
    "monthly_programme_share": "Part mensuelle du programme",
    "budget_equipment": "Budget d'équipement",
    "budget_total": "Budget total du plan",
    "remaining_equipment": "Reste du budget d'équipement",
    "refurbishment_per_device": "Reconditionnement par poste",
    "tag": "Étiquette",
    "serial": "N° de série",
    "acquired": "Date d'achat",
    "retired_on": "Réformé le",
    "reused_on": "Orienté vers le réemploi le",
    "how": "Comment",
    "proof": "Preuve",
    "why": "Motif",
    "order_ref": "Commande",
    "supplier": "Fournisseur",
    "purchase_condition": "État à l'achat",
    "unit_price": "Prix HT",
    "reen_sent_to_reuse": "Orientés vers le réemploi (A)",
    "reen_stock_on_1_january": "Réformés en stock au 1er janvier (B)",
    "reen_ratio_percent": "Taux de réemploi REEN (%)",
    "reen_target_percent": "Objectif REEN (%)",
    "agec_spend": "Dépense d'ordinateurs (HT)",
    "agec_reused": "Dont reconditionnés ou réemploi (HT)",
    "agec_share_percent": "Part AGEC (%)",
    "agec_target_percent": "Objectif AGEC (%)",
}
# Report items whose value is a sum of money in cents
MONEY_ITEMS = {
    "paid_by_families_cents",
    "paid_by_programme_cents",
    "monthly_family_share_cents",
    "monthly_programme_share_cents",
}


def column_fr(code: str) -> str:
    """A column's or a report item's French name (``purchase_cents`` is ``Achat``)."""
    base = code.removesuffix("_cents")
    return COLUMNS_FR.get(base, base.replace("_", " ").capitalize())


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
