"""Devices coming back: returned at the desk, or declared lost or stolen; the contract closes
when nothing is left with the family."""

from __future__ import annotations

from sqlmodel import Session, select

from assetctl.access import Actor, Permission
from assetctl.contracts.common import event, lines, touch
from assetctl.errors import TransitionError, ValidationError
from assetctl.lifecycle import Status, change_status
from assetctl.models import Asset
from assetctl.models.families import Contract, ContractLine
from assetctl.models.types import utcnow
from assetctl.vocabulary import (
    OPEN_LINE,
    Condition,
    ContractStatus,
    LineStatus,
    LineType,
    parse,
)


def _open_line(session: Session, asset: Asset) -> tuple[Contract, ContractLine]:
    found = session.exec(
        select(Contract, ContractLine).where(
            ContractLine.asset_id == asset.id,
            ContractLine.contract_id == Contract.id,
            ContractLine.status == LineStatus.WITH_FAMILY.value,
            Contract.status == ContractStatus.ACTIVE.value,
        )
    ).first()
    if found is None:
        raise ValidationError(f"{asset.tag} is on loan but on no active contract: ask an admin")
    return found


def check_returnable(asset: Asset) -> None:
    if asset.status == Status.ON_LOAN.value:
        return
    if asset.status == Status.GIVEN.value:
        raise TransitionError(
            f"{asset.tag} was given to a family: it is theirs, there is nothing to return"
        )
    raise TransitionError(
        f"{asset.tag} is {asset.status}, not on loan: there is nothing to return "
        "(scan it with --mode checkin to record where it is)"
    )


def _device_back(
    session: Session,
    actor: Actor,
    asset: Asset,
    *,
    line_status: str,
    target: Status,
    note: str | None,
    condition: str | None = None,
    location: str | None = None,
) -> tuple[Contract, bool]:
    """Close the device's open line and move the device; closes the contract when it was the
    last device with the family. Returns (contract, contract closed)."""
    actor.require(Permission.FAMILY_DEVICES)
    check_returnable(asset)
    contract, line = _open_line(session, asset)
    line.status = line_status
    line.condition = condition
    line.note = (note or "").strip() or None
    line.closed_at = utcnow()
    line.closed_by = actor.name
    session.add(line)
    what = f"{line_status} ({condition})" if condition else line_status
    change_status(
        session,
        asset,
        target,
        actor=actor.name,
        reason=f"{what} under {contract.number}",
        contract=contract.number,
        details={"condition": condition} if condition else None,
    )
    if location:
        asset.location = location
        session.add(asset)
    event(session, contract, actor, f"device {line_status}", tag=asset.tag, condition=condition)
    return contract, _close_if_done(session, actor, contract)


def return_device(
    session: Session,
    actor: Actor,
    asset: Asset,
    condition: str = "ok",
    note: str | None = None,
    location: str | None = None,
) -> tuple[Contract, bool]:
    """One device back at the desk: its contract line closes, the device is ``returned``
    (a new wipe and image before any other family). Returns (contract, contract closed)."""
    condition = parse(Condition, condition, "condition").value
    return _device_back(
        session,
        actor,
        asset,
        line_status=LineStatus.RETURNED,
        target=Status.RETURNED,
        note=note,
        condition=condition,
        location=location or "bench",
    )


def declare_lost(
    session: Session, actor: Actor, asset: Asset, *, stolen: bool, note: str
) -> tuple[Contract, bool]:
    """The family reports the device lost or stolen: it is written off the contract."""
    if not note.strip():
        raise ValidationError("say what happened (--note), e.g. the police report's number")
    return _device_back(
        session,
        actor,
        asset,
        line_status=LineStatus.STOLEN if stolen else LineStatus.LOST,
        target=Status.LOST,
        note=note,
    )


def _close_if_done(session: Session, actor: Actor, contract: Contract) -> bool:
    session.flush()
    remaining = [
        ln
        for ln in lines(session, contract)
        if ln.line_type == LineType.DEVICE and ln.status in OPEN_LINE
    ]
    if remaining:
        touch(session, contract)
        session.flush()
        return False
    for ln in lines(session, contract):
        if ln.line_type == LineType.INTERNET and ln.status == LineStatus.ACTIVE:
            ln.status = LineStatus.ENDED.value
            ln.closed_at = utcnow()
            ln.closed_by = actor.name
            session.add(ln)
    contract.status = ContractStatus.CLOSED.value
    contract.closed_at = utcnow()
    touch(session, contract)
    event(session, contract, actor, "closed")
    session.flush()
    return True
