"""Wipe records: listing them, and the certificate's content (the PDF is in documents/)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from assetctl import lifecycle
from assetctl.assets import find_asset, timestamp
from assetctl.config.settings import WipeSettings
from assetctl.documents.formats import local_time
from assetctl.errors import ConflictError, NotFoundError, ValidationError
from assetctl.models import Asset, DiskWipe, WipeRun
from assetctl.models.types import utcnow
from assetctl.vocabulary import ManualStep

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
                "validated_by": run.validated_by,
                "validated_at": timestamp(run.validated_at),
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
            "validated": sum(bool(m["validated_by"]) for m in machines),
        },
    }


def find_run(session: Session, tag: str, number: str | None = None) -> tuple[Asset, WipeRun]:
    """A device's wipe: the one numbered ``number``, else its last passed one."""
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
    return asset, run


def validate(
    session: Session,
    tag: str,
    number: str | None,
    *,
    actor: str,
    policy: WipeSettings,
    zone: str = "Europe/Paris",
) -> WipeRun:
    """Record that ``actor`` accepted a passed wipe's result (its validation, NIST SP 800-88
    Rev. 2): once, and by someone other than the technician who ran it where the policy says
    so."""
    asset, run = find_run(session, tag, number)
    if run.result != "passed":
        raise ValidationError(
            f"wipe {run.certificate_number} of {asset.tag} {run.result}: only a passed wipe is "
            "validated; wipe the device again on the bench"
        )
    if run.validated_by:
        raise ConflictError(
            f"wipe {run.certificate_number} was validated by {run.validated_by} on "
            f"{local_time(run.validated_at, zone)}"
        )
    if policy.separate_validator and actor.strip().lower() == run.operator.strip().lower():
        raise ValidationError(
            f"{actor} ran wipe {run.certificate_number}: the programme's policy has another "
            f"person validate it ({policy.validator}; [wipe] separate_validator)"
        )
    # only if nobody validated it meanwhile (two managers at once: one wins, the other is told)
    accepted = session.execute(
        update(WipeRun)
        .where(col(WipeRun.id) == run.id, col(WipeRun.validated_by).is_(None))
        .values(validated_by=actor, validated_at=utcnow())
    )
    if accepted.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(f"wipe {run.certificate_number} was validated meanwhile: try again")
    session.refresh(run)
    lifecycle.record_event(
        session,
        asset,
        actor=actor,
        action="wipe_validated",
        details={"certificate": run.certificate_number},
    )
    return run


def confirm_steps(
    session: Session, tag: str, number: str | None, steps: list[ManualStep], *, actor: str
) -> WipeRun:
    """Record that ``actor`` did the manual steps (BIOS password, firmware settings, the
    previous owner's labels) for a wipe; a step confirmed before keeps its first record."""
    asset, run = find_run(session, tag, number)
    details = dict(run.details or {})
    done = dict(details.get("manual_steps") or {})
    moment = timestamp(utcnow())
    for step in steps:
        done.setdefault(step.value, {"by": actor, "at": moment})
    details["manual_steps"] = done
    run.details = details  # a new dict: the JSON column is written again
    session.add(run)
    lifecycle.record_event(
        session,
        asset,
        actor=actor,
        action="wipe_steps_confirmed",
        details={"certificate": run.certificate_number, "steps": [s.value for s in steps]},
    )
    return run


def certificate_record(session: Session, tag: str, number: str | None = None) -> dict[str, Any]:
    """Everything a certificate states: the device, each disk, method, tool, the verification
    (the technique ran) and the validation (the read-back, the drive's status, who accepted)."""
    from assetctl.sanitisation import coverage

    asset, run = find_run(session, tag, number)
    disks = session.exec(
        select(DiskWipe).where(DiskWipe.wipe_run_id == run.id).order_by(col(DiskWipe.id))
    ).all()
    record: dict[str, Any] = {
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
        # the serial the machine's firmware (DMI) reported on the bench, checked against the tag
        "machine_serial": (run.details or {}).get("machine_serial"),
        "started_at": timestamp(run.started_at),
        "finished_at": timestamp(run.finished_at),
        "firmware_reset": (run.details or {}).get("firmware_reset"),
        "manual_steps": (run.details or {}).get("manual_steps") or {},
        "validated_by": run.validated_by,
        "validated_at": timestamp(run.validated_at),
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
                "applied": (d.details or {}).get("applied"),
            }
            for d in disks
        ],
    }
    for disk in record["disks"]:
        disk["coverage"] = coverage(disk)
    return record
