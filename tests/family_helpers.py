"""The families used by the family side's tests, and how to move them along."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine

from tests.conftest import Cli
from tests.helpers import add_args, make_ready

# The family side's rules depend on the day (ages, terms, due dates, retention): its tests run
# on a fixed day, so that every expected value is written out by hand.
TODAY = date(2026, 11, 20)
LAPTOP_PASSWORDS = {"parent": "Pomme-Velo-42", "enfant": "Soleil-Bleu-17"}
# what the Martin family told its caseworker: none of it may reach a technician
MARTIN = {
    "--child-name": "Lina Martin",
    "--representatives": "Sophie Martin; Karim Martin",
    "--qpv": "bellevue-carnac",
    "--school": "Collège Léon Tolstoï",
    "--class": "6e",
    "--phone": "06 12 34 56 78",
    "--email": "sophie.martin@example.org",
    "--address": "12 rue des Acacias, 72100 Le Mans",
    "--adults": "2",
    "--children": "Lina 2014-03-02; Noé 20/11/2019",  # 12 and 7 years old on TODAY
    "--landlord": "Sarthe Habitat",
    "--digital-need": "oui",
    "--computers": "0",
    "--printer": "en panne",
    "--smartphones": "1",
    "--smartphones-usable": "1",
    "--internet": "none",
    "--can-pay": "partiellement",
    "--can-install": "non",
    "--can-use": "partially",
    "--training": "oui",
    "--requested": "portable, imprimante",
    "--notes": "Père en recherche d'emploi",
}
PERSONAL_VALUES = (
    "Lina Martin",
    "Sophie Martin",
    "Karim",
    "06 12 34 56 78",
    "sophie.martin@example.org",
    "Acacias",
    "Sarthe Habitat",
    "recherche d'emploi",
    "2014-03-02",
    "Noé",
)
DUPONT = {
    "--representatives": "Nadia Dupont",
    "--qpv": "Epine",
    "--school": "Ecole élémentaire Michel Ange",
    "--children": "Yanis 2016-01-15",
    "--internet": "subscription",
    "--printer": "working",
    "--computers": "0",
}


def form(values: dict[str, str]) -> list[str]:
    return [item for pair in values.items() for item in pair]


@pytest.fixture
def frozen_today() -> Iterator[None]:
    """The clock set to TODAY, 11:00 in Le Mans (it keeps running from there)."""
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def programme(frozen_today: None, cli_db: Cli) -> Cli:
    """Staff with their roles, and ready devices (wiped and imaged)."""
    cli_db.ok("user", "add", "claire", "--role", "caseworker")
    cli_db.ok("user", "add", "theo", "--role", "technician")
    cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "ThinkPad L14", "PF1LAPTOP"))
    cli_db.ok(*add_args("printer", "purchased", "Brother", "DCP-L2530DW", "E78PRINT1"))
    cli_db.ok(
        *add_args(
            "desktop",
            "refurbished",
            "Dell",
            "OptiPlex 7010",
            "DESK0001",
            "--acquired",
            "2014-02-03",
        )
    )
    make_ready(cli_db.db_url, "LMM-PP-00001", LAPTOP_PASSWORDS)
    make_ready(cli_db.db_url, "LMM-IM-00001")
    make_ready(cli_db.db_url, "LMM-PC-00001")
    return cli_db


def status_of(cli: Cli, tag: str) -> str:
    return str(json.loads(cli.ok("asset", "show", tag, "--json").stdout)["status"])


def approve(cw: Cli, ref: str, session: str, *extra: str) -> None:
    cw.ok("household", "recommend", ref)
    criteria = [a for n in range(1, 5) for a in ("--criterion", str(n))]
    cw.ok("committee", "decide", session, ref, "approved", *criteria, *extra)
