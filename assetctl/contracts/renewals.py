"""Renewals: a loan or rental extended by its term."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from assetctl.access import Actor, Permission
from assetctl.contracts.common import event, touch
from assetctl.dates import add_months
from assetctl.errors import ValidationError
from assetctl.models.families import Contract
from assetctl.vocabulary import ContractStatus, Mode


def renew(session: Session, actor: Actor, contract: Contract, months: int | None = None) -> date:
    """Extend a loan or rental by its term (or ``months``) from its current end."""
    actor.require(Permission.RENEWALS)
    if contract.mode == Mode.GIFT:
        raise ValidationError(f"contract {contract.number} is a gift: there is no term to renew")
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(
            f"contract {contract.number} is {contract.status}: only an active contract is renewed"
        )
    months = months or contract.term_months
    assert months is not None and contract.end_date is not None
    if not 1 <= months <= 120:
        raise ValidationError("a renewal is 1 to 120 months")
    previous = contract.end_date
    contract.end_date = add_months(previous, months)
    contract.renewals += 1
    touch(session, contract)
    event(
        session,
        contract,
        actor,
        "renewed",
        months=months,
        previous_end=previous.isoformat(),
        new_end=contract.end_date.isoformat(),
    )
    session.flush()
    return contract.end_date
