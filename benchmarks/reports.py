"""Reports and family listings on a seeded programme (benchmarks/programme.py), in process,
beside the bare query the database answers for the same question."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import Database, Row, interleaved

# name, what assetctl runs (given a session), the floor's SQL, the floor's name, the target
Case = tuple[str, Callable[[Any], Any], str, str, str]


def report_cases() -> list[Case]:
    """`report counts` and `report indicators`, as the commands run them."""
    from assetctl.reports import Period, counts, indicators

    last_month = (datetime.now(UTC) - timedelta(days=30)).date()
    last_year = (datetime.now(UTC) - timedelta(days=365)).date()
    return [
        (
            "`report counts --by kind,status`",
            lambda s: counts(s, ["kind", "status"]),
            "SELECT kind, status, count(*) FROM asset GROUP BY kind, status",
            "bare GROUP BY kind, status",
            "< 200 ms",
        ),
        (
            "`report counts --by kind,qpv,mode`",
            lambda s: counts(s, ["kind", "qpv", "mode"]),
            "SELECT kind, status, count(*) FROM asset GROUP BY kind, status",
            "bare GROUP BY kind, status",
            "< 200 ms",
        ),
        *[
            (
                f"`report counts --by kind,status --at` {label}",
                lambda s, day=day: counts(s, ["kind", "status"], day),
                "SELECT asset_id, max(id) FROM asset_event WHERE to_status IS NOT NULL "
                f"AND at < '{day}' GROUP BY asset_id",
                "bare latest-status-event-before-the-date query",
                "< 200 ms",
            )
            for label, day in (("30 days ago", last_month), ("a year ago", last_year))
        ],
        (
            "`report indicators`",
            lambda s: indicators(s, Period()),
            "SELECT h.qpv, count(DISTINCT h.id) FROM household h JOIN contract c ON "
            "c.household_id = h.id WHERE c.signed_at IS NOT NULL GROUP BY h.qpv",
            "bare families-equipped-by-area join",
            "< 1 s",
        ),
    ]


def listing_cases() -> list[Case]:
    """The family side's listings, as a caseworker runs them (names shown: their sealed rows
    opened with the programme's key, unlocked once per command as a command does; the access
    logged), each beside a bare query over the same rows."""
    from assetctl import committee, contracts, households
    from assetctl.access import Actor, Role
    from assetctl.config import Settings
    from benchmarks.programme import opener

    def caseworker_command() -> Actor:  # a new command: the key unlocked again
        return Actor("bench", Role.ADMIN, opener)

    today = date.today()
    soon = today + timedelta(days=30)
    return [
        (
            "`household list`",
            lambda s: households.list_rows(s, caseworker_command()),
            "SELECT ref, qpv, school FROM household ORDER BY ref",
            "bare SELECT of the households' columns, in order",
            "< 1 s",
        ),
        (
            "`household list --contacts`",
            lambda s: households.list_rows(s, caseworker_command(), contacts=True),
            "SELECT h.ref, h.qpv, h.school, p.sealed FROM household h LEFT JOIN "
            "household_personal p ON p.household_id = h.id ORDER BY h.ref",
            "bare SELECT of the households' columns and sealed rows, in order (not opened)",
            "< 1 s",
        ),
        (
            "`committee agenda`",
            lambda s: committee.agenda(s, caseworker_command()),
            "SELECT household_id, max(at) FROM recommendation GROUP BY household_id",
            "bare latest-recommendation-per-household query",
            "< 1 s",
        ),
        (
            "`contract list --due-within 30d`",
            lambda s: contracts.list_rows(s, caseworker_command(), due_within=30),
            "SELECT c.number, h.ref, c.end_date FROM contract c JOIN household h ON "
            f"h.id = c.household_id WHERE c.status = 'active' AND c.end_date BETWEEN "
            f"'{today}' AND '{soon}' ORDER BY c.end_date, c.number",
            "bare due-contracts join",
            "< 1 s",
        ),
        (
            "`household purge --dry-run`",
            lambda s: households.purge_candidates(s, Settings()),
            "SELECT h.id FROM household h WHERE h.purged_at IS NULL AND NOT EXISTS (SELECT 1 "
            "FROM contract c WHERE c.household_id = h.id AND c.status IN ('draft', 'active'))",
            "bare households-without-an-open-contract query",
            "< 1 s",
        ),
    ]


def bench_programme(
    work: Path,
    kind: str,
    assets: int,
    events: int,
    households: int,
    runs: int,
    groups: tuple[str, ...] = ("reports", "listings"),
) -> list[Row]:
    """Each case in process, interleaved with its bare query, on one seeded programme."""
    from assetctl.db import make_engine, session_scope
    from benchmarks.programme import seed_programme

    db = Database(kind, work)
    sizes = seed_programme(db.url, assets, events, households)
    print(f"  seeded {sizes}", file=sys.stderr)
    engine = make_engine(db.url)

    def ours(call: Callable[[Any], Any]) -> Callable[[], float]:
        def run() -> float:
            begin = time.perf_counter()
            with session_scope(engine) as session:
                call(session)
            return time.perf_counter() - begin

        return run

    def bare(sql: str) -> Callable[[], float]:
        def run() -> float:
            begin = time.perf_counter()
            with engine.connect() as connection:
                connection.exec_driver_sql(sql).all()
            return time.perf_counter() - begin

        return run

    scale = (
        f"{sizes['assets']:,} assets, {sizes['events']:,} events, "
        f"{sizes['households']:,} households, {sizes['contracts']:,} contracts"
    )
    cases = (report_cases() if "reports" in groups else []) + (
        listing_cases() if "listings" in groups else []
    )
    rows = []
    for name, call, sql, floor_name, target in cases:
        ours(call)()  # warm the caches alike
        mine, floor = interleaved(ours(call), bare(sql), runs)
        rows.append(Row(f"{name} ({scale})", kind, mine, floor_name, floor, target))
    engine.dispose()
    db.drop()
    if "listings" in groups and kind == "sqlite":
        rows.append(bench_opening(sizes["households"], runs))
    return rows


def bench_opening(count: int, runs: int) -> Row:
    """Opening ``count`` sealed households as `household list --contacts` does (every core),
    beside libsodium's crypto_box_seal_open alone on one core (no JSON, no threads)."""
    import base64

    from nacl.bindings import crypto_box_seal_open

    from benchmarks.programme import opener, programme_key

    public, _ = programme_key()
    unlocked = opener()
    sealed = [
        public.seal({"representatives": [f"Parent {n}"], "phone": "06 00 00 00 00"})
        for n in range(count)
    ]
    raw = [base64.b64decode(one[3:]) for one in sealed]
    secret = bytes(unlocked._box._private_key)  # the floor needs the raw key
    public_raw = public.raw

    def ours() -> float:
        begin = time.perf_counter()
        unlocked.open_many(sealed)
        return time.perf_counter() - begin

    def floor() -> float:
        begin = time.perf_counter()
        for box in raw:
            crypto_box_seal_open(box, public_raw, secret)
        return time.perf_counter() - begin

    mine, bare_time = interleaved(ours, floor, max(3, runs // 2))
    return Row(
        f"open {count:,} sealed households (Opener.open_many, 2 cores)",
        "-",
        mine,
        "libsodium crypto_box_seal_open alone, one core",
        bare_time,
        "report",
    )
