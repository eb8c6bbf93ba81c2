"""The family side through the CLI, as staff would use it (SQLite and PostgreSQL): a family's
whole story, the refusals that keep devices and data safe, and the GDPR rules."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from tests.conftest import Cli
from tests.family_helpers import DUPONT, MARTIN, TODAY, approve, form, status_of
from tests.helpers import assert_readable, count_rows, make_ready, pdf_text, snapshot


def test_a_familys_whole_story(programme: Cli, tmp_path: Path) -> None:
    cw, tech = programme.as_("claire"), programme.as_("theo")

    # 1. the diagnostic interview
    ref = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    assert ref == "FAM-00001"
    shown = json.loads(cw.ok("household", "show", "fam-00001", "--json").stdout)
    assert shown["qpv"] == "Bellevue-Carnac" and shown["printer"] == "broken"
    assert shown["requested"] == ["laptop", "printer"] and shown["can_pay"] == "partially"
    assert [c["age"] for c in shown["children"]] == [12, 7]  # born 2014-03-02 and 2019-11-20
    text = cw.ok("household", "show", ref).stdout  # for people: local time, lists in words
    assert "+00:00" not in text and "requested            laptop, printer\n" in text

    # 2. the recommendation, from the programme's rule
    rec = json.loads(cw.ok("household", "recommend", ref, "--json").stdout)
    assert [r["item"] for r in rec] == ["laptop", "printer", "internet"]
    assert "laptop from 9 years" in rec[0]["reason"]

    # 3. the committee
    session = cw.ok(
        "committee", "open", "--date", TODAY.isoformat(), "--member", "Mme A. Adjointe au maire",
        "--member", "M. B., délégué du préfet", "--place", "Hôtel de ville",
    ).stdout.strip()  # fmt: skip
    agenda = json.loads(cw.ok("committee", "agenda", "--json").stdout)
    assert [(a["ref"], a["recommended"]) for a in agenda] == [(ref, "laptop,printer,internet")]
    refused = cw.fails("committee", "decide", session, ref, "approved", "--criterion", "1")
    assert "not met: 2." in refused.stderr
    decided = cw.ok(
        "committee", "decide", session, ref, "approved", "--mode", "location", "--fee", "5",
        "--programme-share", "3", *[a for n in "1234" for a in ("--criterion", n)],
    )  # fmt: skip
    assert f"{ref}: approved laptop, printer, internet (rental, 12 months)" in decided.stderr
    assert json.loads(cw.ok("committee", "agenda", "--json").stdout) == []
    minutes = tmp_path / "pv.pdf"
    cw.ok("committee", "minutes", session, "-o", str(minutes))
    text = assert_readable(minutes, (ref, "Bellevue-Carnac", "Accordé"))
    assert "Procès-verbal" in text and ref in text and "Accordé" in text
    assert "Location, 12 mois : loyer 5,00 € par mois, dont 3,00 € par le programme" in text
    assert (
        "Engagement du programme pour les 1 location(s) accordée(s) : 3,00 € par mois, "
        "soit 36,00 € sur la durée des contrats"
        in text
        and "Lina" not in text
    )

    # 4. allocation by a technician: the laptop named, a printer picked, internet support
    number = tech.ok("allocate", ref, "--tag", "lmm-pp-00001").stdout.strip()
    assert number == "CT-2026-0001"
    assert status_of(tech, "LMM-PP-00001") == "allocated"
    assert status_of(tech, "LMM-IM-00001") == "allocated"
    assert status_of(tech, "LMM-PC-00001") == "ready"  # a desktop was not approved

    # 5. the contract document: names for the caseworker only
    assert (
        "may not print contracts" in tech.fails("contract", "print", number, "-o", "x.pdf").stderr
    )
    pdf = tmp_path / "contrat.pdf"
    cw.ok("contract", "print", number, "-o", str(pdf))
    assert oct(pdf.stat().st_mode & 0o777) == "0o600"
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    pages = [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    document.close()
    # each page's foot says whose copy it is: the family's, the organisation's, then the
    # handover sheet with the passwords; each copy lists the devices
    feet = [re.search(r"Contrat n° CT-2026-0001 · (.+?) · page (\d+) / (\d+)", p) for p in pages]
    assert all(feet), pages
    parts = [foot.group(1) for foot in feet if foot]
    family_copy, city_copy = "Exemplaire de la famille", "Exemplaire de Le Mans Métropole"
    assert parts == sorted(parts, key=[family_copy, city_copy, "Fiche de remise"].index), parts
    assert {*parts} == {family_copy, city_copy, "Fiche de remise"}
    by_part = {part: " ".join(p for p, of in zip(pages, parts, strict=True) if of == part)
               for part in parts}  # fmt: skip
    assert all("LMM-PP-00001" in by_part[c] and "Conditions" in by_part[c]
               for c in (family_copy, city_copy))  # fmt: skip
    contract_text = by_part[family_copy] + " " + by_part[city_copy]
    assert_readable(pdf, ("LMM-PP-00001", "PF1LAPTOP", "Accompagnement", "Représentant(s)"))
    whole = contract_text
    for expected in ("LMM-PP-00001", "PF1LAPTOP", "LMM-IM-00001", "E78PRINT1", "Sophie Martin",
                     "12 rue des Acacias", "Location", "5,00 €", "3,00 €", "2,00 €",
                     "2 cartouches d'encre", "tarif social", "Pour la famille",
                     # the term and payment schedule, before the delivery is planned
                     "12 mois à compter de la remise", "Échéancier des loyers",
                     "Mois 12 5,00 € 3,00 € 2,00 €", "Total 60,00 € 36,00 € 24,00 €"):  # fmt: skip
        assert expected in whole, expected
    assert "Pomme-Velo-42" not in whole  # passwords only on the separate handover sheet
    sheet = [p for p in pages if "Fiche de remise" in p]
    assert sheet and "Pomme-Velo-42" in sheet[0] and "Soleil-Bleu-17" in sheet[0]

    # 6. handover: the term starts (a year ago, less ten days, so that it is due soon)
    start = date(2025, 11, 30)
    tech.ok("contract", "delivery", number, "--at", "home", "--installation", "--staff", "Théo")
    tech.ok("contract", "sign", number, "--date", start.isoformat())
    signed_pdf = tmp_path / "contrat-signe.pdf"
    cw.ok("contract", "print", number, "-o", str(signed_pdf))
    sheet_after = " ".join(pdf_text(signed_pdf).split()).split("Fiche de remise")[1]
    assert "Pomme-Velo-42" not in sheet_after  # destroyed at signature
    signed_text = assert_readable(signed_pdf).split("Fiche de remise")[0]
    assert "À domicile, le 30/11/2025, par Théo, avec installation" in signed_text
    assert "12 mois, du 30/11/2025 au 30/11/2026" in signed_text
    assert "novembre 2025 5,00 €" in signed_text and "octobre 2026 5,00 €" in signed_text
    assert "novembre 2026" not in signed_text  # twelve months, not thirteen
    laptop, printer = sheet_after.split("LMM-IM-00001")
    assert "Mots de passe initiaux remis à la signature" in laptop
    assert "Pas de compte ni de mot de passe : l'imprimante s'installe" in printer
    assert status_of(tech, "LMM-PP-00001") == "on_loan"
    listed = json.loads(tech.ok("contract", "list", "--due-within", "30d", "--json").stdout)
    assert [(c["number"], c["end"]) for c in listed] == [(number, "2026-11-30")]
    assert "may not read and change" in tech.fails("contract", "list", "--contacts").stderr
    merge = cw.ok("contract", "list", "--due-within", "30d", "--contacts", "--csv").stdout
    assert merge.splitlines()[0].endswith("representatives,phone,email,address")
    assert "Sophie Martin; Karim Martin" in merge

    # 7. renewal for another year: the programme's decision, not the bench's
    assert "may not renew contracts" in tech.fails("contract", "renew", number).stderr
    cw.ok("contract", "renew", number)
    assert json.loads(tech.ok("contract", "list", "--due-within", "30d", "--json").stdout) == []
    shown = json.loads(tech.ok("contract", "show", number, "--json").stdout)
    assert shown["end"] == "2027-11-30" and shown["renewals"] == 1

    # 8. the laptop comes back at the desk; the printer stays (a partial return)
    out = tech.ok("scan", "--mode", "return", input="LMM-PP-00001\n").stdout.splitlines()
    assert out[0] == (
        f"OK LMM-PP-00001 laptop returned bench - returned (ok), contract {number}; wipe and "
        "image it before any family"
    )
    assert json.loads(tech.ok("contract", "show", number, "--json").stdout)["status"] == "active"
    lines = tech.ok("contract", "show", number).stdout.split("lines:\n")[1].split("history:")[0]
    assert "LMM-IM-00001  printer  with family" in lines and "_" not in lines
    again = tech.fails("scan", "--mode", "return", input="LMM-PP-00001\n")
    assert "LMM-PP-00001 is returned, not on loan: there is nothing to return" in again.stdout
    tech.ok("contract", "return", "LMM-IM-00001", "--condition", "abîmé", "--note", "bac cassé")
    shown = json.loads(tech.ok("contract", "show", number, "--json").stdout)
    assert shown["status"] == "closed"
    assert [(ln["tag"], ln["status"], ln["condition"]) for ln in shown["lines"]][:2] == [
        ("LMM-PP-00001", "returned", "ok"),
        ("LMM-IM-00001", "returned", "damaged"),
    ]
    assert {ln["status"] for ln in shown["lines"] if ln["type"] == "internet"} == {"ended"}

    # 9. another family: the laptop is refused until wiped and imaged again
    ref2 = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    session2 = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    approve(cw, ref2, session2.strip(), "--mode", "prêt", "--term", "6")
    before = snapshot(programme.db_url)
    refused = tech.fails("allocate", ref2, "--tag", "LMM-PP-00001")
    assert "no wipe recorded since it last came back" in refused.stderr
    assert "no ready laptop to allocate: the committee approved laptop for FAM-00002" in (
        tech.fails("allocate", ref2).stderr
    )
    assert snapshot(programme.db_url) == before
    make_ready(programme.db_url, "LMM-PP-00001", {"parent": "Nouveau-Mot-99"})
    number2 = tech.ok("allocate", ref2).stdout.strip()
    pdf2 = tmp_path / "contrat2.pdf"
    cw.ok("contract", "print", number2, "-o", str(pdf2))  # printed for the handover
    text2 = " ".join(pdf_text(pdf2).split())
    assert "Nouveau-Mot-99" in text2 and "Pomme-Velo-42" not in text2
    assert "Prêt" in text2 and "6 mois" in text2
    tech.ok("contract", "sign", number2)
    assert status_of(tech, "LMM-PP-00001") == "on_loan"
    # signed: the stored copy of the initial password is destroyed
    assert count_rows(programme.db_url, "device_credential") == 0
    again = tmp_path / "contrat2-bis.pdf"
    cw.ok("contract", "print", number2, "-o", str(again))
    text3 = " ".join(pdf_text(again).split())
    assert "Nouveau-Mot-99" not in text3
    assert "remis à la signature : le programme n'en garde pas de copie" in text3

    # the household's file tells where it stands
    assert json.loads(tech.ok("household", "show", ref, "--json").stdout)["status"] == "closed"
    assert json.loads(tech.ok("household", "show", ref2, "--json").stdout)["status"] == "equipped"
    history = json.loads(tech.ok("asset", "show", "LMM-PP-00001", "--json").stdout)["history"]
    contracts = [e["details"]["contract"] for e in history if (e["details"] or {}).get("contract")]
    assert contracts == [number, number, number, number2, number2]


def test_a_gift_leaves_the_fleet_and_lost_devices_close_a_contract(programme: Cli) -> None:
    cw, tech = programme.as_("claire"), programme.as_("theo")
    ref = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    approve(cw, ref, session.strip(), "--mode", "don")
    number = tech.ok("allocate", ref).stdout.strip()
    tech.ok("contract", "sign", number)
    assert status_of(tech, "LMM-PP-00001") == "given"
    assert json.loads(tech.ok("contract", "show", number, "--json").stdout)["status"] == "closed"
    given = tech.fails("scan", "--mode", "return", input="LMM-PP-00001\n")
    assert "was given to a family: it is theirs" in given.stdout
    assert "already allocated under contract" in tech.fails("allocate", ref).stderr

    # a loan whose two devices are lost and stolen
    ref2 = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    approve(cw, ref2, session.strip(), "--equipment", "desktop,printer")
    number2 = tech.ok("allocate", ref2).stdout.strip()
    tech.ok("contract", "sign", number2)
    assert (
        "say what happened" in tech.fails("contract", "lost", "LMM-PC-00001", "--note", " ").stderr
    )
    tech.ok("contract", "lost", "LMM-PC-00001", "--note", "perdu lors du déménagement")
    assert json.loads(tech.ok("contract", "show", number2, "--json").stdout)["status"] == "active"
    tech.ok("contract", "lost", "LMM-IM-00001", "--stolen", "--note", "plainte 2026/1234")
    shown = json.loads(tech.ok("contract", "show", number2, "--json").stdout)
    assert shown["status"] == "closed"
    assert [ln["status"] for ln in shown["lines"] if ln["type"] == "device"] == ["lost", "stolen"]
    assert status_of(tech, "LMM-IM-00001") == "lost"
    closed = tech.fails("contract", "sign", number2)
    assert "is closed: only a draft contract is signed" in closed.stderr
    assert "only an active contract is renewed" in cw.fails("contract", "renew", number2).stderr


def test_rental_payments_and_overdue_contracts(programme: Cli) -> None:
    cw, tech = programme.as_("claire"), programme.as_("theo")
    ref = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    approve(cw, ref, session.strip(), "--mode", "rental", "--fee", "4,50", "--programme-share", "4")
    number = tech.ok("allocate", ref).stdout.strip()
    tech.ok("contract", "sign", number, "--date", "2025-10-20")  # 13 months before TODAY
    overdue = json.loads(tech.ok("contract", "list", "--overdue", "--json").stdout)
    assert [c["number"] for c in overdue] == [number] and overdue[0]["days_left"] < 0
    assert (
        "may not record payments"
        in tech.fails("contract", "pay", number, "--period", "2026-01", "--payer", "family").stderr
    )
    cw.ok("contract", "pay", number, "--period", "2026-01", "--payer", "family")
    cw.ok("contract", "pay", number, "--period", "2026-01", "--payer", "programme")
    assert (
        "already recorded"
        in cw.fails("contract", "pay", number, "--period", "2026-01", "--payer", "family").stderr
    )
    assert (
        "must be a month"
        in cw.fails("contract", "pay", number, "--period", "janvier", "--payer", "family").stderr
    )
    rows = json.loads(cw.ok("contract", "payments", number, "--json").stdout)
    assert [(r["payer"], r["amount"]) for r in rows] == [("family", "0.50"), ("programme", "4.00")]


def test_bad_input_is_refused_and_changes_nothing(programme: Cli, tmp_path: Path) -> None:
    cw, tech = programme.as_("claire"), programme.as_("theo")
    ref = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    session = session.strip()
    before = snapshot(programme.db_url)
    cases = [
        (tech, ("allocate", "FAM-99999"), "no household 'FAM-99999'"),
        (tech, ("allocate", ref), "no approved committee decision (no decision yet)"),
        (cw, ("household", "add", "--qpv", "Montmartre"), "not a configured neighbourhood"),
        (cw, ("household", "add", "--qpv", "Epine", "--children", "Lou 31/02/2015"), "not a real"),
        (cw, ("household", "add", "--qpv", "Epine", "--children", "Lou 2099-01-01"), "plausible"),
        (cw, ("household", "add", "--qpv", "Epine", "--email", "nope"), "not an e-mail"),
        (cw, ("household", "add", "--qpv", "Epine", "--address", "1 rue\x1b[2J"), "control or"),
        (cw, ("household", "add", "--qpv", "Epine", "--printer", "peut-être"), "printer"),
        (
            cw,
            ("household", "add", "--qpv", "Epine", "--computers", "1", "--computers-working", "2"),
            "exceeds computers",
        ),
        (cw, ("household", "add", "--school", "X"), "needs its neighbourhood"),
        (cw, ("household", "edit", "FAM-00077", "--phone", "1"), "no household"),
        (cw, ("committee", "decide", "99", ref, "approved"), "no committee session 99"),
        (cw, ("committee", "decide", session, ref, "approved"), "no recommendation yet"),
        (tech, ("household", "add", "--qpv", "Epine"), "may not read and change"),
        (tech, ("household", "recommend", ref), "may not read and change"),
        (tech, ("committee", "agenda"), "may not record committee"),
        (tech, ("household", "export", ref), "may not read and change"),
        (cw, ("household", "purge", "--yes"), "may not purge"),
        (cw, ("user", "add", "claire", "--role", "admin"), "may not manage staff"),
        (tech, ("contract", "sign", "CT-2020-0001"), "no contract 'CT-2020-0001'"),
        (tech, ("contract", "show", "CT-2020-0001"), "there is no contract yet (`assetctl allo"),
        (cw, ("household", "show", "FAM-00077"), f"household list` (the latest is {ref})"),
        (tech, ("contract", "return", "LMM-PC-00001"), "is ready, not on loan"),
        (cw, ("asset", "status", "LMM-PC-00001", "allocated", "--reason", "x"), "only through"),
        (cw, ("user", "remove", "tester"), "may not manage staff"),
        (programme, ("user", "remove", "tester"), "last admin"),
    ]
    for cli, args, message in cases:
        result = cli.fails(*args)
        assert message in result.stderr, (args, result.stderr)
    scanned = tech.fails("scan", "--mode", "return", input="LMM-PC-00001\nINCONNU\n")
    assert scanned.stdout.splitlines()[:2] == [
        "ERROR LMM-PC-00001: LMM-PC-00001 is ready, not on loan: there is nothing to return "
        "(scan it with --mode checkin to record where it is)",
        'ERROR unknown code "INCONNU"',
    ]
    assert snapshot(programme.db_url) == before

    cw.ok("household", "recommend", ref)
    approve(cw, ref, session, "--equipment", "laptop")
    before = snapshot(programme.db_url)
    wrong = tech.fails("allocate", ref, "--tag", "LMM-PC-00001")
    assert "LMM-PC-00001 is a desktop; the committee approved laptop for FAM-00001" in wrong.stderr
    assert "not approved" in tech.fails("allocate", ref, "--internet", "subscription").stderr
    assert "already approved" in cw.fails(
        "committee", "decide", session, ref, "rejected", "--rationale", "x"
    ).stderr.replace("was already approved", "already approved")
    assert snapshot(programme.db_url) == before


def test_household_import_is_all_or_nothing(programme: Cli, tmp_path: Path) -> None:
    cw = programme.as_("claire")
    good = tmp_path / "familles.csv"
    good.write_text(
        "Quartier;Ecole;Classe;Représentants;Enfants;Internet;Demande;Imprimante\n"
        "Epine;Ecole A;CM1;Awa Diallo;Moussa 12/05/2019;aucun;fixe, imprimante;aucune\n"
        "hors QPV;Collège B;5e;Jean Petit;Léa 2013-09-01;abonnement;portable;fonctionne\n",
        encoding="cp1252",
    )
    bad = tmp_path / "familles-bad.csv"
    bad.write_text(
        good.read_text(encoding="cp1252")
        + "Nulle part;Ecole C;CP;X;Zoé 2019-01-01;aucun;tablette;aucune\n",
        encoding="utf-8",
    )
    before = snapshot(programme.db_url)
    result = cw.fails("household", "import", str(bad))
    assert "line 4: qpv 'Nulle part' is not a configured neighbourhood" in result.stderr
    assert "nothing was imported" in result.stderr
    assert snapshot(programme.db_url) == before
    assert (
        "may not read and change"
        in programme.as_("theo").fails("household", "import", str(good)).stderr
    )
    refs = cw.ok("household", "import", str(good)).stdout.split()
    assert refs == ["FAM-00001", "FAM-00002"]
    rows = json.loads(cw.ok("household", "list", "--contacts", "--json").stdout)
    assert [(r["ref"], r["qpv"], r["requested"], r["representatives"]) for r in rows] == [
        ("FAM-00001", "Epine", "desktop,printer", "Awa Diallo"),
        ("FAM-00002", "hors QPV", "laptop", "Jean Petit"),
    ]
    rec = json.loads(cw.ok("household", "recommend", "FAM-00001", "--json").stdout)
    assert [r["item"] for r in rec] == ["desktop", "printer", "internet"]


def test_the_return_desk_asks_the_condition_in_a_terminal(programme: Cli) -> None:
    """A real terminal (a pty): after each scan the station asks the device's condition."""
    import os
    import sys

    import pexpect

    cw, tech = programme.as_("claire"), programme.as_("theo")
    ref = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    approve(cw, ref, session.strip(), "--mode", "loan")
    tech.ok("contract", "sign", tech.ok("allocate", ref).stdout.strip())
    env = {
        **os.environ,
        "ASSETCTL_HOME": str(programme.home),
        "ASSETCTL_DATABASE_URL": programme.db_url,
        "ASSETCTL_OPERATOR": "theo",
    }
    child = pexpect.spawn(
        sys.executable, ["-m", "assetctl", "scan", "--mode", "return"], env=env,
        encoding="utf-8", timeout=60,
    )  # fmt: skip
    child.expect("scan> ")
    child.sendline("LMM-PP-00001")
    child.expect(r"condition \(ok/damaged/accessories-missing\)")
    child.sendline("cassé")
    child.expect("is not one of")
    child.sendline("abîmé")
    child.expect("OK LMM-PP-00001 laptop returned bench - returned \\(damaged\\)")
    child.expect("scan> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = json.loads(tech.ok("contract", "list", "--status", "closed", "--json").stdout)
    assert [c["household"] for c in shown] == [ref]
