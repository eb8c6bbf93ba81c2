"""Wipe records: listing them, and the certificate's content (the PDF is in documents/)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from assetctl.assets import find_asset, timestamp
from assetctl.errors import NotFoundError
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
        count = len(session.exec(select(DiskWipe.id).where(DiskWipe.wipe_run_id == run.id)).all())
        rows.append(
            {
                "certificate": run.certificate_number,
                "tag": asset.tag,
                "result": run.result,
                "method": run.method,
                "disks": count,
                "started_at": timestamp(run.started_at),
                "finished_at": timestamp(run.finished_at),
                "operator": run.operator,
                "bench_host": run.bench_host,
            }
        )
    return rows


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
