"""The bench's throughput: devices registered, discovered, wiped, imaged and made ready per day
or week; failure rates; median durations."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from assetctl.errors import ValidationError
from assetctl.reports.counts import end_of
from assetctl.reports.indicators import Period


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
