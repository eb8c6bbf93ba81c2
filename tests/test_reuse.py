"""`assetctl report reuse`: the REEN ratio and the AGEC share of a seeded year, each figure
computed here by hand from the devices below (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.family_helpers import approve, form, frozen_today  # noqa: F401 (a fixture)
from tests.helpers import add_args, assert_readable, make_ready, snapshot

NB = "\u00a0"
# a family whose only child is 7: the programme's rule gives it a desktop
LEROY = {
    "--representatives": "Inès Leroy",
    "--qpv": "Epine",
    "--school": "Ecole élémentaire Michel Ange",
    "--children": "Léo 2019-05-01",
    "--internet": "subscription",
    "--printer": "working",
    "--computers": "0",
}


def city_desktop(cli: Cli, serial: str, acquired: str, retired: str, *extra: str) -> str:
    args = add_args("desktop", "refurbished", "Dell", "OptiPlex 7050", serial)
    return cli.ok(*args, "--acquired", acquired, "--retired-on", retired, *extra).stdout.strip()


def purchase(cli: Cli, kind: str, serial: str, acquired: str, *extra: str) -> str:
    args = add_args(kind, "purchased", "Lenovo", "ThinkPad L14", serial, "--acquired", acquired)
    return cli.ok(*args, *extra).stdout.strip()


@pytest.fixture
def seeded(frozen_today: None, cli_db: Cli) -> dict[str, str]:  # noqa: F811
    """The city's retired desktops and the year's purchases, on 20 November 2026."""
    cli = cli_db
    tags = {
        # retired in 2025, given to a family in 2026: in the stock on 1 January and reused
        "given": city_desktop(cli, "D1", "2018-05-01", "2025-06-01"),
        # retired in 2025, still at the bench: in the stock
        "waiting": city_desktop(cli, "D2", "2019-01-10", "2025-09-15"),
        # retired in 2025 at 11 years old: left out of both counts
        "old": city_desktop(cli, "D3", "2014-02-03", "2025-03-01"),
        # retired in 2025 and not taken into the programme, recycled in 2026: in the stock
        "recycled": city_desktop(
            cli,
            "D4",
            "2020-03-01",
            "2025-10-01",
            "--disposal",
            "recycled",
            "--disposal-note",
            "Bordereau Ecosystem 2026-118",
        ),
        # retired in 2026 and donated for reuse the same year: reused, never in the stock
        "donated": city_desktop(cli, "D5", "2019-06-01", "2026-02-01"),
    }
    make_ready(cli.db_url, tags["donated"])
    cli.ok(
        "asset", "retire", tags["donated"], "--reason", "donated",
        "--note", "Association Emmaüs Connect, convention de réemploi n° 2026-14",
    )  # fmt: skip
    make_ready(cli.db_url, tags["given"])
    cli.ok("user", "add", "claire", "--role", "caseworker")
    cw = cli.as_("claire")
    ref = cw.ok("household", "add", *form(LEROY)).stdout.strip()
    session = cw.ok("committee", "open", "--date", "2026-11-20", "--member", "Mme A.").stdout
    approve(cw, ref, session.strip(), "--mode", "don")
    number = cli.ok("allocate", ref, "--tag", tags["given"]).stdout.strip()
    cli.ok("contract", "delivery", number, "--at", "point", "--place", "Mairie de quartier")
    cli.ok("contract", "sign", number, "--date", "2026-03-02")
    tags["contract"] = number
    # the year's purchases, prices excluding VAT: 649,90 + 250,00 + 150,10 = 1 050,00 €, of
    # which 250,00 € reused; one without a price; one of the year before
    purchase(cli, "laptop", "P1", "2026-03-10", "--unit-price", "649,90")
    purchase(
        cli,
        "laptop",
        "P2",
        "2026-05-01",
        "--unit-price",
        "250",
        "--purchase-condition",
        "reconditionné",
    )
    purchase(cli, "printer", "P3", "2026-06-01", "--unit-price", "150,10")
    tags["unpriced"] = purchase(cli, "laptop", "P5", "2026-07-01")
    purchase(cli, "laptop", "P4", "2025-12-15", "--unit-price", "300", "--purchase-condition",
             "reused")  # fmt: skip
    return tags


def test_the_ratio_of_a_seeded_year(seeded: dict[str, str], cli_db: Cli, tmp_path: Path) -> None:
    record = json.loads(cli_db.ok("report", "reuse", "--year", "2026", "--json").stdout)
    reen = record["reen"]
    # A: the given and the donated desktops; B: given, waiting, recycled; 2 / 3
    assert reen["sent_to_reuse"] == 2 and reen["stock_on_1_january"] == 3
    assert reen["ratio"] == pytest.approx(2 / 3) and reen["target"] == 0.5
    assert sorted(d["tag"] for d in reen["reused"]) == sorted([seeded["given"], seeded["donated"]])
    assert sorted(d["tag"] for d in reen["stock"]) == sorted(
        [seeded["given"], seeded["waiting"], seeded["recycled"]]
    )
    proofs = {d["tag"]: (d["how"], d["proof"], d["reused_on"]) for d in reen["reused"]}
    assert proofs[seeded["given"]] == ("gift", seeded["contract"], "2026-03-02")
    assert proofs[seeded["donated"]] == (
        "donated",
        "Association Emmaüs Connect, convention de réemploi n° 2026-14",
        "2026-11-20",
    )
    assert [(d["tag"], d["why"]) for d in reen["excluded"]] == [(seeded["old"], "over_10_years")]
    agec = record["agec"]
    assert (agec["spend_cents"], agec["reused_cents"]) == (105000, 25000)
    assert agec["share"] == pytest.approx(250 / 1050) and agec["unpriced"] == [seeded["unpriced"]]

    # the year before: nothing retired before 1 January 2025, nothing reused in 2025
    before = json.loads(cli_db.ok("report", "reuse", "--year", "2025", "--json").stdout)["reen"]
    assert (before["sent_to_reuse"], before["stock_on_1_january"], before["ratio"]) == (0, 0, None)

    pdf = tmp_path / "reemploi.pdf"
    assert cli_db.ok("report", "reuse", "--year", "2026", "-o", str(pdf)).stdout.strip() == str(pdf)
    text = " ".join(assert_readable(pdf, (seeded["given"], seeded["contract"])).split())
    text = text.replace(NB, " ")
    for expected in (
        "Réemploi des matériels informatiques : année 2026",
        "décret n° 2023-266",
        "A : matériels orientés vers le réemploi en 2026 2",
        "B : matériels réformés en stock au 1er janvier 2026 3",
        "Résultat A / B × 100 66,7 % (objectif 50 % : atteint)",
        "Exclus du calcul 1 (plus de 10 ans à la date de la réforme)",
        f"{seeded['contract']}",
        "Don à une famille",
        "Donné pour réemploi",
        "convention de réemploi n° 2026-14",
        "Dépense d'ordinateurs en 2026, hors taxes 1 050,00 €",
        "Dont matériels reconditionnés ou issus du réemploi 250,00 €",
        "Part 23,8 % (objectif 20 % : atteint)",
        f"Sans prix enregistré, non comptés : {seeded['unpriced']}",
        "Certifié exact par",
    ):
        assert expected in text, expected
    assert "Inès" not in text and "Leroy" not in text  # no personal data

    workbook = tmp_path / "reemploi.xlsx"
    cli_db.ok("report", "reuse", "--year", "2026", "--xlsx", "-o", str(workbook))
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    assert book.sheetnames == [
        "Chiffres", "Orientés vers le réemploi", "Exclus", "Stock au 1er janvier", "Achats",
    ]  # fmt: skip
    figures = {row[0]: row[1] for row in book["Chiffres"].iter_rows(min_row=2, values_only=True)}
    assert figures["Taux de réemploi REEN (%)"] == 66.7
    assert figures["Dépense d'ordinateurs (HT)"] == 1050.0
    reused = list(book["Orientés vers le réemploi"].iter_rows(values_only=True))
    assert reused[0][0] == "Étiquette" and "Don à une famille" in [r[8] for r in reused[1:]]


def test_a_year_that_makes_no_sense_is_refused(cli_db: Cli) -> None:
    before = snapshot(cli_db.db_url)
    for year in ("1850", "20266", "deux-mille"):
        result = cli_db.fails("report", "reuse", "--year", year, code=2)
        assert "year" in result.stderr.lower(), result.stderr
    assert snapshot(cli_db.db_url) == before


def test_retired_on_and_purchase_condition_are_checked(frozen_today: None, cli_db: Cli) -> None:  # noqa: F811
    base = add_args("desktop", "refurbished", "Dell", "OptiPlex", "X1", "--acquired", "2018-01-01")
    assert "in the future" in cli_db.fails(*base, "--retired-on", "2027-01-01").stderr
    assert "before it was acquired" in cli_db.fails(*base, "--retired-on", "2017-01-01").stderr
    bought = add_args("laptop", "purchased", "Lenovo", "T14", "X2")
    assert "one of its own devices" in cli_db.fails(*bought, "--retired-on", "2025-01-01").stderr
    refused = cli_db.fails(*bought, "--purchase-condition", "volé")
    assert "purchase_condition" in refused.stderr and "reused" in refused.stderr
    city = add_args("desktop", "refurbished", "Dell", "OptiPlex", "X3")
    assert "purchased" in cli_db.fails(*city, "--purchase-condition", "neuf").stderr
    # a disposal is for a device the programme does not take; sold or donated need a wipe
    refused = cli_db.fails(*city, "--disposal", "donated").stderr
    assert "must be wiped first" in refused and "asset retire TAG --reason donated" in refused
    assert json.loads(cli_db.ok("asset", "list", "--json").stdout) == []


def test_a_hostile_proof_stays_text(frozen_today: None, cli_db: Cli, tmp_path: Path) -> None:  # noqa: F811
    """The recipient's note is typed by a person: in the workbook it is a text, never a
    formula, and no control character reaches the file or the terminal."""
    tag = city_desktop(cli_db, "H1", "2019-01-01", "2025-05-05")
    make_ready(cli_db.db_url, tag)
    note = '=HYPERLINK("http://x";"ok")\x1b[31m vendu\u202e'
    cli_db.ok("asset", "retire", tag, "--reason", "sold", "--note", note)
    workbook = tmp_path / "r.xlsx"
    cli_db.ok("report", "reuse", "--year", "2026", "--xlsx", "-o", str(workbook))
    from openpyxl import load_workbook

    sheet = load_workbook(workbook)["Orientés vers le réemploi"]
    cell = sheet.cell(2, 10)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert "\x1b" not in cell.value and "\u202e" not in cell.value
    shown = cli_db.ok("report", "reuse", "--year", "2026").stdout
    assert "\x1b" not in shown
    lines = [" ".join(line.split()) for line in shown.splitlines()]
    assert "sent to reuse in 2026 (A) 1" in lines and "REEN ratio A / B 100.0 %" in lines
    pdf = tmp_path / "r.pdf"
    cli_db.ok("report", "reuse", "--year", "2026", "-o", str(pdf))
    assert_readable(pdf, (tag,))


def test_a_gifts_handover_sheet_says_to_remove_the_programmes_label(
    seeded: dict[str, str], cli_db: Cli, tmp_path: Path
) -> None:
    """ANSSI: a device that changes owner leaves without the previous owner's marks."""
    pdf = tmp_path / "contrat.pdf"
    cli_db.as_("claire").ok("contract", "print", seeded["contract"], "-o", str(pdf))
    text = " ".join(assert_readable(pdf, (seeded["given"],)).split())
    sheet = text.split("Fiche de remise : comptes")[1]
    assert "À la remise d'un don" in sheet
    assert f"l'agent retire l'étiquette du programme ({seeded['given']})" in sheet
    assert "Le Mans Métropole avant de le remettre" in sheet and "Étiquette retirée le" in sheet
