"""What every contract operation shares: finding a contract, its lines and devices, its
history."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from assetctl.access import Actor
from assetctl.errors import NotFoundError
from assetctl.lifecycle import Status, readiness
from assetctl.models import Asset
from assetctl.models.families import Contract, ContractEvent, ContractLine, Household
from assetctl.vocabulary import Contact


def find(session: Session, number: str) -> Contract:
    wanted = number.strip().upper()
    contract = session.exec(select(Contract).where(Contract.number == wanted)).first()
    if contract is None:
        latest = session.exec(select(Contract.number).order_by(col(Contract.id).desc())).first()
        raise NotFoundError(
            f"no contract {number.strip()!r}: "
            + (
                f"see `assetctl contract list` (the latest is {latest})"
                if latest
                else "there is no contract yet (`assetctl allocate REF` drafts one)"
            )
        )
    return contract


def household_of(session: Session, contract: Contract) -> Household:
    household = session.get(Household, contract.household_id)
    assert household is not None
    return household


def lines(session: Session, contract: Contract) -> list[ContractLine]:
    return list(
        session.exec(
            select(ContractLine)
            .where(ContractLine.contract_id == contract.id)
            .order_by(col(ContractLine.id))
        ).all()
    )


def devices(session: Session, contract: Contract) -> list[tuple[ContractLine, Asset]]:
    return list(
        session.exec(
            select(ContractLine, Asset)
            .where(ContractLine.contract_id == contract.id, ContractLine.asset_id == Asset.id)
            .order_by(col(ContractLine.id))
        ).all()
    )


# contract events that are not a contact with the family (households.contacts)
NOT_A_CONTACT = frozenset({"allocated"})


def event(session: Session, contract: Contract, actor: Actor, action: str, **details: Any) -> None:
    from assetctl.households.contacts import note_contact

    assert contract.id is not None
    session.add(
        ContractEvent(
            contract_id=contract.id, actor=actor.name, action=action, details=details or None
        )
    )
    if action not in NOT_A_CONTACT:
        on = details.get("on") if action == "signed" else None  # a signature's own date
        note_contact(
            session,
            contract.household_id,
            Contact.CONTRACT,
            date.fromisoformat(on) if isinstance(on, str) else None,
        )


def touch(session: Session, contract: Contract) -> None:
    session.add(contract)  # the UPDATE carries the version check


def not_ready_reason(session: Session, asset: Asset) -> str:
    state = readiness(session, asset)
    if asset.status == Status.READY.value and state.ok:
        return ""
    if not state.ok:
        return "; ".join(state.problems)
    return f"it is {asset.status}, not ready"
