"""Wipe records: listing them, and the certificate's content (the PDF is in documents/)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from assetctl.assets import find_asset, timestamp
from assetctl.errors import NotFoundError, ValidationError
from assetctl.models import Asset, DiskWipe, WipeRun

LIST_FIELDS = (
    "certificate",
    "tag",
    "result",
    "method",
    "disks",
    "started_at",
    "finished_at",
    "operator",
    "bench_host",
)


def list_wipes(session: Session, tag: str | None = None) -> list[dict[str, Any]]:
    statement = (
        select(WipeRun, Asset)
        .join(Asset, col(WipeRun.asset_id) == Asset.id)
        .order_by(col(WipeRun.id).desc())
    )
    if tag:
        statement = statement.where(WipeRun.asset_id == find_asset(session, tag).id)
    rows = []
    for run, asset in session.exec(statement):
        methods = _methods_run(session, run)
        rows.append(
            {
                "certificate": run.certificate_number,
                "tag": asset.tag,
                "result": run.result,
                "method": ", ".join(sorted(set(methods))) or run.method,
                "disks": len(methods),
                "started_at": timestamp(run.started_at),
                "finished_at": timestamp(run.finished_at),
                "operator": run.operator,
                "bench_host": run.bench_host,
            }
        )
    return rows


def _methods_run(session: Session, run: WipeRun) -> list[str]:
    """The method each disk of a run was really erased with (the run itself may say "auto",
    the choice left to the bench per disk)."""
    return [
        method or "-"
        for method in session.exec(
            select(DiskWipe.method).where(DiskWipe.wipe_run_id == run.id).order_by(col(DiskWipe.id))
        )
    ]


def batch_record(
    session: Session,
    since: date,
    until: date,
    *,
    zone: str,
    bench_host: str | None = None,
) -> dict[str, Any]:
    """Every wipe started between two days (inclusive, in the organisation's time zone), for the
    batch summary of a day or a week at the bench: one line per machine, with its
    certificate, and the totals."""
    if until < since:
        raise ValidationError(f"the period ends ({until}) before it starts ({since})")
    start = datetime.combine(since, time.min, tzinfo=ZoneInfo(zone))
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone))
    statement = (
        select(WipeRun, Asset)
        .join(Asset, col(WipeRun.asset_id) == Asset.id)
        .where(col(WipeRun.started_at) >= start, col(WipeRun.started_at) < end)
        .order_by(col(WipeRun.started_at), col(WipeRun.id))
    )
    if bench_host:
        statement = statement.where(WipeRun.bench_host == bench_host)
    machines: list[dict[str, Any]] = []
    for run, asset in session.exec(statement):
        disks = session.exec(
            select(DiskWipe).where(DiskWipe.wipe_run_id == run.id).order_by(col(DiskWipe.id))
        ).all()
        machines.append(
            {
                "certificate": run.certificate_number,
                "tag": asset.tag,
                "manufacturer": asset.manufacturer,
                "model": asset.model,
                "serial": asset.serial,
                "result": run.result,
                "operator": run.operator,
                "bench_host": run.bench_host,
                "finished_at": timestamp(run.finished_at),
                "disks": [
                    {
                        "device": d.device,
                        "serial": d.serial,
                        "size_bytes": d.size_bytes,
                        "method": d.method,
                        "verified": d.verified,
                        "result": d.result,
                    }
                    for d in disks
                ],
            }
        )
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "bench_host": bench_host,
        "machines": machines,
        "totals": {
            "machines": len(machines),
            "passed": sum(m["result"] == "passed" for m in machines),
            "failed": sum(m["result"] != "passed" for m in machines),
            "disks": sum(len(m["disks"]) for m in machines),
            "bytes": sum(d["size_bytes"] or 0 for m in machines for d in m["disks"]),
        },
    }


def certificate_record(session: Session, tag: str, number: str | None = None) -> dict[str, Any]:
    """Everything a certificate states: the device, each disk, method, tool, verification."""
    asset = find_asset(session, tag)
    statement = select(WipeRun).where(WipeRun.asset_id == asset.id)
    if number:
        statement = statement.where(WipeRun.certificate_number == number.strip().upper())
    else:
        statement = statement.where(WipeRun.result == "passed")
    run = session.exec(statement.order_by(col(WipeRun.id).desc())).first()
    if run is None:
        what = f"wipe {number}" if number else "passed wipe"
        raise NotFoundError(
            f"no {what} recorded for {asset.tag}: `assetctl wipe list --tag "
            f"{asset.tag}` shows its wipes"
        )
    disks = session.exec(
        select(DiskWipe).where(DiskWipe.wipe_run_id == run.id).order_by(col(DiskWipe.id))
    ).all()
    return {
        "certificate": run.certificate_number,
        "result": run.result,
        "asset": {
            "tag": asset.tag,
            "kind": asset.kind,
            "manufacturer": asset.manufacturer,
            "model": asset.model,
            "serial": asset.serial,
            "origin": asset.origin,
            "former_inventory": asset.former_inventory,
        },
        "operator": run.operator,
        "bench_host": run.bench_host,
        "started_at": timestamp(run.started_at),
        "finished_at": timestamp(run.finished_at),
        "disks": [
            {
                "device": d.device,
                "model": d.model,
                "serial": d.serial,
                "size_bytes": d.size_bytes,
                "media_type": d.media_type,
                "method": d.method,
                "nist_category": d.nist_category,
                "tool": d.tool,
                "verification": d.verification,
                "verified": d.verified,
                "result": d.result,
                "started_at": timestamp(d.started_at),
                "finished_at": timestamp(d.finished_at),
                "bytes_written": d.bytes_written,
                "bytes_verified": d.bytes_verified,
                "errors": d.errors or [],
                "details": d.details or {},
            }
            for d in disks
        ],
    }
