"""Reports against hand-computed expectations on a seeded programme (SQLite and PostgreSQL):
counts now and on a past date, the indicators, costs, the bench's throughput, the census
targets, the spreadsheet and the PDF; a purge changes none of them."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from tests.conftest import Cli
from tests.family_helpers import DUPONT, MARTIN, TODAY, approve, form
from tests.helpers import add_args, assert_readable, make_ready, pdf_bars, pdf_text, snapshot

CENSUS_COPY = Path(__file__).parent / "fixtures" / "census-2020-05.csv"


def shift_history(db_url: str, days: int) -> None:
    """Move every timestamp of the database ``days`` into the past, as if it all happened
    then (the history keeps its order)."""
    from sqlalchemy import update

    from assetctl.db import make_engine
    from assetctl.models import load_all
    from assetctl.models.types import UTCDateTime

    engine = make_engine(db_url)
    with engine.begin() as connection:
        for table in load_all().tables.values():
            stamps = [c for c in table.c if isinstance(c.type, UTCDateTime)]
            if not stamps or "id" not in table.c:
                continue
            for row in connection.execute(table.select()).mappings().all():
                values = {c.name: row[c.name] - timedelta(days=days) for c in stamps if row[c.name]}
                if values:
                    connection.execute(update(table).where(table.c.id == row["id"]).values(values))
    engine.dispose()


def counts(cli: Cli, by: str, *extra: str) -> list[tuple[Any, ...]]:
    rows = json.loads(cli.ok("report", "counts", "--by", by, "--json", *extra).stdout)
    return [tuple(r.values()) for r in rows]


@pytest.fixture
def seeded(programme: Cli) -> Cli:
    """Four households: Martin (Bellevue-Carnac) rents a laptop and a printer with internet
    support and attended a training; Dupont (Epine) borrowed a laptop and brought it back;
    Diallo (Epine) was rejected; Petit (hors QPV) was given a desktop. Then ten days pass."""
    cw, tech = programme.as_("claire"), programme.as_("theo")
    programme.ok(
        *add_args("laptop", "purchased", "Dell", "Latitude 5420", "LAT2", "--unit-price", "450,00")
    )
    programme.ok(
        *add_args("desktop", "refurbished", "HP", "Elite 8300", "HP2", "--acquired", "2013-01-01")
    )
    programme.ok("asset", "edit", "LMM-PP-00001", "--unit-price", "500")
    programme.ok("asset", "edit", "LMM-IM-00001", "--unit-price", "120,50")
    make_ready(programme.db_url, "LMM-PP-00002")
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    session = session.strip()
    martin = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    approve(cw, martin, session, "--mode", "rental", "--fee", "5", "--programme-share", "3")
    number = tech.ok("allocate", martin, "--tag", "LMM-PP-00001").stdout.strip()
    tech.ok("contract", "sign", number)
    cw.ok("contract", "pay", number, "--period", "2026-10", "--payer", "family")
    cw.ok("contract", "pay", number, "--period", "2026-10", "--payer", "programme")
    training = cw.ok("training", "add", "--date", TODAY.isoformat(), "--topic", "Bases").stdout
    cw.ok("training", "record", training.strip(), martin, "--status", "attended")
    dupont = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    approve(cw, dupont, session, "--mode", "loan")
    tech.ok("contract", "sign", tech.ok("allocate", dupont, "--tag", "LMM-PP-00002").stdout.strip())
    tech.ok("contract", "return", "LMM-PP-00002")
    diallo = cw.ok(
        "household", "add", "--qpv", "Epine", "--school", "Ecole élémentaire Michel Ange",
        "--children", "Awa 2018-04-04", "--representatives", "Awa Diallo",
    ).stdout  # fmt: skip
    cw.ok("household", "recommend", diallo.strip())
    cw.ok("committee", "decide", session, diallo.strip(), "rejected", "--rationale", "équipée")
    petit = cw.ok(
        "household", "add", "--qpv", "hors QPV", "--school", "Collège des Sources",
        "--children", "Léo 2019-06-06", "--internet", "problem",
    ).stdout  # fmt: skip
    approve(cw, petit.strip(), session, "--mode", "don", "--equipment", "desktop")
    tech.ok("contract", "sign", tech.ok("allocate", petit.strip()).stdout.strip())
    shift_history(programme.db_url, 10)
    return programme


def test_counts_now_and_as_they_were(seeded: Cli) -> None:
    assert counts(seeded, "kind,status") == [
        ("desktop", "given", 1),
        ("desktop", "received", 1),
        ("laptop", "on_loan", 1),
        ("laptop", "returned", 1),
        ("printer", "on_loan", 1),
        ("TOTAL", "", 5),
    ]
    assert counts(seeded, "kind,qpv") == [
        ("desktop", "-", 1),
        ("desktop", "hors QPV", 1),
        ("laptop", "-", 1),
        ("laptop", "Bellevue-Carnac", 1),
        ("printer", "Bellevue-Carnac", 1),
        ("TOTAL", "", 5),
    ]
    assert counts(seeded, "mode") == [("-", 2), ("gift", 1), ("rental", 2), ("TOTAL", 5)]
    assert counts(seeded, "school,mode") == [
        ("-", "-", 2),
        ("Collège Léon Tolstoï", "rental", 2),
        ("Collège des Sources", "gift", 1),
        ("TOTAL", "", 5),
    ]
    # today the laptop comes back; five days ago it was with the Martin family
    seeded.as_("theo").ok("scan", "--mode", "return", input="LMM-PP-00001\n")
    before = (TODAY - timedelta(days=5)).isoformat()
    assert counts(seeded, "kind,status", "--at", before) == [
        ("desktop", "given", 1),
        ("desktop", "received", 1),
        ("laptop", "on_loan", 1),
        ("laptop", "returned", 1),
        ("printer", "on_loan", 1),
        ("TOTAL", "", 5),
    ]
    assert counts(seeded, "kind,qpv", "--at", before)[2:4] == [
        ("laptop", "-", 1),
        ("laptop", "Bellevue-Carnac", 1),
    ]
    assert counts(seeded, "kind,status")[2:4] == [
        ("laptop", "returned", 2),
        ("printer", "on_loan", 1),
    ]
    assert counts(seeded, "kind", "--at", (TODAY - timedelta(days=30)).isoformat()) == [
        ("TOTAL", 0)
    ]
    table = seeded.ok("report", "counts", "--by", "kind,status").stdout.splitlines()
    assert table[0].split() == ["KIND", "STATUS", "DEVICES"] and table[-1].split() == ["TOTAL", "5"]
    csv = seeded.ok("report", "counts", "--by", "origin", "--csv").stdout.splitlines()
    assert csv == ["origin,devices", "purchased,3", "refurbished,2", "TOTAL,5"]


def test_indicators_costs_and_bench(seeded: Cli) -> None:
    data = json.loads(seeded.ok("report", "indicators", "--json").stdout)
    assert data["overall"] == {
        "families_equipped": 3,
        "internet_before": 1,  # Dupont had a subscription
        "internet_now": 2,  # and Martin has internet support now
        "training_accepted": 1,
        "training_offered": 1,
        "training_attended": 1,
        "devices_supplied": 4,
    }
    assert data["devices_by_kind_and_mode"] == [
        {"kind": "desktop", "mode": "gift", "devices": 1},
        {"kind": "laptop", "mode": "loan", "devices": 1},
        {"kind": "laptop", "mode": "rental", "devices": 1},
        {"kind": "printer", "mode": "rental", "devices": 1},
    ]
    assert data["cost_to_families"] == {
        "paid_by_families_cents": 200,
        "paid_by_programme_cents": 300,
        "active_rentals": 1,
        "monthly_family_share_cents": 200,
        "monthly_programme_share_cents": 300,
    }
    assert [(a["qpv"], a["families_equipped"], a["internet_now"]) for a in data["by_area"]] == [
        ("Bellevue-Carnac", 1, 1),
        ("Epine", 1, 1),
        ("hors QPV", 1, 0),
    ]
    assert [(s["school"], s["families_equipped"]) for s in data["by_school"]] == [
        ("Collège Léon Tolstoï", 1),
        ("Ecole élémentaire Michel Ange", 1),
        ("Collège des Sources", 1),
    ]
    # a period before anything was signed counts nothing
    old = json.loads(
        seeded.ok(
            "report", "indicators", "--to", (TODAY - timedelta(days=20)).isoformat(), "--json"
        ).stdout
    )
    assert old["overall"]["families_equipped"] == 0 and old["devices_by_kind_and_mode"] == []

    cost = json.loads(seeded.ok("report", "costs", "--json").stdout)
    assert cost["total_cents"] == 50000 + 45000 + 12050
    assert cost["remaining_equipment_cents"] == 24_800_000 - 107_050
    assert [(r["kind"], r["origin"], r["devices"], r["total_cents"]) for r in cost["by_kind"]] == [
        ("desktop", "refurbished", 2, 0),
        ("laptop", "purchased", 2, 95000),
        ("printer", "purchased", 1, 12050),
    ]
    # for people: what was not bought or not entered says so, items in words, not codes
    table = seeded.ok("report", "costs")
    assert (table.stdout.splitlines()[1].split()[:8]) == [
        "desktop",
        "refurbished",
        "2",
        "0",
        "no",
        "purchase",
        "not",
        "set",
    ]
    assert "_" not in table.stdout and "equipment budget left" in table.stdout
    assert "refurbishment_per_device" in table.stderr  # where to set it
    assert "median durations: wipe 30 min 00 s" in seeded.ok("report", "bench").stderr
    bench = json.loads(seeded.ok("report", "bench", "--json").stdout)
    day = (TODAY - timedelta(days=10)).isoformat()
    assert bench["rows"] == [
        {"day": day, "registered": 5, "discovered": 0, "wiped": 4, "imaged": 4, "ready": 4}
    ]
    assert bench["median_minutes"] == {"wipe": 30.0, "imaging": 30.0}
    weeks = json.loads(seeded.ok("report", "bench", "--per", "week", "--json").stdout)
    assert weeks["rows"][0]["week"].startswith(str((TODAY - timedelta(days=10)).isocalendar()[0]))


def test_a_purge_changes_no_report(seeded: Cli) -> None:
    from tests.cli.test_family_gdpr import rows

    reports = [
        ("report", "counts", "--by", "kind,status,qpv,school,mode", "--json"),
        ("report", "indicators", "--json"),
        ("report", "costs", "--json"),
    ]
    before = [seeded.ok(*args).stdout for args in reports]
    # the Dupont loan, Petit's gift (closed at the handover) and Diallo's rejection: old now
    shift_history(seeded.db_url, 800)  # over 2 years since each family's last contact
    moved = [seeded.ok(*args).stdout for args in reports[1:]]
    purged = seeded.ok("household", "purge", "--yes").stderr
    assert "3 household(s) anonymised" in purged
    assert [seeded.ok(*args).stdout for args in reports[1:]] == moved
    assert seeded.ok(*reports[0]).stdout == before[0]
    assert rows(seeded.db_url, "SELECT count(*) FROM household WHERE purged_at IS NOT NULL") == [
        (3,)
    ]


def test_census_targets_and_documents(seeded: Cli, tmp_path: Path) -> None:
    imported = seeded.as_("claire").ok("report", "targets", "import", str(CENSUS_COPY))
    assert "40 schools, 318 planned households across 5 areas" in imported.stderr
    targets = json.loads(seeded.ok("report", "indicators", "--json").stdout)["targets"]
    assert [
        (t["qpv"], t["planned_households"], t["diagnosed"], t["equipped"]) for t in targets
    ] == [
        ("Bellevue-Carnac", 28, 1, 1),
        ("Epine", 14, 2, 1),
        ("Ronceray-Glonnières-Vauguyon", 30, 0, 0),
        ("Sablons-Bords de l'Huisne", 192, 0, 0),
        ("hors QPV", 54, 1, 1),
    ]
    schools = json.loads(seeded.ok("report", "indicators", "--json").stdout)["by_school"]
    assert [(s["school"], s["planned_households"]) for s in schools] == [
        ("Collège Léon Tolstoï", 12),
        ("Ecole élémentaire Michel Ange", 1),
        ("Collège des Sources", 1),
    ]
    listed = json.loads(seeded.ok("report", "targets", "list", "--json").stdout)
    assert len(listed) == 40 and sum(t["planned_households"] or 0 for t in listed) == 318

    workbook = tmp_path / "indicateurs.xlsx"
    seeded.ok("report", "indicators", "--xlsx", "-o", str(workbook))
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    assert book.sheetnames == [
        "Indicateurs",
        "Matériels fournis",
        "Par quartier",
        "Par école",
        "Recensement",
    ]
    sheet = book["Indicateurs"]
    # for a French office: French headers and items, money as money (euros, not cents)
    assert [c.value for c in sheet[1]] == ["Indicateur", "Valeur"]
    cells = {r[0].value: r[1] for r in sheet.iter_rows(min_row=2)}
    assert cells["Familles équipées"].value == 3
    paid = cells["Loyers payés par les familles"]
    assert paid.value == 2.0 and "€" in paid.number_format
    counts_book = tmp_path / "parc.xlsx"
    seeded.ok("report", "counts", "--by", "kind,status", "--xlsx", "-o", str(counts_book))
    values = [[c.value for c in r] for r in load_workbook(counts_book)["Matériel"].iter_rows()]
    assert values[0] == ["Type", "État", "Nombre"] and values[-1] == ["Total", None, 5]
    assert all(row[0] in ("Ordinateur fixe", "Ordinateur portable", "Imprimante", "Total")
               for row in values[1:]), values  # fmt: skip
    bench_book = tmp_path / "atelier.xlsx"
    seeded.ok("report", "bench", "--xlsx", "-o", str(bench_book))
    rows = list(load_workbook(bench_book)["Débit"].iter_rows(min_row=2))
    assert rows and all(isinstance(r[0].value, datetime) for r in rows)  # a date, not a text
    assert rows[0][0].number_format == "DD/MM/YYYY"

    pdf = tmp_path / "rapport.pdf"
    seeded.ok("report", "pdf", "-o", str(pdf))
    text = " ".join(pdf_text(pdf).split())
    for expected in (
        "Le Mans Métropole",
        "Équipement numérique des familles",
        "depuis le début du programme",
        "Familles équipées 3",
        "Familles ayant internet aujourd'hui 2",
        "Ordinateur portable Location 1",
        "Avancement par rapport au recensement",
        "Sablons-Bords de l'Huisne 10 192 0 0 0 %",
        "Loyers payés par les familles 2,00 €",
        "248 000,00 €",
    ):
        assert expected in text, expected
    for value in ("Martin", "Sophie", "Diallo"):
        assert value not in text


def test_bad_report_input_is_refused(seeded: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "census.csv"
    bad.write_text(
        "qpv,school,school_level,planned_households,note\n"
        "Epine,Ecole A,school,3,\nNulle part,Ecole B,school,2,\nEpine,Ecole C,school,beaucoup,\n"
    )
    before = snapshot(seeded.db_url)
    result = seeded.as_("claire").fails("report", "targets", "import", str(bad))
    assert (
        "line 3: qpv 'Nulle part'" in result.stderr
        and "line 4: planned_households" in result.stderr
    )
    for args, message in (
        (("report", "counts", "--by", "kind,colour"), "unknown dimension(s) colour"),
        (("report", "counts", "--by", "location", "--at", "2026-01-01"), "locations are not"),
        (("report", "counts", "--xlsx"), "give it with -o FILE"),
        (("report", "indicators", "--from", "2026-05-01", "--to", "2026-01-01"), "is after"),
        (("report", "targets", "import", str(bad)), "may not record committee"),
    ):
        code = 2 if "-o FILE" in message else 1
        assert message in seeded.as_("theo").fails(*args, code=code).stderr, args
    assert "is not a date" in seeded.fails("report", "counts", "--at", "hier", code=2).stderr
    assert snapshot(seeded.db_url) == before


def test_walking_back_from_now_matches_the_history(engine: Any, settings: Any) -> None:
    """--at reads the changes since the date backwards; it must agree with the plain reading
    of the history (each device's last status change before the date), on every date."""
    import random
    from datetime import UTC, datetime

    from sqlalchemy import text

    from assetctl.assets import register
    from assetctl.db import session_scope
    from assetctl.models import Asset, AssetEvent
    from assetctl.reports import counts as report_counts
    from assetctl.reports import end_of

    rng = random.Random(3)
    base = datetime(2025, 1, 1, 9, tzinfo=UTC)
    statuses = ["wiped", "ready", "received", "repair", "retired"]
    with session_scope(engine) as session:
        session.execute(text("DELETE FROM asset_event"))
        for n in range(12):
            kind = ("desktop", "laptop", "printer")[n % 3]
            values = {"kind": kind, "origin": "purchased", "manufacturer": "X", "model": "Y",
                      "serial": f"S{n}"}  # fmt: skip
            asset = register(session, settings, values, actor="t").asset
            born = base + timedelta(days=rng.randint(0, 60))
            asset.created_at = born
            session.execute(text("DELETE FROM asset_event WHERE asset_id = :a"), {"a": asset.id})
            session.add(AssetEvent(asset_id=asset.id, at=born, actor="t", action="registered",
                                   to_status="received"))  # fmt: skip
            at, current = born, "received"
            for _ in range(rng.randint(0, 5)):
                at += timedelta(days=rng.randint(1, 20))
                nxt = rng.choice([s for s in statuses if s != current])
                session.add(AssetEvent(asset_id=asset.id, at=at, actor="t", action="status",
                                       from_status=current, to_status=nxt))  # fmt: skip
                session.add(AssetEvent(asset_id=asset.id, at=at, actor="t", action="note"))
                current = nxt
            asset.status = current
            session.add(asset)
            session.flush()
    for offset in range(0, 150, 7):
        day = (base + timedelta(days=offset)).date()
        with session_scope(engine) as session:
            ours = report_counts(session, ["kind", "status"], day)
            events = session.exec(
                select(AssetEvent).where(col(AssetEvent.to_status).is_not(None))
            ).all()
            kinds = {a.id: a.kind for a in session.exec(select(Asset)).all()}
        last: dict[int, tuple[Any, str]] = {}
        for event in events:
            seen = last.get(event.asset_id)
            if event.at < end_of(day) and (seen is None or (event.at, event.id) > seen[0]):
                last[event.asset_id] = ((event.at, event.id), event.to_status)
        plain: dict[tuple[str, str], int] = {}
        for asset_id, (_, status) in last.items():
            key = (kinds[asset_id], status)
            plain[key] = plain.get(key, 0) + 1
        assert {(r["kind"], r["status"]): r["devices"] for r in ours[:-1]} == plain, day


def test_the_report_counts_a_machine_read_on_the_bench_once(seeded: Cli, tmp_path: Path) -> None:
    """A device registered and then read on the bench (bench discover records "discovered"
    beside "registered") is one device in the PDF as in `report counts` (issue 15, point 3)."""
    from assetctl.assets import find_asset
    from assetctl.db import make_engine, session_scope
    from assetctl.lifecycle import record_event

    engine = make_engine(seeded.db_url)
    with session_scope(engine) as session:  # what bench discover writes for a known machine
        asset = find_asset(session, "LMM-PC-00001")
        record_event(session, asset, actor="bench", action="discovered", details={})
    engine.dispose()
    counts = json.loads(seeded.ok("report", "counts", "--by", "kind", "--json").stdout)
    fleet = next(row["devices"] for row in counts if row["kind"] == "TOTAL")
    pdf = tmp_path / "rapport.pdf"
    seeded.ok("report", "pdf", "-o", str(pdf))
    text = " ".join(pdf_text(pdf).split())
    assert fleet == 5
    assert f"Enregistrés : {fleet} ; lectures à l'atelier : 1 ;" in text


def test_a_word_too_long_for_its_column_breaks_where_french_breaks_it(
    seeded: Cli, tmp_path: Path
) -> None:
    """The report's narrow table headers (issue 15, point 1): hyphenated at French break
    points, never cut in the middle as "Établisseme nts" was."""
    import re

    import pyphen

    seeded.as_("claire").ok("report", "targets", "import", str(CENSUS_COPY))
    pdf = tmp_path / "rapport.pdf"
    seeded.ok("report", "pdf", "-o", str(pdf))
    # pdfium reports a hyphen that ends a line as U+FFFE: written here as "- "
    text = " ".join(pdf_text(pdf).replace("\ufffe", "- ").split())
    french = pyphen.Pyphen(lang="fr_FR")
    for word in ("Établissements", "Diagnostiqués", "Reconditionnement"):
        # the word as printed: whole, or broken at line ends with a hyphen
        printed = "".join(re.escape(c) + "(?:- )?" for c in word[:-1]) + word[-1]
        found = re.search(printed, text)
        assert found, f"{word} is not in the report, whole or hyphenated"
        cuts, at = [], 0
        for piece in found.group(0).split("- ")[:-1]:
            at += len(piece)
            cuts.append(at)
        assert set(cuts) <= set(french.positions(word)), (word, cuts)
        cut_bare = "".join(re.escape(c) + "(?: )?" for c in word[:-1]) + word[-1]
        assert all(" " not in m for m in re.findall(cut_bare, text)), f"{word} cut bare"


def test_the_report_draws_only_charts_that_say_something(seeded: Cli, tmp_path: Path) -> None:
    """Bars for two categories or more; no one-slice pie for a single mode, and no chart at
    all on an empty programme (issue 15, point 1). Each page is checked as a reader would."""
    pdf = tmp_path / "rapport.pdf"
    seeded.ok("report", "pdf", "-o", str(pdf))
    counts = json.loads(seeded.ok("report", "counts", "--by", "kind", "--json").stdout)
    kinds = [row for row in counts if row["kind"] != "TOTAL" and row["devices"]]
    supplied = json.loads(seeded.ok("report", "indicators", "--json").stdout)
    modes = {row["mode"] for row in supplied["devices_by_kind_and_mode"]}
    assert len(kinds) == 3 and len(modes) == 3  # the seeded programme
    assert pdf_bars(pdf) == len(kinds) + len(modes)  # one bar per kind, one per mode
    text = assert_readable(pdf, ("Établissement", "Reconditionnement", "Ordinateur portable"))
    assert "sans achat (parc de la ville)" in text and "non renseigné" in text


def test_no_chart_on_an_empty_programme_nor_for_one_category(cli_db: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "vide.pdf"
    cli_db.ok("report", "pdf", "-o", str(empty))
    assert pdf_bars(empty) == 0
    text = assert_readable(empty)
    assert "aucun" not in text
    # an empty table is a sentence, not a header over nothing
    assert "Aucun matériel fourni sur la période." in text and "Type Mode Nombre" not in text
    assert text.count("Aucune famille équipée sur la période.") == 2
    cli_db.ok(*add_args("laptop", "purchased", "Dell", "Latitude 5420", "LAT9"))
    single = tmp_path / "un-type.pdf"
    cli_db.ok("report", "pdf", "-o", str(single))
    assert pdf_bars(single) == 0  # one bar tells nothing the table does not


def test_the_pdfs_figures_are_the_reports_figures(seeded: Cli, tmp_path: Path) -> None:
    """One definition of each figure (issue 15, point 3): the PDF's indicators, fleet by kind
    and status, and money equal `report indicators` and `report counts` on the same data."""
    pdf = tmp_path / "rapport.pdf"
    seeded.ok("report", "pdf", "-o", str(pdf))
    text = assert_readable(pdf)
    indicators = json.loads(seeded.ok("report", "indicators", "--json").stdout)
    overall = indicators["overall"]
    for label, key in (
        ("Familles équipées", "families_equipped"),
        ("Matériels fournis", "devices_supplied"),
        ("Familles ayant internet avant", "internet_before"),
        ("Familles ayant internet aujourd'hui", "internet_now"),
        ("Familles ayant accepté une formation", "training_accepted"),
        ("Familles ayant suivi une formation", "training_attended"),
    ):
        assert f"{label} {overall[key]} " in text, (label, overall[key])
    paid = indicators["cost_to_families"]["paid_by_families_cents"]
    assert f"Loyers payés par les familles {paid // 100},{paid % 100:02d} €" in text
    kind_fr = {"desktop": "Ordinateur fixe", "laptop": "Ordinateur portable",
               "printer": "Imprimante"}  # fmt: skip
    status_fr = {"received": "Reçu", "on_loan": "Prêté / loué", "given": "Donné",
                 "returned": "Restitué", "ready": "Prêt à remettre", "wiped": "Effacé"}  # fmt: skip
    fleet = json.loads(seeded.ok("report", "counts", "--by", "kind,status", "--json").stdout)
    table = text.split("Parc de matériel par type et par état")[1].split("Coûts")[0]
    for row in fleet[:-1]:
        line = f"{kind_fr[row['kind']]} {status_fr[row['status']]} {row['devices']}"
        assert line in table, line
    assert f"Total {fleet[-1]['devices']}" in table
    supplied = indicators["devices_by_kind_and_mode"]
    mode_fr = {"gift": "Don", "loan": "Prêt", "rental": "Location"}
    for row in supplied:
        assert f"{kind_fr[row['kind']]} {mode_fr[row['mode']]} {row['devices']}" in text


def test_csv_for_french_excel(seeded: Cli, home: Path) -> None:
    """`--csv --excel` (or `[output] csv_excel`) is what French Excel opens in columns: a BOM,
    ";" between columns, decimal commas, French dates; `--csv` keeps the machine format."""
    import csv
    import io

    plain = seeded.ok("report", "costs", "--csv").stdout
    assert plain.startswith("kind,origin,") and ",950.00," in plain
    excel = seeded.ok("report", "costs", "--csv", "--excel").stdout
    assert excel.startswith("\ufeffkind;origin;")
    rows = list(csv.DictReader(io.StringIO(excel.removeprefix("\ufeff")), delimiter=";"))
    laptop = next(r for r in rows if r["kind"] == "laptop")
    assert laptop["purchase"] == "950,00"
    assets = seeded.ok("asset", "list", "--csv", "--excel").stdout.removeprefix("\ufeff")
    listed = list(csv.DictReader(io.StringIO(assets), delimiter=";"))
    hp = next(r for r in listed if r["serial"] == "HP2")
    assert hp["acquired"] == "01/01/2013"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", hp["created_at"]), hp["created_at"]
    # the configuration's default
    config = home / "config.toml"
    config.write_text(config.read_text().replace("csv_excel = false", "csv_excel = true"))
    assert seeded.ok("report", "costs", "--csv").stdout.startswith("\ufeffkind;origin;")
