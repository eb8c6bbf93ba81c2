"""The programme's evaluation indicators over a period, overall, by neighbourhood and by school,
with the progress against the census targets."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from assetctl.errors import ValidationError
from assetctl.models.families import CensusTarget
from assetctl.reports.counts import NONE, bind_time, end_of
from assetctl.text import fold_text


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
        params[f"{prefix}_from"] = bind_time(
            session, datetime.combine(period.start, time(), tzinfo=UTC)
        )
        parts.append(f"{column} >= :{prefix}_from")
    if period.end:
        params[f"{prefix}_to"] = bind_time(session, end_of(period.end))
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
        key = fold_text(target.school)
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
                "planned_households": planned.get(fold_text(school)),
                **summary(rows),
            }
            for (qpv, school), rows in sorted(by_school.items())
        ],
        "targets": targets,
    }


def _ids(session: Session, sql: str) -> set[int]:
    return {int(r[0]) for r in session.execute(text(sql))}


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
