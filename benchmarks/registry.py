"""The registry's everyday commands at scale: start-up, CSV import, listing, labels, scans."""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import (
    ASSETCTL,
    PG_URL,
    PYTHON,
    ROOT,
    Database,
    Row,
    interleaved,
    timed,
)

# the columns of the benchmark's arrival file (written by write_csv, read by the import floor)
CSV_COLUMNS = (
    "kind",
    "manufacturer",
    "model",
    "serial",
    "origin",
    "acquired",
    "former_inventory",
    "unit_price",
)


def write_csv(path: Path, count: int, offset: int = 0) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(CSV_COLUMNS)
        for i in range(offset, offset + count):
            if i % 3:
                writer.writerow(
                    [
                        "desktop",
                        "Dell",
                        "OptiPlex 7010",
                        f"SN{i:07d}",
                        "reconditionné",
                        "01/03/2014",
                        f"INV-{i:06d}",
                        "",
                    ]
                )
            else:
                writer.writerow(
                    [
                        "laptop",
                        "Lenovo",
                        "ThinkPad L14",
                        f"PF{i:07d}",
                        "achat",
                        "15/09/2026",
                        "",
                        "649,90",
                    ]
                )


def seed(db: Database, count: int) -> None:
    """Bulk-load ``count`` assets straight into the tables (setting up, not measured)."""
    from sqlalchemy import insert

    from assetctl.db import make_engine
    from assetctl.models import Asset, TagSequence

    now = datetime.now(UTC)
    engine = make_engine(db.url)
    rows = [
        {
            "tag": f"LMM-PC-{i:06d}",
            "kind": "desktop",
            "manufacturer": "Dell",
            "model": "OptiPlex 7010",
            "serial": f"SEED{i:07d}",
            "origin": "refurbished",
            "acquired": datetime(2014, 3, 1).date(),
            "former_inventory": f"INV-{i}",
            "order_ref": None,
            "supplier": None,
            "unit_price_cents": None,
            "warranty_end": None,
            "cpu": "Core i5-3470",
            "ram_mb": 8192,
            "battery_health": None,
            "notes": None,
            "location": "storage",
            "status": "received",
            "disposal": None,
            "cycle": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(1, count + 1)
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Asset.__table__), rows[start : start + 5000])  # type: ignore[attr-defined]
        connection.execute(
            insert(TagSequence.__table__),
            [  # type: ignore[attr-defined]
                {"prefix": "LMM", "kind_code": "PC", "last_number": count}
            ],
        )
    engine.dispose()


def bench_startup(work: Path, runs: int) -> Row:
    db = Database("sqlite", work)
    subprocess.run(
        [
            *ASSETCTL,
            "asset",
            "add",
            "--kind",
            "desktop",
            "--origin",
            "refurbished",
            "--manufacturer",
            "Dell",
            "--model",
            "OptiPlex 7010",
            "--serial",
            "X1",
            "--acquired",
            "2014-01-01",
        ],
        env=db.env,
        check=True,
        capture_output=True,
    )
    show = [str(Path(PYTHON).parent / "assetctl"), "asset", "show", "LMM-PC-00001"]
    floor = [PYTHON, "-c", "import sqlmodel"]
    seconds, floor_seconds = interleaved(
        lambda: timed(show, db.env), lambda: timed(floor, db.env), runs
    )
    return Row(
        "`asset show TAG` (one-shot command, wall time)",
        "sqlite",
        seconds,
        '`python -c "import sqlmodel"`',
        floor_seconds,
        "<= 1.3x floor",
    )


def bench_import(work: Path, kind: str, count: int, runs: int) -> Row:
    csv_path = work / f"import-{count}.csv"
    write_csv(csv_path, count)
    results, floors = [], []
    for _ in range(runs):
        db = Database(kind, work)
        results.append(timed([*ASSETCTL, "asset", "import", str(csv_path)], db.env))
        db.drop()
        floors.append(_import_floor(work, csv_path, kind))
    return Row(
        f"`asset import` of {count:,} CSV rows",
        kind,
        statistics.median(results),
        "read the CSV + bare executemany INSERT",
        statistics.median(floors),
        "< 5 s",
    )


def _import_floor(work: Path, csv_path: Path, kind: str) -> float:
    """The same rows inserted with no validation, no tags, no history: the database's floor."""
    import sqlalchemy

    start = time.perf_counter()
    with csv_path.open(encoding="utf-8") as handle:
        rows = [
            dict(zip(CSV_COLUMNS, record, strict=True))
            for record in list(csv.reader(handle, delimiter=";"))[1:]
        ]
    if kind == "sqlite":
        url = f"sqlite:///{work / ('floor-' + uuid.uuid4().hex[:6] + '.db')}"
        engine = sqlalchemy.create_engine(url)
        table = "floor"
    else:
        engine = sqlalchemy.create_engine(PG_URL)
        table = f"floor_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                f"CREATE TABLE {table} (kind TEXT, manufacturer TEXT, model TEXT, serial TEXT, "
                "origin TEXT, acquired TEXT, former_inventory TEXT, unit_price TEXT)"
            )
        )
        connection.execute(
            sqlalchemy.text(
                f"INSERT INTO {table} VALUES (:kind, :manufacturer, :model, :serial, :origin, "
                ":acquired, :former_inventory, :unit_price)"
            ),
            rows,
        )
    elapsed = time.perf_counter() - start
    if kind != "sqlite":
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP TABLE {table}"))
    engine.dispose()
    return elapsed


def bench_list(work: Path, kind: str, count: int, runs: int) -> Row:
    db = Database(kind, work)
    seed(db, count)
    listing = [*ASSETCTL, "asset", "list", "--json"]
    if kind == "sqlite":
        floor = [
            "sqlite3",
            "-json",
            str(db.home / "assetctl.db"),
            "SELECT * FROM asset ORDER BY tag",
        ]
        floor_name = "`sqlite3 -json` CLI, same query"
    else:
        floor = [
            "psql",
            PG_URL.replace("postgresql+psycopg", "postgresql"),
            "-Atq",
            "-c",
            f"SELECT row_to_json(a) FROM {db.schema}.asset a ORDER BY tag",
        ]
        floor_name = "`psql` with `row_to_json`, same query"
    seconds, floor_seconds = interleaved(
        lambda: timed(listing, db.env), lambda: timed(floor, db.env), runs
    )
    db.drop()
    return Row(
        f"`asset list --json` over {count:,} assets",
        kind,
        seconds,
        floor_name,
        floor_seconds,
        "< 2 s",
    )


def bench_labels(work: Path, count: int, runs: int) -> Row:
    db = Database("sqlite", work)
    seed(db, count)
    ours = [
        *ASSETCTL,
        "label",
        "print",
        "--status",
        "received",
        "--layout",
        "avery-l7160",
        "-o",
        str(work / "ours.pdf"),
    ]
    floor = [
        PYTHON,
        str(ROOT / "benchmarks" / "floor_labels.py"),
        str(count),
        str(work / "floor.pdf"),
    ]
    seconds, floor_seconds = interleaved(
        lambda: timed(ours, db.env), lambda: timed(floor, db.env), runs
    )
    return Row(
        f"`label print` of {count:,} L7160 labels to PDF",
        "sqlite",
        seconds,
        "`benchmarks/floor_labels.py`: same QR codes, qrcode + reportlab only",
        floor_seconds,
        "<= 1.3x floor",
    )


def bench_scan(work: Path, kind: str, count: int, scans: int) -> Row:
    """Scans in process, as the station runs them: median time per scan."""
    import random

    import sqlalchemy

    from assetctl.config import load_settings
    from assetctl.db import make_engine
    from assetctl.scan import Station, make_mode

    db = Database(kind, work)
    seed(db, count)
    os.environ["ASSETCTL_HOME"] = str(db.home)
    settings = load_settings()
    engine = make_engine(db.url)
    station = Station(engine, settings, make_mode("lookup", settings, "bench", None))
    rng = random.Random(42)
    codes = [f"lmm-pc-{rng.randint(1, count):06d}\r" for _ in range(scans)]
    ours = []
    for code in codes:
        start = time.perf_counter()
        line = station.scan(code)
        ours.append(time.perf_counter() - start)
        assert line is not None and line.ok, line
    floor = []
    with engine.connect() as connection:
        query = sqlalchemy.text("SELECT tag, kind, status, location FROM asset WHERE tag = :tag")
        for code in codes:
            start = time.perf_counter()
            connection.execute(query, {"tag": code.strip().upper()}).one()
            floor.append(time.perf_counter() - start)
    engine.dispose()
    db.drop()
    return Row(
        f"`scan` lookup at {count:,} assets (median per scan, in process)",
        kind,
        statistics.median(ours),
        "one indexed SELECT by tag, same engine",
        statistics.median(floor),
        "< 5 ms",
    )
