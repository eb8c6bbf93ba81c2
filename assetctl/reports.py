"""Reports: material counts, the programme's indicators, costs, bench throughput, targets.

Everything is an SQL aggregate over the registry, its history, the contracts and the
households' anonymous facts: no personal column is read, so reports need no role and do not
change when households are purged. Dimension names come from fixed tables here, never from
the user's text, before they reach SQL.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import Session, col, delete, select

from assetctl.access import Actor, Permission
from assetctl.config import Settings
from assetctl.errors import ValidationError
from assetctl.models.families import CensusTarget
from assetctl.models.types import utcnow

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


def _bind_time(session: Session, value: datetime) -> Any:
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
        params["t"] = _bind_time(session, end_of(at))
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


# --- the programme's indicators ---------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def check(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValidationError(f"--from {self.start} is after --to {self.end}")

    def label(self) -> str:
        if not self.start and not self.end:
            return "depuis le début du programme"
        start = self.start.strftime("%d/%m/%Y") if self.start else "le début"
        end = self.end.strftime("%d/%m/%Y") if self.end else "aujourd'hui"
        return f"du {start} au {end}"


def _period_sql(
    session: Session, column: str, period: Period, params: dict[str, Any], prefix: str
) -> str:
    parts = []
    if period.start:
        params[f"{prefix}_from"] = _bind_time(
            session, datetime.combine(period.start, time(), tzinfo=UTC)
        )
        parts.append(f"{column} >= :{prefix}_from")
    if period.end:
        params[f"{prefix}_to"] = _bind_time(session, end_of(period.end))
        parts.append(f"{column} < :{prefix}_to")
    return " AND ".join(parts) or "1 = 1"


def indicators(session: Session, period: Period) -> dict[str, Any]:
    """The evaluation indicators for contracts signed in ``period``, overall and by area and
    school, with the census targets beside them."""
    period.check()
    params: dict[str, Any] = {}
    signed = _period_sql(session, "c.signed_at", period, params, "s")
    # households equipped in the period, with their anonymous facts
    equipped_sql = (
        "SELECT DISTINCT h.id, h.qpv, h.school, h.internet, h.training FROM household h "
        f"JOIN contract c ON c.household_id = h.id WHERE c.signed_at IS NOT NULL AND {signed}"
    )
    equipped = list(session.execute(text(equipped_sql), params).all())
    internet_now = _ids(
        session,
        "SELECT DISTINCT c.household_id FROM contract_line cl JOIN contract c ON "
        "c.id = cl.contract_id WHERE cl.line_type = 'internet' AND cl.status = 'active'",
    )
    attended = _ids(
        session, "SELECT DISTINCT household_id FROM training_attendance WHERE status = 'attended'"
    )
    offered = _ids(session, "SELECT DISTINCT household_id FROM training_attendance")

    def summary(rows: list[Any]) -> dict[str, int]:
        return {
            "families_equipped": len(rows),
            "internet_before": sum(r[3] == "subscription" for r in rows),
            "internet_now": sum(r[3] == "subscription" or r[0] in internet_now for r in rows),
            "training_accepted": sum(r[4] == "yes" for r in rows),
            "training_offered": sum(r[0] in offered for r in rows),
            "training_attended": sum(r[0] in attended for r in rows),
        }

    by_area: dict[str, list[Any]] = defaultdict(list)
    by_school: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in equipped:
        by_area[row[1]].append(row)
        by_school[(row[1], row[2] or NONE)].append(row)
    devices = [
        {"kind": kind, "mode": mode, "devices": n}
        for kind, mode, n in session.execute(
            text(
                "SELECT cl.kind, c.mode, count(*) FROM contract_line cl JOIN contract c ON "
                "c.id = cl.contract_id WHERE cl.line_type = 'device' AND cl.status <> "
                f"'cancelled' AND c.signed_at IS NOT NULL AND {signed} "
                "GROUP BY cl.kind, c.mode ORDER BY cl.kind, c.mode"
            ),
            params,
        )
    ]
    paid_params: dict[str, Any] = {}
    paid_filter = []
    if period.start:
        paid_filter.append("paid_on >= :p_from")
        paid_params["p_from"] = period.start
    if period.end:
        paid_filter.append("paid_on <= :p_to")
        paid_params["p_to"] = period.end
    paid = dict(
        session.execute(
            text(
                "SELECT payer, sum(amount_cents) FROM payment "
                f"WHERE {' AND '.join(paid_filter) or '1 = 1'} GROUP BY payer"
            ),
            paid_params,
        ).all()
    )
    monthly = session.execute(
        text(
            "SELECT count(*), coalesce(sum(monthly_fee_cents - coalesce(programme_share_cents, 0)),"
            " 0), coalesce(sum(programme_share_cents), 0) FROM contract WHERE mode = 'rental' "
            "AND status = 'active'"
        )
    ).one()
    targets = census_progress(session, equipped)
    planned: dict[str, int] = {}  # by school: a family may live in another area
    for target in session.exec(select(CensusTarget)).all():
        key = _fold(target.school)
        planned[key] = planned.get(key, 0) + (target.planned_households or 0)
    return {
        "period": {
            "from": period.start.isoformat() if period.start else None,
            "to": period.end.isoformat() if period.end else None,
        },
        "overall": {
            **summary(list(equipped)),
            "devices_supplied": sum(d["devices"] for d in devices),
        },
        "devices_by_kind_and_mode": devices,
        "cost_to_families": {
            "paid_by_families_cents": int(paid.get("family", 0) or 0),
            "paid_by_programme_cents": int(paid.get("programme", 0) or 0),
            "active_rentals": int(monthly[0]),
            "monthly_family_share_cents": int(monthly[1]),
            "monthly_programme_share_cents": int(monthly[2]),
        },
        "by_area": [{"qpv": qpv, **summary(rows)} for qpv, rows in sorted(by_area.items())],
        "by_school": [
            {
                "qpv": qpv,
                "school": school,
                "planned_households": planned.get(_fold(school)),
                **summary(rows),
            }
            for (qpv, school), rows in sorted(by_school.items())
        ],
        "targets": targets,
    }


def _ids(session: Session, sql: str) -> set[int]:
    return {int(r[0]) for r in session.execute(text(sql))}


def _fold(value: str | None) -> str:
    from assetctl.vocabulary import fold

    return fold(value or "")


def census_progress(session: Session, equipped: list[Any]) -> list[dict[str, Any]]:
    """Per area: planned households (census), households diagnosed, households equipped."""
    targets = session.exec(select(CensusTarget)).all()
    if not targets:
        return []
    diagnosed: dict[str, int] = defaultdict(int)
    for qpv, n in session.execute(text("SELECT qpv, count(*) FROM household GROUP BY qpv")):
        diagnosed[qpv] += n
    done: dict[str, int] = defaultdict(int)
    for row in equipped:
        done[row[1]] += 1
    planned: dict[str, int] = defaultdict(int)
    schools: dict[str, int] = defaultdict(int)
    for target in targets:
        planned[target.qpv] += target.planned_households or 0
        schools[target.qpv] += 1
    return [
        {
            "qpv": qpv,
            "schools": schools[qpv],
            "planned_households": planned[qpv],
            "diagnosed": diagnosed.get(qpv, 0),
            "equipped": done.get(qpv, 0),
            "progress_percent": round(100 * done.get(qpv, 0) / planned[qpv])
            if planned[qpv]
            else None,
        }
        for qpv in sorted(planned)
    ]


def import_targets(
    session: Session, settings: Settings, actor: Actor, path: Path
) -> list[CensusTarget]:
    """Replace the census targets with a file's (``qpv,school,school_level,
    planned_households,note``); all or nothing, every bad row reported."""
    actor.require(Permission.COMMITTEE)
    from assetctl.csvfiles import read_rows, read_text
    from assetctl.errors import AssetctlError, ImportRowsError, RowError
    from assetctl.neighbourhoods import parse_qpv

    fields = ("qpv", "school", "school_level", "planned_households", "note")
    _, rows = read_rows(
        read_text(path), str(path), fields, ("qpv", "school", "planned_households"), {}
    )
    errors: list[RowError] = []
    targets: list[CensusTarget] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in rows:
        try:
            if "__error__" in raw:
                raise ValidationError(raw["__error__"])
            qpv = parse_qpv(settings, raw["qpv"])
            school = " ".join(raw["school"].split())
            if not school:
                raise ValidationError("the school is empty")
            planned_text = raw.get("planned_households", "").strip()
            if planned_text and not planned_text.isdigit():
                raise ValidationError(f"planned_households {planned_text!r} is not a number")
            key = (qpv, _fold(school))
            if key in seen:
                raise ValidationError(f"{school} is also on line {seen[key]}")
            seen[key] = line
        except AssetctlError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        targets.append(
            CensusTarget(
                qpv=qpv,
                school=school,
                school_level=(raw.get("school_level") or "").strip() or None,
                planned_households=int(planned_text) if planned_text else None,
                note=(raw.get("note") or "").strip() or None,
                source=path.name,
                imported_by=actor.name,
            )
        )
    if errors:
        raise ImportRowsError(str(path), errors)
    if not targets:
        raise ValidationError(f"{path} has no rows")
    session.execute(delete(CensusTarget))
    session.add_all(targets)
    session.flush()
    return targets


def targets(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "qpv": t.qpv,
            "school": t.school,
            "school_level": t.school_level,
            "planned_households": t.planned_households,
            "note": t.note,
        }
        for t in session.exec(
            select(CensusTarget).order_by(col(CensusTarget.qpv), col(CensusTarget.school))
        ).all()
    ]


# --- costs -------------------------------------------------------------------------------


def costs(session: Session, settings: Settings) -> dict[str, Any]:
    """Purchase and refurbishment cost per kind and origin, in total, against the budget."""
    refurbishment = settings.programme.refurbishment_cents
    rows = []
    for kind, origin, devices, priced, purchase in session.execute(
        text(
            "SELECT kind, origin, count(*), count(unit_price_cents), "
            "coalesce(sum(unit_price_cents), 0) FROM asset GROUP BY kind, origin "
            "ORDER BY kind, origin"
        )
    ):
        refurb = refurbishment * devices if origin == "refurbished" else 0
        total = int(purchase) + refurb
        rows.append(
            {
                "kind": kind,
                "origin": origin,
                "devices": devices,
                "priced": priced,
                "purchase_cents": int(purchase),
                "refurbishment_cents": refurb,
                "total_cents": total,
                "average_cents": round(total / devices) if devices else 0,
            }
        )
    spent = sum(r["total_cents"] for r in rows)
    return {
        "by_kind": rows,
        "total_cents": spent,
        "budget_equipment_cents": settings.programme.budget_equipment_cents,
        "budget_total_cents": settings.programme.budget_total_cents,
        "remaining_equipment_cents": settings.programme.budget_equipment_cents - spent,
        "unpriced_devices": sum(
            r["devices"] - r["priced"] for r in rows if r["origin"] != "refurbished"
        ),
    }


# --- bench throughput --------------------------------------------------------------------


def _bucket(value: datetime, per: str) -> str:
    day = value.astimezone(UTC).date()
    if per == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def throughput(session: Session, period: Period, per: str = "day") -> dict[str, Any]:
    """Devices discovered, wiped, imaged and made ready per day or week; failure rates by model
    and step; median durations."""
    period.check()
    if per not in ("day", "week"):
        raise ValidationError("--per is day or week")
    from assetctl.models import Asset, AssetEvent, ImagingRun, WipeRun

    start = datetime.combine(period.start, time(), tzinfo=UTC) if period.start else None
    stop = end_of(period.end) if period.end else None

    def within(column: Any) -> list[Any]:
        conditions = []
        if start:
            conditions.append(column >= start)
        if stop:
            conditions.append(column < stop)
        return conditions

    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for action, at in session.execute(
        select(AssetEvent.action, AssetEvent.at).where(
            col(AssetEvent.action).in_(("discovered", "registered")), *within(col(AssetEvent.at))
        )
    ):
        table[_bucket(at, per)]["discovered" if action == "discovered" else "registered"] += 1
    for (at,) in session.execute(
        select(AssetEvent.at).where(AssetEvent.to_status == "ready", *within(col(AssetEvent.at)))
    ):
        table[_bucket(at, per)]["ready"] += 1
    steps: dict[str, Any] = {"wipe": WipeRun, "imaging": ImagingRun}
    failures: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    durations: dict[str, list[float]] = defaultdict(list)
    for step, model in steps.items():
        for result, started, finished, manufacturer, model_name in session.execute(
            sa_select(
                model.result,
                model.started_at,
                model.finished_at,
                col(Asset.manufacturer),
                col(Asset.model),
            ).where(model.asset_id == Asset.id, *within(col(model.started_at)))
        ):
            key = (manufacturer, model_name, step)
            failures[key][0] += 1
            if result != "passed":
                failures[key][1] += 1
            elif finished is not None:
                table[_bucket(finished, per)]["wiped" if step == "wipe" else "imaged"] += 1
                durations[step].append((finished - started).total_seconds())
    return {
        "per": per,
        "rows": [
            {
                per: bucket,
                "registered": v["registered"],
                "discovered": v["discovered"],
                "wiped": v["wiped"],
                "imaged": v["imaged"],
                "ready": v["ready"],
            }
            for bucket, v in sorted(table.items())
        ],
        "failures": [
            {
                "manufacturer": m,
                "model": name,
                "step": step,
                "runs": runs,
                "failed": failed,
                "failure_rate_percent": round(100 * failed / runs, 1),
            }
            for (m, name, step), (runs, failed) in sorted(failures.items())
        ],
        "median_minutes": {
            step: round(statistics.median(values) / 60, 1) for step, values in durations.items()
        },
    }


def generated_at() -> str:
    return utcnow().strftime("%d/%m/%Y %H:%M UTC")
