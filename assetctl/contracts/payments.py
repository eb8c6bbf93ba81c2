"""Rental payments, by the family and by the programme."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, col, select

from assetctl.access import Actor, Permission
from assetctl.errors import ValidationError
from assetctl.households.contacts import note_contact
from assetctl.models.families import Contract, Payment
from assetctl.vocabulary import Contact, ContractStatus, Mode


def record_payment(
    session: Session,
    actor: Actor,
    contract: Contract,
    period: str,
    payer: str,
    amount_cents: int | None,
    paid_on: date | None = None,
) -> Payment:
    actor.require(Permission.PAYMENTS)
    if contract.mode != Mode.RENTAL:
        raise ValidationError(f"contract {contract.number} is a {contract.mode}: no fee is due")
    if contract.status == ContractStatus.DRAFT:
        raise ValidationError(f"contract {contract.number} is not signed yet")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise ValidationError(f"period {period!r} must be a month: YYYY-MM, e.g. 2026-11")
    if payer not in ("family", "programme"):
        raise ValidationError("the payer is the family or the programme")
    fee = contract.monthly_fee_cents or 0
    share = contract.programme_share_cents or 0
    due = share if payer == "programme" else fee - share
    amount = due if amount_cents is None else amount_cents
    if amount <= 0:
        raise ValidationError(f"nothing is due from the {payer} on {contract.number}")
    exists = session.exec(
        select(Payment).where(
            Payment.contract_id == contract.id, Payment.period == period, Payment.payer == payer
        )
    ).first()
    if exists is not None:
        raise ValidationError(f"the {payer}'s payment for {period} is already recorded")
    assert contract.id is not None
    payment = Payment(
        contract_id=contract.id,
        period=period,
        payer=payer,
        amount_cents=amount,
        paid_on=paid_on or date.today(),
        recorded_by=actor.name,
    )
    session.add(payment)
    session.flush()
    note_contact(session, contract.household_id, Contact.PAYMENT, payment.paid_on)
    return payment


def payments(session: Session, actor: Actor, contract: Contract) -> list[Payment]:
    actor.require(Permission.PAYMENTS)
    return list(
        session.exec(
            select(Payment).where(Payment.contract_id == contract.id).order_by(col(Payment.period))
        ).all()
    )
