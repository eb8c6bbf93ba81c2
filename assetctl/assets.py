"""The asset registry: register devices, find them by tag or serial, edit them, list them.

Status changes are not made here but through :mod:`assetctl.lifecycle`; this module calls it
for every change so that each one is in the device's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from assetctl import lifecycle
from assetctl.asset_fields import DiskInput, check_asset, format_price, parse_fields
from assetctl.config import Settings
from assetctl.errors import DuplicateError, NotFoundError, ValidationError
from assetctl.listing import FIELD_NAMES
from assetctl.models import Asset, AssetEvent, Disk
from assetctl.tags import (
    claim_reservations,
    claim_tags,
    next_tags,
    normalize_tag,
    reserved_kinds,
    validate_tag,
)

# The JSON/CSV view of an asset: the names of `asset add` options and of the import columns.
PUBLIC_FIELDS = FIELD_NAMES


@dataclass
class Registered:
    asset: Asset
    warnings: list[str]


def find_asset(session: Session, code: str) -> Asset:
    """The asset whose tag is ``code`` (trimmed, any case); else a clear NotFoundError."""
    tag = normalize_tag(code)
    if not tag:
        raise ValidationError("no tag given")
    statement = select(Asset).where(Asset.tag == tag)
    asset = session.exec(statement).first()
    if asset is None:
        hint = ""
        by_serial = session.exec(select(Asset).where(Asset.serial == tag)).first()
        if by_serial is not None:
            hint = f" (it is the serial number of {by_serial.tag})"
        raise NotFoundError(
            f"no asset with tag {tag}{hint}; check the label, or list "
            "assets with `assetctl asset list`"
        )
    return asset


def find_by_tag_or_serial(session: Session, code: str) -> Asset:
    """The asset whose tag, else whose serial number, is ``code`` (for reading only: a command
    that changes a device takes its tag, printed on its label)."""
    try:
        return find_asset(session, code)
    except NotFoundError:
        serial = code.strip()
        matches = session.exec(
            select(Asset).where(func.upper(Asset.serial) == serial.upper()).order_by(Asset.tag)
        ).all()
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise NotFoundError(
                f"serial {serial} belongs to several makers' devices: "
                f"{', '.join(a.tag for a in matches)}; give the tag"
            ) from None
        raise NotFoundError(
            f"no asset with tag or serial number {serial}; check the label, or list assets "
            "with `assetctl asset list`"
        ) from None


def _check_serial_free(
    session: Session, manufacturer: str, serial: str | None, exclude_id: int | None = None
) -> None:
    if not serial:
        return
    statement = select(Asset.tag).where(
        func.lower(Asset.manufacturer) == manufacturer.lower(), Asset.serial == serial
    )
    if exclude_id is not None:
        statement = statement.where(Asset.id != exclude_id)
    existing = session.exec(statement).first()
    if existing:
        raise DuplicateError(
            f"{manufacturer} serial {serial} is already registered as {existing}; "
            f"look at it with `assetctl asset show {existing}`"
        )


def _check_tag_free(session: Session, tag: str) -> None:
    if session.exec(select(Asset.id).where(Asset.tag == tag)).first() is not None:
        raise DuplicateError(
            f"tag {tag} is already used; tags are never reused, leave --tag out to get a new one"
        )


def _insert_checked(session: Session, asset: Asset) -> None:
    """Insert ``asset``; when another bench committed the same serial or tag since the checks
    (PostgreSQL runs transactions side by side), say which device holds it."""
    from sqlalchemy.exc import IntegrityError

    from assetctl.db import is_unique_violation

    try:
        with session.begin_nested():
            session.add(asset)
            session.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        _check_serial_free(session, asset.manufacturer, asset.serial)
        _check_tag_free(session, asset.tag)
        raise


def register(
    session: Session,
    settings: Settings,
    raw: Mapping[str, str | None],
    *,
    actor: str,
    disks: Sequence[DiskInput] = (),
    today: date | None = None,
) -> Registered:
    """Register one device from text values; returns it with its new tag and any warnings."""
    values = parse_fields(raw, settings=settings, today=today)
    warnings = check_asset(values, settings=settings, today=today)
    _check_serial_free(session, values["manufacturer"], values.get("serial"))
    given = values.pop("tag", None)
    reserved: dict[str, str] = {}
    if given:
        tag = validate_tag(settings, given, values["kind"])
        _check_tag_free(session, tag)
        reserved = reserved_kinds(session, [tag])
        if reserved and reserved[tag] != values["kind"]:
            raise ValidationError(
                f"tag {tag} was reserved for a {reserved[tag]}, not a {values['kind']}"
            )
        claim_tags(session, settings, [tag])
    else:
        tag = next_tags(session, settings, values["kind"])[0]
    asset = Asset(tag=tag, status=lifecycle.Status.RECEIVED.value, **values)
    _insert_checked(session, asset)
    assert asset.id is not None
    if reserved:
        claim_reservations(session, {tag: asset.id})
    for disk in disks:
        assert asset.id is not None
        session.add(Disk(asset_id=asset.id, **vars(disk)))
    lifecycle.record_event(
        session,
        asset,
        actor=actor,
        action="registered",
        to_status=asset.status,
        details={"warnings": warnings} if warnings else None,
    )
    return Registered(asset=asset, warnings=warnings)


def edit(
    session: Session,
    settings: Settings,
    asset: Asset,
    raw: Mapping[str, str | None],
    *,
    actor: str,
    disks: Sequence[DiskInput] | None = None,
    reason: str | None = None,
) -> dict[str, list[Any]]:
    """Change fields of ``asset``; returns {field: [old, new]} (empty: nothing changed)."""
    if "kind" in raw or "tag" in raw:
        raise ValidationError(
            "kind and tag cannot be edited: the tag says the kind; register "
            "the device again if it was entered under the wrong kind"
        )
    values = parse_fields(raw, settings=settings)
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(asset, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
    merged = {
        name: getattr(asset, name)
        for name in (
            "kind",
            "manufacturer",
            "model",
            "origin",
            "serial",
            "acquired",
            "warranty_end",
        )
    }
    merged.update(values)
    check_asset(merged, settings=settings)
    if "serial" in changes or "manufacturer" in changes:
        _check_serial_free(session, merged["manufacturer"], merged["serial"], asset.id)
    if disks is not None:
        assert asset.id is not None
        old_disks = [_disk_view(d) for d in _disks(session, asset)]
        new_disks = [vars(d) for d in disks]
        if old_disks != new_disks:
            changes["disks"] = [old_disks, new_disks]
            for disk in _disks(session, asset):
                session.delete(disk)
            for disk_input in disks:
                session.add(Disk(asset_id=asset.id, **vars(disk_input)))
    if not changes:
        return changes
    for name, new in values.items():
        setattr(asset, name, new)
    action = "location" if set(changes) == {"location"} else "edit"
    lifecycle.record_event(
        session, asset, actor=actor, action=action, reason=reason, details={"changes": changes}
    )
    return changes


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _disks(session: Session, asset: Asset) -> list[Disk]:
    return list(session.exec(select(Disk).where(Disk.asset_id == asset.id).order_by(col(Disk.id))))


def _disk_view(disk: Disk) -> dict[str, Any]:
    return {
        "model": disk.model,
        "serial": disk.serial,
        "size_bytes": disk.size_bytes,
        "media_type": disk.media_type,
    }


def timestamp(value: datetime | None) -> str | None:
    """The one text form of a timestamp in JSON and CSV (as the fast listing writes it)."""
    return None if value is None else value.isoformat(timespec="microseconds")


def public_row(asset: Asset) -> dict[str, Any]:
    """An asset's public fields, as `asset list --json` shows them."""
    row: dict[str, Any] = {}
    for name in PUBLIC_FIELDS:
        if name == "unit_price":
            row[name] = format_price(asset.unit_price_cents)
        else:
            value = getattr(asset, name)
            if isinstance(value, datetime):
                value = timestamp(value)
            elif isinstance(value, date):
                value = value.isoformat()
            row[name] = value
    return row


def asset_view(session: Session, asset: Asset, *, with_history: bool = True) -> dict[str, Any]:
    """Everything about one asset: fields, disks, readiness and history."""
    view = public_row(asset)
    view["disks"] = [_disk_view(d) for d in _disks(session, asset)]
    state = lifecycle.readiness(session, asset)
    view["family_ready"] = state.ok
    view["family_ready_problems"] = list(state.problems)
    if with_history:
        events = session.exec(
            select(AssetEvent).where(AssetEvent.asset_id == asset.id).order_by(col(AssetEvent.id))
        )
        view["history"] = [
            {
                "at": timestamp(e.at),
                "actor": e.actor,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
                "details": e.details,
            }
            for e in events
        ]
    return view
