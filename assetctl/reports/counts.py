"""Material counts: devices by any of kind, status, origin, location, neighbourhood, school and
contract mode, today or as they were at the end of a past day."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from assetctl.errors import ValidationError

# dimension -> SQL expression over asset a and its family's contract c and household h
DIMENSIONS = {
    "kind": "a.kind",
    "status": "a.status",
    "origin": "a.origin",
    "location": "a.location",
    "qpv": "h.qpv",
    "school": "h.school",
    "mode": "c.mode",
}
NONE = "-"


def parse_dimensions(text_value: str) -> list[str]:
    names = [n.strip().lower() for n in text_value.split(",") if n.strip()]
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown or not names:
        raise ValidationError(
            f"unknown dimension(s) {', '.join(unknown) or '(none)'}; --by takes any of: "
            f"{', '.join(DIMENSIONS)}, comma-separated"
        )
    if len(set(names)) != len(names):
        raise ValidationError("a dimension is given twice in --by")
    return names


def end_of(day: date) -> datetime:
    """The first instant after ``day`` (UTC): what "as it was on that date" counts up to."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def bind_time(session: Session, value: datetime) -> Any:
    # the same representation the UTCDateTime columns store
    if session.get_bind().dialect.name == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def counts(session: Session, by: list[str], at: date | None = None) -> list[dict[str, Any]]:
    """Devices counted by the dimensions ``by``; ``at``: as they were at the end of that day
    (statuses from the history, families from the contracts of the time). The last row is the
    total (``TOTAL`` in the first dimension); a device with no family counts under ``-``."""
    if at is not None and "location" in by:
        raise ValidationError(
            "--at counts by kind, status, origin, qpv, school and mode; locations are not "
            "reconstructed from the history"
        )
    params: dict[str, Any] = {}
    line_open = "cl.closed_at IS NULL"
    where = ""
    if at is not None:
        params["t"] = bind_time(session, end_of(at))
        line_open = "c.created_at < :t AND (cl.closed_at IS NULL OR cl.closed_at >= :t)"
        where = "WHERE a.created_at < :t"
    family = ""
    if {"qpv", "school", "mode"} & set(by):
        # driven from each device through the contract_line.asset_id index
        family = (
            "LEFT JOIN (contract_line cl JOIN contract c ON c.id = cl.contract_id "
            f"AND {line_open} JOIN household h ON h.id = c.household_id) ON cl.asset_id = a.id "
            "AND cl.line_type = 'device'"
        )
    columns = [DIMENSIONS[d] for d in by]
    select_list = ", ".join(f"{c} AS {d}" for c, d in zip(columns, by, strict=True))
    groups = ", ".join(columns)
    now = f"SELECT {select_list}, count(*) FROM asset a {family} {where} GROUP BY {groups}"
    totals: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in session.execute(text(now), params):
        totals[tuple(row[:-1])] += row[-1]
    if at is not None and "status" in by:
        # Walk back from now: a device's status at t is its status now, unless it changed
        # after t; then it is the status its first change after t started from. The cost
        # follows the changes since t, not the whole history. (A first change from no
        # status is a registration: such devices were left out above by created_at.)
        position = by.index("status")
        # Each changed device's first change since t, read from the partial index on status
        # changes by time alone (SQLite: the row of min(id) gives the bare column; its planner
        # must be told the index, or it walks the asset_id index through the whole history).
        if session.get_bind().dialect.name == "sqlite":
            first = (
                "SELECT asset_id, min(id) AS id, from_status FROM asset_event "
                "INDEXED BY ix_asset_event_status_changes WHERE to_status IS NOT NULL "
                "AND at >= :t GROUP BY asset_id"
            )
        else:
            first = (
                "SELECT DISTINCT ON (asset_id) asset_id, id, from_status FROM asset_event "
                "WHERE to_status IS NOT NULL AND at >= :t ORDER BY asset_id, id"
            )
        changed = (
            f"SELECT {select_list}, fc.from_status, count(*) FROM ({first}) fc "
            f"JOIN asset a ON a.id = fc.asset_id {family} {where} "
            f"GROUP BY {groups}, fc.from_status"
        )
        for row in session.execute(text(changed), params):
            key, previous, n = tuple(row[:-2]), row[-2], row[-1]
            totals[key] -= n
            if previous is not None:
                totals[(*key[:position], previous, *key[position + 1 :])] += n
    rows = [
        {**{d: (k[i] if k[i] is not None else NONE) for i, d in enumerate(by)}, "devices": n}
        for k, n in totals.items()
        if n
    ]
    rows.sort(key=lambda r: tuple(str(r[d]) for d in by))
    total: dict[str, Any] = {d: "TOTAL" if i == 0 else "" for i, d in enumerate(by)}
    total["devices"] = sum(int(r["devices"]) for r in rows)
    return [*rows, total]
