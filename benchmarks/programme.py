"""A whole programme's data for the report benchmarks: assets, their history, households,
decisions, contracts, payments and trainings, bulk-loaded straight into the tables (setting
up, not measured). Deterministic: the same sizes give the same data."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from assetctl.config.settings import NEIGHBOURHOODS as QPVS

KINDS = (("desktop", "PC", 0.5), ("laptop", "PP", 0.35), ("printer", "IM", 0.15))
SCHOOLS = [f"École {n}" for n in range(40)]
MODES = ("gift", "loan", "rental")
# the programme key the seeded households' personal data is sealed with (made once per run)
PASSPHRASE = "benchmark programme passphrase"
_KEY: dict[str, Any] = {}


def programme_key() -> tuple[Any, bytes]:
    """(public key, private key file content), the same for the whole run."""
    if not _KEY:
        from assetctl.sealing import new_key_file

        _KEY["public"], _KEY["file"] = new_key_file(PASSPHRASE)
    return _KEY["public"], _KEY["file"]


def opener() -> Any:
    """The private key unlocked, as a caseworker's command does (Argon2id included)."""
    from assetctl.sealing import unlock

    return unlock(programme_key()[1], PASSPHRASE, "benchmark key")


def _chunks(connection: Any, table: Any, rows: list[dict[str, Any]], size: int = 5000) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), size):
        connection.execute(insert(table), rows[start : start + size])


def seed_programme(url: str, assets: int, events: int, households: int) -> dict[str, int]:
    from assetctl.db import make_engine
    from assetctl.models import load_all

    tables = load_all().tables
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=730)
    engine = make_engine(url)
    kinds = [k for k, _, w in KINDS for _ in range(int(w * 100))]
    codes = {k: c for k, c, _ in KINDS}
    asset_rows = []
    for i in range(1, assets + 1):
        kind = kinds[i % 100]
        asset_rows.append(
            {
                "id": i, "tag": f"LMM-{codes[kind]}-{i:06d}", "kind": kind,
                "manufacturer": "Dell", "model": "OptiPlex 7010" if kind == "desktop" else "X",
                "serial": f"S{i:08d}",
                "origin": "refurbished" if kind == "desktop" else "purchased",
                "acquired": date(2015, 1, 1), "former_inventory": None, "order_ref": None,
                "supplier": None, "unit_price_cents": None if kind == "desktop" else 45000,
                "warranty_end": None, "cpu": None, "ram_mb": 8192, "battery_health": None,
                "notes": None, "location": rng.choice(("storage", "bench", "family")),
                "status": "received", "disposal": None, "cycle": 0, "version": 1,
                "created_at": start, "updated_at": start,
            }
        )  # fmt: skip
    # households, one decision each; three in four equipped under a contract
    household_rows, decision_rows, contract_rows, line_rows = [], [], [], []
    public, _ = programme_key()
    personal_rows: list[dict[str, Any]] = []
    payment_rows, attendance_rows, recommendation_rows = [], [], []
    with_family: dict[int, str] = {}
    next_asset = 1
    for h in range(1, households + 1):
        qpv = QPVS[h % len(QPVS)]
        household_rows.append(
            {
                "id": h, "ref": f"FAM-{h:05d}", "qpv": qpv, "school": SCHOOLS[h % 40],
                "class_name": "CM1", "adults": 2, "internet": rng.choice(
                    ("none", "subscription", "problem")),
                "training": rng.choice(("yes", "no", "unknown")),
                "requested": ["laptop"], "created_by": "bench", "created_at": start,
                "updated_at": start, "version": 1, "children_count": 2,
            }
        )  # fmt: skip
        personal = {
            "child_name": f"Enfant {h}",
            "representatives": [f"Parent {h}", f"Tuteur {h}"],
            "phone": f"06 00 {h // 10000:02d} {h // 100 % 100:02d} {h % 100:02d}",
            "address": f"{h} rue de la République, 72000 Le Mans",
            "children": [
                {"first_name": "Lina", "birth_date": "2014-03-02"},
                {"first_name": "Noé", "birth_date": "2019-11-20"},
            ],
        }
        personal_rows.append(
            {"household_id": h, "sealed": public.seal(personal),
             "key_fingerprint": public.fingerprint, "updated_at": start}
        )  # fmt: skip
        # the recommendation the committee decided on; one household in ten was diagnosed
        # again since, so that it is back on the committee's agenda
        for at in (start - timedelta(days=1), now) if h % 10 == 3 else (start - timedelta(days=1),):
            recommendation_rows.append(
                {
                    "household_id": h, "at": at, "by": "bench", "as_of": at.date(),
                    "items": [{"item": "laptop", "reason": "child aged 12"}],
                    "rule": {"laptop_from_age": 9},
                }
            )  # fmt: skip
        decision_rows.append(
            {
                "id": h, "session_id": 1, "household_id": h, "outcome": "approved",
                "equipment": ["laptop"], "mode": MODES[h % 3], "term_months": 12,
                "criteria_met": [1, 2, 3, 4], "decided_at": start, "decided_by": "bench",
            }
        )  # fmt: skip
        if h % 4 == 0 or next_asset > assets:
            continue
        signed = start + timedelta(days=rng.randint(1, 700))
        closed = h % 5 == 0
        contract_rows.append(
            {
                "id": h, "number": f"CT-{h:06d}", "household_id": h, "decision_id": h,
                "mode": MODES[h % 3], "status": "closed" if closed else "active",
                "term_months": 12, "start_date": signed.date(),
                "end_date": signed.date() + timedelta(days=365),
                "monthly_fee_cents": 500 if h % 3 == 2 else None,
                "programme_share_cents": 300 if h % 3 == 2 else None, "installation": False,
                "renewals": 0, "created_at": signed, "created_by": "bench", "signed_at": signed,
                "closed_at": signed + timedelta(days=200) if closed else None, "version": 1,
            }
        )  # fmt: skip
        for _ in range(2 if h % 7 == 0 else 1):
            asset_id = next_asset
            next_asset += 1
            line_rows.append(
                {
                    "contract_id": h, "line_type": "device", "asset_id": asset_id,
                    "kind": asset_rows[asset_id - 1]["kind"],
                    "status": "returned" if closed else "with_family",
                    "closed_at": signed + timedelta(days=200) if closed else None,
                }
            )  # fmt: skip
            if not closed:
                with_family[asset_id] = "given" if h % 3 == 0 else "on_loan"
        if h % 3 == 2:
            payment_rows.append(
                {
                    "contract_id": h, "period": "2026-01", "payer": "family",
                    "amount_cents": 200, "paid_on": date(2026, 1, 5), "recorded_by": "bench",
                    "recorded_at": now,
                }
            )  # fmt: skip
        if h % 2 == 0:
            attendance_rows.append(
                {
                    "session_id": 1, "household_id": h, "status": "attended",
                    "updated_at": now, "updated_by": "bench",
                }
            )  # fmt: skip
    # the history: `events` rows, about a third of them status changes
    statuses = ("wiped", "ready", "received", "repair", "wiped", "ready")
    per_asset = max(1, events // assets)
    event_rows: list[dict[str, Any]] = []
    for a in asset_rows:
        # each device arrives some day of the two years, then moves on over the weeks after
        at = start + timedelta(days=rng.randint(0, 700))
        a["created_at"] = a["updated_at"] = at
        status: str | None = None
        for n in range(per_asset):
            at = at + timedelta(hours=rng.randint(1, 240)) if n else at
            if n == 0:
                to_status, action = "received", "registered"
            elif n % 3 == 0:
                to_status, action = statuses[(n // 3) % len(statuses)], "status"
            else:
                to_status, action = None, "label_printed"
            event_rows.append(
                {
                    "asset_id": a["id"], "at": at, "actor": "bench", "action": action,
                    "from_status": status if to_status else None, "to_status": to_status,
                    "reason": None, "details": None,
                }
            )  # fmt: skip
            status = to_status or status
        a["status"] = with_family.get(a["id"], status)
    with engine.begin() as connection:
        _chunks(connection, tables["asset"], asset_rows)
        _chunks(
            connection,
            tables["committee_session"],
            [
                {
                    "id": 1, "held_on": start.date(), "members": ["X"], "criteria": ["a"],
                    "created_at": start, "created_by": "bench",
                }
            ],
        )  # fmt: skip
        _chunks(
            connection,
            tables["training_session"],
            [{"id": 1, "held_on": start.date(), "topic": "Bases", "created_by": "bench"}],
        )
        _chunks(
            connection,
            tables["programme_key"],
            [{"id": 1, "public_key": public.text, "fingerprint": public.fingerprint,
              "created_at": start, "created_by": "bench"}],
        )  # fmt: skip
        _chunks(connection, tables["household"], household_rows)
        _chunks(connection, tables["household_personal"], personal_rows)
        _chunks(connection, tables["recommendation"], recommendation_rows)
        _chunks(connection, tables["decision"], decision_rows)
        _chunks(connection, tables["contract"], contract_rows)
        _chunks(connection, tables["contract_line"], line_rows)
        _chunks(connection, tables["payment"], payment_rows)
        _chunks(connection, tables["training_attendance"], attendance_rows)
        _chunks(connection, tables["asset_event"], event_rows, 20000)
        if connection.dialect.name == "postgresql":
            for table in ("asset", "household", "contract", "decision"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {
        "assets": len(asset_rows),
        "events": len(event_rows),
        "households": len(household_rows),
        "contracts": len(contract_rows),
    }
