"""The handover: planning the delivery, signing (devices go to the family), or cancelling a
draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from assetctl.access import Actor, Permission
from assetctl.contracts.common import devices, event, lines, touch
from assetctl.dates import add_months
from assetctl.errors import ValidationError
from assetctl.lifecycle import Status, change_status
from assetctl.models.families import Contract
from assetctl.models.types import utcnow
from assetctl.vocabulary import ContractStatus, LineStatus, LineType, Mode


@dataclass(frozen=True)
class Delivery:
    mode: str | None = None  # home, point
    on: date | None = None
    place: str | None = None
    staff: str | None = None
    installation: bool | None = None


def plan_delivery(session: Session, actor: Actor, contract: Contract, delivery: Delivery) -> None:
    actor.require(Permission.FAMILY_DEVICES)
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError(
            f"contract {contract.number} is {contract.status}: already handed over"
        )
    if delivery.mode is not None:
        if delivery.mode not in ("home", "point"):
            raise ValidationError("delivery is at home or at a distribution point (home, point)")
        contract.delivery_mode = delivery.mode
    if delivery.mode == "point" and not (delivery.place or contract.delivery_place):
        raise ValidationError("a delivery at a distribution point needs its --place")
    for name in ("on", "place", "staff"):
        value = getattr(delivery, name)
        if value is not None:
            setattr(contract, "delivery_date" if name == "on" else f"delivery_{name}", value)
    if delivery.installation is not None:
        contract.installation = delivery.installation
    touch(session, contract)
    event(
        session,
        contract,
        actor,
        "delivery planned",
        mode=contract.delivery_mode,
        on=contract.delivery_date.isoformat() if contract.delivery_date else None,
        installation=contract.installation,
    )
    session.flush()


def forget_credentials(session: Session, asset_id: int | None) -> None:
    """Delete a device's stored initial passwords (all cycles)."""
    from sqlalchemy import delete
    from sqlmodel import col

    from assetctl.models import DeviceCredential

    session.execute(delete(DeviceCredential).where(col(DeviceCredential.asset_id) == asset_id))


def sign(session: Session, actor: Actor, contract: Contract, on: date | None = None) -> list[str]:
    """The handover: the family signed, the devices are theirs to use (or own). The stored
    copies of the devices' initial passwords are destroyed: the family has the sheet, and each
    device asks for a new password at the first login."""
    actor.require(Permission.FAMILY_DEVICES)
    on = on or date.today()
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError(
            f"contract {contract.number} is {contract.status}: only a draft contract is signed"
        )
    target = Status.GIVEN if contract.mode == Mode.GIFT else Status.ON_LOAN
    tags = []
    for line, asset in devices(session, contract):
        change_status(
            session,
            asset,
            target,
            actor=actor.name,
            reason=f"handed over under {contract.number}",
            contract=contract.number,
        )
        asset.location = "family"
        session.add(asset)
        forget_credentials(session, asset.id)
        line.status = (
            LineStatus.GIVEN.value if contract.mode == Mode.GIFT else LineStatus.WITH_FAMILY.value
        )
        session.add(line)
        tags.append(asset.tag)
    for line in lines(session, contract):
        if line.line_type == LineType.SUPPLIES:
            line.status = LineStatus.GIVEN.value
            session.add(line)
        elif line.line_type == LineType.INTERNET:
            line.status = LineStatus.ACTIVE.value
            session.add(line)
    contract.signed_at = utcnow()
    contract.start_date = on
    contract.delivery_date = contract.delivery_date or on
    if contract.mode == Mode.GIFT:
        contract.status = ContractStatus.CLOSED.value
        contract.closed_at = contract.signed_at
    else:
        assert contract.term_months is not None
        contract.status = ContractStatus.ACTIVE.value
        contract.end_date = add_months(on, contract.term_months)
    touch(session, contract)
    event(session, contract, actor, "signed", on=on.isoformat(), devices=tags)
    session.flush()
    return tags


def cancel(session: Session, actor: Actor, contract: Contract, reason: str) -> list[str]:
    """Undo a draft: its devices are ready again for another household."""
    actor.require(Permission.FAMILY_DEVICES)
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError(
            f"contract {contract.number} is {contract.status}: only a draft can be cancelled "
            "(take devices back with `scan --mode return`)"
        )
    if not reason.strip():
        raise ValidationError("say why the contract is cancelled (--reason)")
    tags = []
    for line, asset in devices(session, contract):
        change_status(
            session,
            asset,
            Status.READY,
            actor=actor.name,
            reason=f"contract {contract.number} cancelled",
            contract=contract.number,
        )
        line.status = LineStatus.CANCELLED.value
        line.closed_at = utcnow()
        line.closed_by = actor.name
        session.add(line)
        tags.append(asset.tag)
    contract.status = ContractStatus.CANCELLED.value
    contract.closed_at = utcnow()
    touch(session, contract)
    event(session, contract, actor, "cancelled", reason=reason.strip())
    session.flush()
    return tags
