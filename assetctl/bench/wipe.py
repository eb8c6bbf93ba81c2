"""``bench wipe``: plan, check, sanitise and record, machine by machine.

1. Plan: read each machine again over SSH (its host key must be the one recorded at
   discovery), find its asset (by tag, or by the serial it reports), check the serials agree,
   that the device is in the DSI's hands, and choose its disks: never the running system's,
   never a mounted or removable one.
2. Wipe: ``playbooks/wipe.yml`` through ansible-runner, all machines at once; the module
   repeats every check on the machine before its first write.
3. Record: one wipe run per machine and one record per disk; the asset becomes ``wiped`` only
   if every disk passed. A failed, refused or interrupted run is recorded as such.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, func, select

from assetctl import lifecycle
from assetctl.bench.discover import read_facts_pinned
from assetctl.bench.facts import DiskFacts, MachineFacts
from assetctl.bench.ssh import Target
from assetctl.config import Settings
from assetctl.db import session_scope
from assetctl.errors import AssetctlError, NotFoundError, ValidationError
from assetctl.models import Asset, DiskWipe, WipeRun
from assetctl.models.types import utcnow
from assetctl.vocabulary import ReadBack

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assetctl.bench.gauge import DiskGauge


@dataclass
class MachinePlan:
    target: Target
    tag: str | None = None
    asset_id: int | None = None
    serial: str | None = None
    disks: list[DiskFacts] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class WipeOutcome:
    target: str
    tag: str | None
    result: str  # passed, failed, refused, interrupted, unreachable
    certificate: str | None = None
    disks: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    def line(self) -> str:
        what = {
            "passed": "OK",
            "failed": "FAILED",
            "refused": "REFUSED",
            "interrupted": "INTERRUPTED",
            "unreachable": "ERROR",
        }[self.result]
        parts = [what, self.target, self.tag or "(not registered)"]
        if self.certificate:
            parts.append(f"certificate {self.certificate}")
        parts += [
            f"{d.get('path')} {d.get('method') or 'no method'} {d.get('result')}"
            for d in self.disks
        ]
        line = " ".join(parts)
        if self.message and self.result != "passed":
            line += f": {self.message}"
        return line


def select_disks(
    facts: MachineFacts, requested: Sequence[str]
) -> tuple[list[DiskFacts], list[str]]:
    problems: list[str] = []
    by_path = {d.path: d for d in facts.disks}
    if requested:
        chosen = []
        for path in requested:
            disk = by_path.get(path)
            if disk is None:
                problems.append(f"{path}: no such disk on this machine")
            else:
                chosen.append(disk)
    else:
        chosen = [
            d
            for d in facts.disks
            if not d.name.startswith(("loop", "sr"))
            and not d.removable
            and d.transport != "usb"
            and not d.holds_running_system
        ]
        if not chosen:
            problems.append("no internal disk to wipe found")
    for disk in chosen:
        if disk.holds_running_system:
            problems.append(f"{disk.path} holds the running live system: refused")
        if disk.mountpoints:
            problems.append(f"{disk.path} is mounted ({', '.join(disk.mountpoints)}): refused")
        if disk.removable or disk.transport == "usb":
            problems.append(f"{disk.path} is removable media: refused")
    return chosen, problems


def plan_wipe(
    engine: Engine,
    settings: Settings,
    requests: Sequence[tuple[Target, str | None]],
    *,
    disks: Sequence[str] = (),
    confirm_no_serial: bool = False,
) -> list[MachinePlan]:
    """Read every machine and decide what will be wiped; nothing is written."""
    from concurrent.futures import ThreadPoolExecutor

    from assetctl.assets import find_asset

    def read(request: tuple[Target, str | None]) -> tuple[MachinePlan, MachineFacts | None]:
        target, tag = request
        plan = MachinePlan(target=target, tag=tag)
        try:
            return plan, read_facts_pinned(settings, target)
        except AssetctlError as exc:
            plan.problems.append(str(exc).removeprefix(f"{target}: "))
            return plan, None

    with ThreadPoolExecutor(max_workers=max(1, min(32, len(requests)))) as pool:
        read_back = list(pool.map(read, requests))
    plans = []
    for plan, facts in read_back:
        plans.append(plan)
        if facts is None:
            continue
        plan.serial = facts.serial
        with session_scope(engine) as session:
            try:
                if plan.tag:
                    asset = find_asset(session, plan.tag)
                elif facts.serial:
                    asset = _asset_by_serial(session, facts)
                else:
                    raise ValidationError("the machine reports no serial: give its TAG")
            except AssetctlError as exc:
                plan.problems.append(str(exc))
                continue
            plan.tag, plan.asset_id = asset.tag, asset.id
            try:
                lifecycle.check_wipeable(asset)
            except AssetctlError as exc:
                plan.problems.append(str(exc))
            if facts.serial is None:
                if not confirm_no_serial:
                    plan.problems.append(
                        "the machine reports no serial number: check its "
                        "sticker against the asset and confirm with "
                        "--confirm-no-serial"
                    )
            elif (asset.serial or "").upper() != facts.serial.upper():
                plan.problems.append(
                    f"this machine's serial is {facts.serial} but {asset.tag} "
                    f"is {asset.serial}: wrong machine, nothing written"
                )
        plan.disks, problems = select_disks(facts, disks)
        plan.problems.extend(problems)
    return plans


def _asset_by_serial(session: Session, facts: MachineFacts) -> Asset:
    from assetctl.asset_fields import canonical_manufacturer

    assert facts.serial is not None
    maker = canonical_manufacturer(facts.manufacturer or "")
    asset = session.exec(
        select(Asset).where(
            func.lower(Asset.manufacturer) == maker.lower(), Asset.serial == facts.serial.upper()
        )
    ).first()
    if asset is None:
        raise NotFoundError(
            f"no asset with serial {facts.serial}: run `assetctl bench discover` on it first"
        )
    return asset


# what a disk's record keeps beyond its columns: why the method, what the firmware said, and
# the evidence of the verification (applied) and the validation (read-back) the certificate states
DETAILS = (
    "reason",
    "firmware",
    "firmware_status",
    "bad_offsets",
    "sample_seed",
    "applied",
    "read_back",
    "sample_blocks",
    "block_size",
    "samples",
)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def certificate_number(settings: Settings, run: WipeRun) -> str:
    assert run.id is not None
    return f"{settings.tag_prefix}-EFF-{run.started_at:%Y}-{run.id:06d}"


def record_run(
    session: Session,
    settings: Settings,
    plan: MachinePlan,
    *,
    result: str,
    actor: str,
    started: datetime,
    records: Sequence[dict[str, Any]],
    message: str,
    artifacts: Path | None,
    method: str,
    firmware: dict[str, Any] | None = None,
) -> WipeOutcome:
    """Write the run and its per-disk records, then move the asset; in one transaction.
    ``firmware`` is what the live system reset of the firmware's state (TPM, boot entries)."""
    asset = session.get(Asset, plan.asset_id)
    assert asset is not None and asset.id is not None
    run = WipeRun(
        asset_id=asset.id,
        cycle=asset.cycle,
        started_at=started,
        finished_at=utcnow(),
        result=result,
        method=method,
        operator=actor,
        bench_host=str(plan.target),
        details={
            "message": message,
            "artifacts": str(artifacts) if artifacts else None,
            "machine_serial": plan.serial,
            "firmware_reset": firmware,
        },
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    run.certificate_number = certificate_number(settings, run)
    planned = {d.path: d for d in plan.disks}
    for record in records or [{"path": d.path, "result": result} for d in plan.disks]:
        disk = planned.get(record.get("path", ""))
        session.add(
            DiskWipe(
                wipe_run_id=run.id,
                asset_id=asset.id,
                device=str(record.get("path")),
                model=record.get("model") or (disk.model if disk else None),
                serial=record.get("serial") or (disk.serial if disk else None),
                size_bytes=record.get("size_bytes") or (disk.size_bytes if disk else None),
                media_type=disk.media_type if disk else record.get("media"),
                method=record.get("method"),
                nist_category=record.get("nist_category"),
                tool=record.get("tool"),
                verification=record.get("verification"),
                verified=record.get("verified"),
                result=str(record.get("result", result)),
                started_at=_parse_time(record.get("started_at")),
                finished_at=_parse_time(record.get("finished_at")),
                bytes_written=record.get("bytes_written"),
                bytes_verified=record.get("bytes_verified"),
                errors=record.get("errors") or None,
                details={k: record[k] for k in DETAILS if k in record} or None,
            )
        )
    session.flush()
    lifecycle.record_event(
        session,
        asset,
        actor=actor,
        action="wipe",
        reason=f"{result}: {message}" if message else result,
        details={"certificate": run.certificate_number, "host": str(plan.target)},
    )
    lifecycle.after_wipe(
        session,
        asset,
        passed=result == "passed",
        actor=actor,
        reason=f"wipe {run.certificate_number} {result}",
    )
    return WipeOutcome(
        target=str(plan.target),
        tag=asset.tag,
        result=result,
        certificate=run.certificate_number,
        disks=list(records),
        message=message,
    )


def run_wipe(
    engine: Engine,
    settings: Settings,
    plans: Sequence[MachinePlan],
    *,
    actor: str,
    method: str = "auto",
    verify: ReadBack | None = None,
    samples: int | None = None,
    mode: str = "wipe",
    dmi_root: str | None = None,
    progress: Callable[[str, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    gauge: Callable[[DiskGauge], None] | None = None,
) -> list[WipeOutcome]:
    """Wipe the planned machines (all at once) and record every outcome. Each disk is read
    back as the programme's policy says for its media (``[wipe]``), or in full if ``verify``
    asks for it; ``samples`` random blocks where a sample is enough (default: the policy's).
    ``gauge`` is given each disk's reading (phase, bytes done) while the wipe runs."""
    from contextlib import nullcontext

    from assetctl.bench.gauge import Watcher, gauge_path, new_run
    from assetctl.bench.playbooks import run_playbook
    from assetctl.sanitisation import read_back_for

    ready = [p for p in plans if p.ok]
    hosts: dict[str, tuple[Target, dict[str, Any]]] = {}
    run = new_run()
    gauges = {
        plan.tag: (plan.target, {d.path: gauge_path(run, d.path) for d in plan.disks})
        for plan in ready
        if plan.tag is not None
    }
    for plan in ready:
        assert plan.tag is not None
        variables: dict[str, Any] = {
            "assetctl_disks": [
                {
                    "path": d.path,
                    "serial": d.serial,
                    "size_bytes": d.size_bytes,
                    "verify": read_back_for(d.media_type, verify, settings.wipe).value,
                    "progress": gauges[plan.tag][1][d.path],
                }
                for d in plan.disks
            ],
            "assetctl_method": method,
            "assetctl_samples": samples or settings.wipe.samples,
            "assetctl_mode": mode,
        }
        if plan.serial:
            variables["assetctl_expected_serial"] = plan.serial
        if dmi_root:
            variables["assetctl_dmi_root"] = dmi_root
        hosts[plan.tag] = (plan.target, variables)
    started = utcnow()
    outcomes: list[WipeOutcome] = []
    if hosts:
        watching = Watcher(settings, gauges, gauge) if gauge else nullcontext()
        with watching:
            result = run_playbook(
                settings,
                "wipe.yml",
                hosts,
                task="Wipe and verify the planned disks",
                progress=progress,
                cancelled=cancelled,
            )
        for plan in ready:
            assert plan.tag is not None
            host = result.hosts[plan.tag]
            returned = host.result
            if host.status == "ok":
                status = "passed"
            elif host.status == "canceled":
                status = "interrupted"
            elif host.status == "unreachable":
                status = "unreachable"
            else:
                status = "refused" if returned.get("refused") else "failed"
            if mode == "verify" and status == "passed":
                outcomes.append(_record_verification(engine, plan, returned, actor))
                continue
            if status == "unreachable":
                outcomes.append(
                    WipeOutcome(str(plan.target), plan.tag, status, message=host.message)
                )
                continue
            if status == "refused":  # nothing was written: no wipe to record
                with session_scope(engine) as session:
                    asset = session.get(Asset, plan.asset_id)
                    assert asset is not None
                    lifecycle.record_event(
                        session, asset, actor=actor, action="wipe_refused", reason=host.message
                    )
                outcomes.append(
                    WipeOutcome(str(plan.target), plan.tag, status, message=host.message)
                )
                continue
            with session_scope(engine) as session:
                outcomes.append(
                    record_run(
                        session,
                        settings,
                        plan,
                        result=status,
                        actor=actor,
                        started=started,
                        records=returned.get("disks") or [],
                        message=host.message,
                        artifacts=result.artifacts,
                        method=method if mode == "wipe" else "verify",
                        firmware=returned.get("firmware_reset"),
                    )
                )
    for plan in plans:
        if not plan.ok:
            outcomes.append(
                WipeOutcome(str(plan.target), plan.tag, "refused", message="; ".join(plan.problems))
            )
    return outcomes


def _record_verification(
    engine: Engine, plan: MachinePlan, returned: dict[str, Any], actor: str
) -> WipeOutcome:
    """A passed re-verification changes nothing but the history."""
    with session_scope(engine) as session:
        asset = session.get(Asset, plan.asset_id)
        assert asset is not None
        lifecycle.record_event(
            session,
            asset,
            actor=actor,
            action="wipe_verified",
            details={"disks": [d.get("path") for d in returned.get("disks", [])]},
        )
    return WipeOutcome(
        str(plan.target),
        plan.tag,
        "passed",
        disks=returned.get("disks", []),
        message="verification passed",
    )
