"""``bench discover``: read machines over SSH and bring the registry up to date.

Facts are read from all hosts at once (threads: the work is waiting on the network); each
machine is then recorded in its own transaction: matched to its asset by manufacturer and
serial and updated (what changed is shown, a swapped disk is a warning), or registered.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, select

from assetctl.asset_fields import DiskInput, canonical_manufacturer
from assetctl.bench.facts import FACTS_SCRIPT, MachineFacts, parse_facts
from assetctl.bench.ssh import Connection, Target
from assetctl.config import Settings
from assetctl.db import session_scope
from assetctl.errors import AssetctlError
from assetctl.models import Asset, Disk

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass
class Discovery:
    """What happened for one host."""

    target: str
    ok: bool = False
    tag: str | None = None
    created: bool = False
    changes: dict[str, list[Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    facts: MachineFacts | None = None

    def line(self) -> str:
        if not self.ok:
            error = str(self.error).removeprefix(f"{self.target}: ")
            return f"ERROR {self.target}: {error}"
        facts = self.facts
        assert facts is not None
        what = (
            f"{facts.manufacturer or 'maker not reported'} "
            f"{facts.product or 'model not reported'}, serial {facts.serial}"
        )
        if self.created:
            return f"OK {self.target} {self.tag} registered ({what})"
        if self.changes:
            changed = ", ".join(
                f"{k} {_short(v[0])} -> {_short(v[1])}" for k, v in self.changes.items()
            )
            return f"OK {self.target} {self.tag} updated: {changed}"
        return f"OK {self.target} {self.tag} unchanged ({what})"


def bios_younger_than(
    bios_date: str | None, years: int, today: date | None = None, tag: str = "TAG"
) -> str | None:
    """A warning when the firmware's date (dmidecode's ``MM/DD/YYYY``) says the machine is
    younger than a refurbished city desktop should be; ``None`` when it is old enough or the
    date says nothing."""
    if not bios_date:
        return None
    try:
        released = datetime.strptime(bios_date.strip(), "%m/%d/%Y").date()
    except ValueError:
        return None
    today = today or date.today()
    try:
        limit = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - years, day=28)
    if released > limit:
        return (
            f"its BIOS is dated {released:%d/%m/%Y}, younger than the {years} years of a "
            "refurbished city desktop: check that it is one (a BIOS update also gives a recent "
            f"date); if it was bought, `assetctl asset edit {tag} --origin purchased`"
        )
    return None


def _short(value: Any) -> str:
    if isinstance(value, list):
        return (
            "["
            + ", ".join(str(d.get("serial") or d.get("model") or "unidentified") for d in value)
            + "]"
        )
    return "-" if value in (None, "") else str(value)


def remote_command(settings: Settings) -> str:
    assignments = " ".join(
        f"{name}={shlex.quote(value)}" for name, value in sorted(settings.bench.remote_env.items())
    )
    return f"env {assignments} sh -s" if assignments else "sh -s"


def read_facts(
    settings: Settings, target: Target, *, pin: bool = True
) -> tuple[MachineFacts, bool]:
    """Connect and read the machine's facts; (facts, host key replaced).

    ``pin``: record the host key the machine shows (discovery); else it must be the recorded
    one (every later command)."""
    bench = settings.bench
    with Connection(
        target,
        key_path=bench.ssh_key,
        known_hosts=bench.known_hosts,
        pin=pin,
        timeout=bench.timeout,
    ) as connection:
        result = connection.run(
            remote_command(settings), stdin=FACTS_SCRIPT, timeout=bench.timeout * 6
        )
        replaced = bool(connection.session and connection.session.replaced_key)
    if "==assetctl:end==" not in result.stdout:
        raise AssetctlError(
            f"the live system did not run the facts script (exit "
            f"{result.exit_status}: {result.stderr.strip()[:200]})"
        )
    return parse_facts(result.stdout), replaced


def read_facts_pinned(settings: Settings, target: Target) -> MachineFacts:
    """The facts of a machine whose host key must be the one recorded at discovery."""
    return read_facts(settings, target, pin=False)[0]


def _disk_inputs(facts: MachineFacts) -> list[DiskInput]:
    return [
        DiskInput(model=d.model, serial=d.serial, size_bytes=d.size_bytes, media_type=d.media_type)
        for d in facts.disks
        if not d.removable
        and d.transport != "usb"
        and not d.holds_running_system
        and not d.name.startswith("loop")
    ]


def record_facts(
    session: Session,
    settings: Settings,
    facts: MachineFacts,
    *,
    actor: str,
    origin: str,
    kind: str | None,
    report: Discovery,
) -> None:
    """Update the matching asset or register a new one, in the caller's transaction."""
    from assetctl import lifecycle
    from assetctl.assets import edit, register

    if not facts.serial:
        raise AssetctlError(
            "the machine reports no serial number in its DMI table: register "
            "it with `assetctl asset add` and note the serial from its sticker"
        )
    manufacturer = canonical_manufacturer(facts.manufacturer or "unknown")
    asset = session.exec(
        select(Asset).where(
            func.lower(Asset.manufacturer) == manufacturer.lower(),
            Asset.serial == facts.serial.upper(),
        )
    ).first()
    disks = _disk_inputs(facts)
    raw: dict[str, str | None] = {
        "cpu": facts.cpu,
        "ram": f"{facts.ram_mb}M" if facts.ram_mb else None,
    }
    if facts.battery_health is not None:
        raw["battery_health"] = str(facts.battery_health)
    raw = {k: v for k, v in raw.items() if v}
    summary = {
        "bios_date": facts.bios_date,
        "chassis_type": facts.chassis_type,
        "macs": facts.macs,
        "target": report.target,
        "smart": {
            d.name: {"passed": d.smart_passed, "power_on_hours": d.power_on_hours}
            for d in facts.disks
            if d.smart_passed is not None
        },
    }
    if asset is None:
        chosen_kind = kind or facts.kind
        if chosen_kind is None:
            raise AssetctlError(
                f"chassis type {facts.chassis_type} does not say desktop or laptop: give --kind"
            )
        registered = register(
            session,
            settings,
            {
                "kind": chosen_kind,
                "origin": origin,
                "manufacturer": manufacturer,
                "model": facts.product or "unknown",
                "serial": facts.serial,
                **raw,
            },
            actor=actor,
            disks=disks,
        )
        asset = registered.asset
        report.created = True
        report.warnings.extend(registered.warnings)
        if origin == "refurbished":
            young = bios_younger_than(
                facts.bios_date, settings.refurbished_min_age_years, tag=asset.tag
            )
            if young:
                report.warnings.append(young)
    else:
        old_serials = {
            d.serial
            for d in session.exec(select(Disk).where(Disk.asset_id == asset.id))
            if d.serial
        }
        new_serials = {d.serial for d in disks if d.serial}
        if old_serials and new_serials and old_serials != new_serials:
            report.warnings.append(
                f"disk changed: was {', '.join(sorted(old_serials))}, now "
                f"{', '.join(sorted(new_serials))}: was a disk swapped?"
            )
        report.changes = edit(
            session, settings, asset, raw, actor=actor, disks=disks, reason="bench discover"
        )
    lifecycle.record_event(
        session,
        asset,
        actor=actor,
        action="discovered",
        details=summary | {"warnings": report.warnings},
    )
    report.tag = asset.tag


def discover(
    engine: Engine,
    settings: Settings,
    targets: Sequence[Target],
    *,
    actor: str,
    origin: str = "refurbished",
    kind: str | None = None,
    progress: Callable[[Discovery], None] | None = None,
) -> list[Discovery]:
    """Discover every target; one failure does not stop the others."""

    def fetch(target: Target) -> Discovery:
        report = Discovery(target=str(target))
        try:
            report.facts, replaced = read_facts(settings, target)
            if replaced:
                report.warnings.append(
                    "its SSH host key changed since the last discovery "
                    "(a new boot of the live system): recorded"
                )
        except AssetctlError as exc:
            report.error = str(exc)
        return report

    workers = max(1, min(32, len(targets)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        reports = list(pool.map(fetch, targets))
    for report in reports:
        if report.facts is not None:
            try:
                with session_scope(engine) as session:
                    record_facts(
                        session,
                        settings,
                        report.facts,
                        actor=actor,
                        origin=origin,
                        kind=kind,
                        report=report,
                    )
                report.ok = True
            except AssetctlError as exc:
                report.error = str(exc)
        if progress:
            progress(report)
    return reports
