"""GDPR: a technician reads no personal field through any command; every access is logged
without values; an export holds everything stored; a purge erases the personal columns and
leaves every count unchanged (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from tests.conftest import Cli
from tests.family_helpers import DUPONT, MARTIN, PERSONAL_VALUES, TODAY, approve, form
from tests.helpers import unlock_key
from tests.test_docs import all_commands


@pytest.fixture
def story(programme: Cli) -> dict[str, str]:
    """Two households at several stages: FAM-00001 on loan (rental, training attended, a
    deferral with a personal rationale first), FAM-00002 rejected."""
    cw, tech = programme.as_("claire"), programme.as_("theo")
    ref = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    ref2 = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    session = session.strip()
    cw.ok("household", "recommend", ref)
    cw.ok(
        "committee", "decide", session, ref, "deferred", "--rationale",
        "Lina Martin : situation du père en recherche d'emploi à vérifier",
    )  # fmt: skip
    approve(cw, ref, session, "--mode", "rental")
    cw.ok("household", "recommend", ref2)
    cw.ok("committee", "decide", session, ref2, "rejected", "--rationale", "équipée par le collège")
    number = tech.ok("allocate", ref).stdout.strip()
    tech.ok("contract", "sign", number)
    training = cw.ok("training", "add", "--date", TODAY.isoformat(), "--topic", "Prise en main")
    cw.ok("training", "record", training.stdout.strip(), ref, "--status", "attended")
    cw.ok("contract", "pay", number, "--period", "2026-11", "--payer", "family")
    return {"ref": ref, "ref2": ref2, "session": session, "number": number}


def technician_invocations(s: dict[str, str], tmp: Path) -> dict[str, list[tuple[str, ...]]]:
    """Every command of the family side (and those that show a family's devices), as a
    technician would try them."""
    ref, number, session = s["ref"], s["number"], s["session"]
    return {
        "household add": [("household", "add", "--qpv", "Epine", "--phone", "1")],
        "household edit": [("household", "edit", ref, "--phone", "2")],
        "household import": [("household", "import", str(tmp / "f.csv"))],
        "household show": [("household", "show", ref), ("household", "show", ref, "--json")],
        "household list": [("household", "list"), ("household", "list", "--csv")],
        "household list --contacts": [("household", "list", "--contacts")],
        "household recommend": [("household", "recommend", ref)],
        "household export": [("household", "export", ref)],
        "household purge": [("household", "purge", "--dry-run")],
        "household contact": [("household", "contact", ref, "--by", "call")],
        "committee open": [("committee", "open", "--date", "2026-01-01", "--member", "Z")],
        "committee sessions": [("committee", "sessions")],
        "committee agenda": [("committee", "agenda", "--json")],
        "committee decide": [("committee", "decide", session, ref, "approved")],
        "committee minutes": [("committee", "minutes", session, "-o", str(tmp / "pv.pdf"))],
        "allocate": [("allocate", ref)],
        "contract list": [
            ("contract", "list", "--json"),
            ("contract", "list", "--csv"),
            ("contract", "list", "--contacts", "--csv"),
        ],
        "contract show": [("contract", "show", number)],
        "contract print": [("contract", "print", number, "-o", str(tmp / "c.pdf"))],
        "contract delivery": [("contract", "delivery", number, "--at", "home")],
        "contract sign": [("contract", "sign", number)],
        "contract cancel": [("contract", "cancel", number, "--reason", "x")],
        "contract renew": [("contract", "renew", number)],
        "contract return": [("contract", "return", "LMM-PC-00001")],
        "contract lost": [("contract", "lost", "LMM-PC-00001", "--note", "x")],
        "contract pay": [("contract", "pay", number, "--period", "2026-12", "--payer", "family")],
        "contract payments": [("contract", "payments", number)],
        "training add": [("training", "add", "--date", "2026-01-01", "--topic", "x")],
        "training record": [("training", "record", "1", ref)],
        "training list": [("training", "list", "--json")],
        "user add": [("user", "add", "theo", "--role", "admin")],
        "user remove": [("user", "remove", "claire")],
        "user list": [("user", "list")],
        "user whoami": [("user", "whoami")],
        "asset show": [("asset", "show", "LMM-PP-00001", "--json")],
        "asset list": [("asset", "list", "--json")],
        "scan": [("scan",)],
    }


def test_a_technician_reads_no_personal_field_through_any_command(
    story: dict[str, str], programme: Cli, tmp_path: Path
) -> None:
    (tmp_path / "f.csv").write_text("qpv;phone\nEpine;0600000000\n")
    invocations = technician_invocations(story, tmp_path)
    family_groups = ("household", "committee", "contract", "training", "user", "allocate")
    every = {path for path, command in all_commands() if path.split()[0] in family_groups}
    every = {p for p in every if " " in p or p == "allocate"} - set(family_groups[:-1])
    assert every <= set(invocations), f"commands not tried: {every - set(invocations)}"
    tech = programme.as_("theo")
    for name, calls in invocations.items():
        for args in calls:
            result = tech(*args, input="LMM-PP-00001\n" if args == ("scan",) else None)
            assert "Traceback" not in result.stderr + result.stdout, args
            seen = result.stdout + result.stderr
            for value in PERSONAL_VALUES:
                assert value not in seen, (name, args, value)
            for path in tmp_path.glob("*.pdf"):
                pytest.fail(f"{args} wrote {path} for a technician")
    # what a technician may see: the household's reference and its anonymous facts
    shown = json.loads(tech.ok("household", "show", story["ref"], "--json").stdout)
    assert shown["qpv"] == "Bellevue-Carnac" and shown["status"] == "equipped"
    assert shown["personal_data"] == "hidden (caseworker or admin role)"
    assert "phone" not in shown and "children" not in shown


def rows(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    from assetctl.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sqlalchemy.text(sql))]
    finally:
        engine.dispose()


def test_personal_data_access_is_logged_without_values(
    story: dict[str, str], programme: Cli
) -> None:
    cw = programme.as_("claire")
    query = "SELECT actor, role, action, household_id, fields FROM access_log ORDER BY id"
    before = rows(programme.db_url, query)
    cw.ok("household", "show", story["ref"])
    cw.ok("household", "list", "--contacts", "--csv")
    everything = rows(programme.db_url, query)
    new = everything[len(before) :]
    # the commands' lines; on PostgreSQL the database adds its own for each read
    log = [row for row in everything if row[1] != "database"]
    assert [row[2] for row in new if row[1] != "database"] == ["read", "list"]
    if programme.db_url.startswith("postgresql"):
        assert [(r[0], r[2]) for r in new if r[1] == "database"] == [("claire", "db read")] * 2
    else:
        assert len(new) == 2
    actor, role, action, household_id, fields = log[-2]
    assert (actor, role, action, household_id) == ("claire", "caseworker", "read", 1)
    assert "phone" in json.loads(fields) if isinstance(fields, str) else "phone" in fields
    actions = {row[2] for row in log}
    assert {"create", "recommend", "decide", "read", "list"} <= actions
    dump = json.dumps([list(map(str, r)) for r in log], ensure_ascii=False)
    for value in PERSONAL_VALUES:
        assert value not in dump
    # and nothing personal in the devices' histories or the contracts' events
    history = json.dumps(
        rows(programme.db_url, "SELECT reason, details FROM asset_event")
        + rows(programme.db_url, "SELECT action, details FROM contract_event"),
        default=str,
        ensure_ascii=False,
    )
    for value in PERSONAL_VALUES:
        assert value not in history


def test_an_export_holds_everything_stored_about_the_household(
    story: dict[str, str], programme: Cli, tmp_path: Path
) -> None:
    from assetctl.models import load_all

    out = tmp_path / "export.json"
    programme.as_("claire").ok("household", "export", story["ref"], "-o", str(out))
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    data = json.loads(out.read_text())
    text = json.dumps(data, ensure_ascii=False)
    for value in PERSONAL_VALUES:
        assert value in text, value
    hid = data["household"]["id"]
    contract_ids = [c["id"] for c in data["contracts"]]
    exported_ids = {
        key: {row["id"] for row in value}
        for key, value in data.items()
        if isinstance(value, list) and value and isinstance(value[0], dict) and "id" in value[0]
    }
    # every row of every table that points at this household, or at its contracts, is there
    for name, table in load_all().tables.items():
        if "id" not in table.c:
            continue  # the sealed personal row: checked below
        if "household_id" in table.c:
            where = f"household_id = {hid}"
        elif "contract_id" in table.c:
            where = f"contract_id IN ({','.join(map(str, contract_ids))})"
        else:
            continue
        ids = {r[0] for r in rows(programme.db_url, f"SELECT id FROM {name} WHERE {where}")}
        assert ids, name
        assert any(ids <= got for got in exported_ids.values()), (name, ids, exported_ids.keys())
    # the stored personal row itself, opened with the programme's key, field by field
    (sealed,) = rows(programme.db_url, f"SELECT sealed FROM household_personal "
                     f"WHERE household_id = {hid}")[0]  # fmt: skip
    stored = unlock_key().open(sealed)
    exported = data["household"]
    for name in ("phone", "email", "landlord", "child_name", "representatives"):
        assert exported[name] == stored[name], name
    assert [kid["first_name"] for kid in data["children"]] == [
        kid["first_name"] for kid in stored["children"]
    ]


def test_a_purge_erases_personal_data_and_leaves_the_counts(
    story: dict[str, str], programme: Cli
) -> None:
    from assetctl.models.families import PERSONAL

    cw, tech = programme.as_("claire"), programme.as_("theo")
    # nothing is old enough yet
    assert programme.ok("household", "purge", "--dry-run").stdout == ""
    # the loan comes back (the family's last contact); that and the rejection were 25 months
    # ago (CNIL: kept 2 years from the last contact)
    tech.ok("scan", "--mode", "return", input="LMM-PP-00001\nLMM-IM-00001\n")
    age_history(programme.db_url, TODAY - timedelta(days=761))

    counts = {
        "households by qpv and school": "SELECT qpv, school, class_name, count(*) FROM household "
        "GROUP BY qpv, school, class_name ORDER BY qpv, school",
        "facts": "SELECT ref, adults, computers, printer, internet, can_pay, training, "
        "requested FROM household ORDER BY ref",
        "children": "SELECT id, children_count FROM household ORDER BY id",
        "decisions": "SELECT household_id, outcome, mode, equipment FROM decision ORDER BY id",
        "contracts": "SELECT number, mode, status, start_date, end_date FROM contract",
        "lines": "SELECT line_type, kind, status, asset_id FROM contract_line ORDER BY id",
        "payments": "SELECT period, payer, amount_cents FROM payment",
        "trainings": "SELECT household_id, status FROM training_attendance",
        "devices": "SELECT tag, status, cycle FROM asset ORDER BY tag",
    }
    before = {name: rows(programme.db_url, sql) for name, sql in counts.items()}
    assert "may not purge" in cw.fails("household", "purge", "--yes").stderr
    listed = programme.ok("household", "purge", "--dry-run").stdout.split()
    assert listed == [story["ref"], story["ref2"]]
    programme.ok("household", "purge", "--yes")
    after = {name: rows(programme.db_url, sql) for name, sql in counts.items()}
    assert after == before
    for table in PERSONAL:  # both households purged: no sealed row left at all
        assert rows(programme.db_url, f"SELECT count(*) FROM {table}") == [(0,)], table
    shown = json.loads(cw.ok("household", "show", story["ref"], "--json").stdout)
    assert shown["status"] == "purged" and "child_name" not in shown
    assert shown["personal_data"] == "erased (purged)"
    assert "anonymised" in cw.fails("household", "edit", story["ref"], "--phone", "1").stderr
    assert programme.ok("household", "purge", "--dry-run").stdout == ""


def age_history(db_url: str, when: date) -> None:
    """Every contact of the story moved to ``when`` (as if the story happened then)."""
    from assetctl.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as connection:
        for statement in (
            "UPDATE contract SET closed_at = :t",
            "UPDATE decision SET decided_at = :t",
            "UPDATE household SET updated_at = :t, last_contact_at = :t",
        ):
            connection.execute(sqlalchemy.text(statement), {"t": f"{when} 10:00:00"})
    engine.dispose()


def test_personal_data_is_kept_two_years_from_the_last_contact(
    story: dict[str, str], programme: Cli
) -> None:
    cw, tech = programme.as_("claire"), programme.as_("theo")
    ref, ref2 = story["ref"], story["ref2"]
    shown = json.loads(cw.ok("household", "show", ref, "--json").stdout)
    # the story's last step with the first family: its rent paid (recorded today)
    assert (shown["last_contact"], shown["last_contact_at"][:10]) == ("payment", str(TODAY))
    tech.ok("scan", "--mode", "return", input="LMM-PP-00001\nLMM-IM-00001\n")
    age_history(programme.db_url, TODAY - timedelta(days=700))  # 23 months: both kept
    assert programme.ok("household", "purge", "--dry-run").stdout == ""
    age_history(programme.db_url, TODAY - timedelta(days=740))  # 24 months and a few days
    assert programme.ok("household", "purge", "--dry-run").stdout.split() == [ref, ref2]

    # a call a month ago keeps the first family; an older visit moves nothing back
    month_ago = TODAY - timedelta(days=30)
    said = cw.ok("household", "contact", ref, "--by", "call", "--date", str(month_ago)).stderr
    assert f"kept until {month_ago.replace(year=month_ago.year + 2)}" in said, said
    cw.ok("household", "contact", ref, "--by", "visit", "--date", str(TODAY - timedelta(400)))
    shown = json.loads(cw.ok("household", "show", ref, "--json").stdout)
    assert (shown["last_contact"], shown["last_contact_at"][:10]) == ("call", str(month_ago))
    assert programme.ok("household", "purge", "--dry-run").stdout.split() == [ref2]
    # the second family's form updated with it today: kept too
    cw.ok("household", "edit", ref2, "--internet", "none")
    assert programme.ok("household", "purge", "--dry-run").stdout == ""
    shown = json.loads(cw.ok("household", "show", ref2, "--json").stdout)
    assert shown["last_contact"] == "form"

    # a date to come, a technician, a contact that is recorded by its own command: refused
    later = str(TODAY + timedelta(days=1))
    assert (
        "in the future"
        in cw.fails("household", "contact", ref, "--by", "call", "--date", later).stderr
    )
    assert "may not" in tech.fails("household", "contact", ref, "--by", "call").stderr
    wrong = cw("household", "contact", ref, "--by", "payment")
    assert wrong.exit_code == 2 and "'payment' is not one of" in wrong.stderr
    # each recorded contact is in the access log, with no value
    logged = rows(
        programme.db_url, "SELECT action, purpose FROM access_log WHERE action = 'contact'"
    )
    assert sorted(logged) == [("contact", "call"), ("contact", "visit")]


def test_the_migration_dates_each_household_from_its_own_history(
    story: dict[str, str], programme: Cli
) -> None:
    from alembic import command

    from assetctl.db import _alembic_config, make_engine

    sql = "SELECT ref, last_contact FROM household ORDER BY ref"
    made = rows(programme.db_url, sql)  # as the commands recorded them
    engine = make_engine(programme.db_url)
    try:
        command.downgrade(_alembic_config(engine), "0007")
        command.upgrade(_alembic_config(engine), "0008")
    finally:
        engine.dispose()
    # the first family's rent was its last step, the second family's rejection
    assert (
        rows(programme.db_url, sql)
        == made
        == [
            (story["ref"], "payment"),
            (story["ref2"], "decision"),
        ]
    )
