"""Contracts: allocation of ready devices, handover, renewal, returns, losses, payments.

A contract is created by :func:`allocate` as a ``draft`` from the committee's approved decision:
it reserves ready devices (``allocated``). :func:`sign` records the handover: devices go
``on_loan`` (loan, rental) or ``given`` (gift) and the term starts. Each device comes back on
its own (:func:`return_device`, the return desk's scans) or is declared lost or stolen; the
contract closes when no device is left with the family. Every device move goes through the
lifecycle rules, which refuse a device not wiped and imaged since it last came back.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from assetctl.access import Actor, Permission, log_access
from assetctl.committee import latest_decision
from assetctl.config import Settings
from assetctl.errors import NotFoundError, TransitionError, ValidationError
from assetctl.lifecycle import Status, change_status, readiness
from assetctl.models import Asset
from assetctl.models.families import (
    Contract,
    ContractEvent,
    ContractLine,
    Household,
    Payment,
)
from assetctl.models.types import utcnow

DEVICE_KINDS = frozenset({"desktop", "laptop", "printer"})
CONDITIONS = ("ok", "damaged", "accessories-missing")
CONDITION_ALIASES = {
    "ok": "ok",
    "bon": "ok",
    "good": "ok",
    "damaged": "damaged",
    "abime": "damaged",
    "abîmé": "damaged",
    "endommage": "damaged",
    "endommagé": "damaged",
    "accessories-missing": "accessories-missing",
    "missing-accessories": "accessories-missing",
    "incomplet": "accessories-missing",
    "accessoires-manquants": "accessories-missing",
}
INTERNET_TYPES = ("social-tariff", "subscription")
LINE_OPEN = frozenset({"allocated", "with_family", "active"})


def parse_condition(text: str) -> str:
    value = CONDITION_ALIASES.get(text.strip().lower().replace(" ", "-"))
    if value is None:
        raise ValidationError(f"condition {text!r} is not one of: {', '.join(CONDITIONS)}")
    return value


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def find(session: Session, number: str) -> Contract:
    wanted = number.strip().upper()
    contract = session.exec(select(Contract).where(Contract.number == wanted)).first()
    if contract is None:
        raise NotFoundError(
            f"no contract {number.strip()!r}: see `assetctl contract list` (e.g. CT-2026-0001)"
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


def _event(session: Session, contract: Contract, actor: Actor, action: str, **details: Any) -> None:
    assert contract.id is not None
    session.add(
        ContractEvent(
            contract_id=contract.id, actor=actor.name, action=action, details=details or None
        )
    )


def _touch(session: Session, contract: Contract) -> None:
    session.add(contract)  # the UPDATE carries the version check


def _not_ready_reason(session: Session, asset: Asset) -> str:
    state = readiness(session, asset)
    if asset.status == Status.READY.value and state.ok:
        return ""
    if not state.ok:
        return "; ".join(state.problems)
    return f"it is {asset.status}, not ready"


def _next_number(session: Session, settings: Settings, today: date) -> str:
    from assetctl.tags import next_number

    prefix = settings.programme.contract_prefix
    number = next_number(session, prefix, f"#{today.year}")
    return f"{prefix}-{today.year}-{number:04d}"


@dataclass(frozen=True)
class AllocationInput:
    tags: tuple[str, ...] = ()
    internet_type: str | None = None
    internet_monthly_cents: int | None = None


def allocate(
    session: Session,
    settings: Settings,
    actor: Actor,
    household: Household,
    given: AllocationInput,
    today: date | None = None,
) -> Contract:
    """Create the draft contract of the household's approved decision, with ready devices."""
    actor.require(Permission.FAMILY_DEVICES)
    today = today or date.today()
    if household.purged_at is not None:
        raise ValidationError(f"household {household.ref} was anonymised")
    decision = latest_decision(session, household.id)
    if decision is None or decision.outcome != "approved":
        state = f"its latest decision is {decision.outcome}" if decision else "no decision yet"
        raise ValidationError(
            f"household {household.ref} has no approved committee decision ({state})"
        )
    existing = session.exec(
        select(Contract).where(
            Contract.decision_id == decision.id, col(Contract.status) != "cancelled"
        )
    ).first()
    if existing is not None:
        raise ValidationError(
            f"the decision for {household.ref} was already allocated under contract "
            f"{existing.number} ({existing.status}); a new allocation needs a new decision"
        )
    approved = decision.equipment or []
    kinds = [e for e in approved if e in DEVICE_KINDS]
    chosen: dict[str, Asset] = {}
    from assetctl.assets import find_asset

    for tag in given.tags:
        asset = find_asset(session, tag)
        if asset.kind not in kinds:
            raise ValidationError(
                f"{asset.tag} is a {asset.kind}; the committee approved "
                f"{', '.join(kinds) or 'no device'} for {household.ref}"
            )
        if asset.kind in chosen:
            raise ValidationError(
                f"two {asset.kind}s given ({chosen[asset.kind].tag}, {asset.tag}); the "
                f"decision approved one"
            )
        why = _not_ready_reason(session, asset)
        if why:
            raise TransitionError(f"{asset.tag} may not go to a family: {why}")
        chosen[asset.kind] = asset
    for kind in kinds:
        if kind in chosen:
            continue
        candidate = session.exec(
            select(Asset)
            .where(Asset.kind == kind, Asset.status == Status.READY.value)
            .order_by(col(Asset.updated_at), col(Asset.tag))
            .limit(1)
        ).first()
        if candidate is None or _not_ready_reason(session, candidate):
            raise ValidationError(
                f"no ready {kind} to allocate: prepare one on the bench (wipe and image), "
                f"or name one with --tag"
            )
        chosen[kind] = candidate
    if not chosen and "internet" not in approved:
        raise ValidationError(f"the decision for {household.ref} approved nothing to allocate")
    if given.internet_type is not None and "internet" not in approved:
        raise ValidationError(f"internet support was not approved for {household.ref}")
    if given.internet_type is not None and given.internet_type not in INTERNET_TYPES:
        raise ValidationError(
            f"internet support {given.internet_type!r} is not one of: {', '.join(INTERNET_TYPES)}"
        )
    assert household.id is not None and decision.mode is not None
    contract = Contract(
        number=_next_number(session, settings, today),
        household_id=household.id,
        decision_id=decision.id,
        mode=decision.mode,
        term_months=decision.term_months,
        monthly_fee_cents=decision.monthly_fee_cents,
        programme_share_cents=decision.programme_share_cents,
        created_by=actor.name,
    )
    session.add(contract)
    session.flush()
    assert contract.id is not None
    for kind in kinds:
        asset = chosen[kind]
        change_status(
            session,
            asset,
            Status.ALLOCATED,
            actor=actor.name,
            reason=f"allocated to {household.ref}",
            contract=contract.number,
        )
        session.add(
            ContractLine(
                contract_id=contract.id,
                line_type="device",
                asset_id=asset.id,
                kind=kind,
                status="allocated",
            )
        )
        if kind == "printer" and settings.programme.printer_supplies:
            session.add(
                ContractLine(
                    contract_id=contract.id,
                    line_type="supplies",
                    status="allocated",
                    description=settings.programme.printer_supplies,
                )
            )
    if "internet" in approved:
        kind_of_support = given.internet_type or "social-tariff"
        session.add(
            ContractLine(
                contract_id=contract.id,
                line_type="internet",
                status="allocated",
                internet_type=kind_of_support,
                monthly_cents=given.internet_monthly_cents,
            )
        )
    _event(
        session,
        contract,
        actor,
        "allocated",
        devices=[chosen[k].tag for k in kinds],
        internet="internet" in approved,
    )
    session.flush()
    return contract


@dataclass(frozen=True)
class Delivery:
    mode: str | None = None  # home, point
    on: date | None = None
    place: str | None = None
    staff: str | None = None
    installation: bool | None = None


def plan_delivery(session: Session, actor: Actor, contract: Contract, delivery: Delivery) -> None:
    actor.require(Permission.FAMILY_DEVICES)
    if contract.status != "draft":
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
    _touch(session, contract)
    _event(
        session,
        contract,
        actor,
        "delivery planned",
        mode=contract.delivery_mode,
        on=contract.delivery_date.isoformat() if contract.delivery_date else None,
        installation=contract.installation,
    )
    session.flush()


def sign(session: Session, actor: Actor, contract: Contract, on: date | None = None) -> list[str]:
    """The handover: the family signed, the devices are theirs to use (or own)."""
    actor.require(Permission.FAMILY_DEVICES)
    on = on or date.today()
    if contract.status != "draft":
        raise ValidationError(
            f"contract {contract.number} is {contract.status}: only a draft contract is signed"
        )
    target = Status.GIVEN if contract.mode == "gift" else Status.ON_LOAN
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
        line.status = "given" if contract.mode == "gift" else "with_family"
        session.add(line)
        tags.append(asset.tag)
    for line in lines(session, contract):
        if line.line_type == "supplies":
            line.status = "given"
            session.add(line)
        elif line.line_type == "internet":
            line.status = "active"
            session.add(line)
    contract.signed_at = utcnow()
    contract.start_date = on
    contract.delivery_date = contract.delivery_date or on
    if contract.mode == "gift":
        contract.status = "closed"
        contract.closed_at = contract.signed_at
    else:
        assert contract.term_months is not None
        contract.status = "active"
        contract.end_date = add_months(on, contract.term_months)
    _touch(session, contract)
    _event(session, contract, actor, "signed", on=on.isoformat(), devices=tags)
    session.flush()
    return tags


def cancel(session: Session, actor: Actor, contract: Contract, reason: str) -> list[str]:
    """Undo a draft: its devices are ready again for another household."""
    actor.require(Permission.FAMILY_DEVICES)
    if contract.status != "draft":
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
        line.status = "cancelled"
        line.closed_at = utcnow()
        line.closed_by = actor.name
        session.add(line)
        tags.append(asset.tag)
    contract.status = "cancelled"
    contract.closed_at = utcnow()
    _touch(session, contract)
    _event(session, contract, actor, "cancelled", reason=reason.strip())
    session.flush()
    return tags


def renew(session: Session, actor: Actor, contract: Contract, months: int | None = None) -> date:
    """Extend a loan or rental by its term (or ``months``) from its current end."""
    actor.require(Permission.DOCUMENTS)
    if contract.mode == "gift":
        raise ValidationError(f"contract {contract.number} is a gift: there is no term to renew")
    if contract.status != "active":
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
    _touch(session, contract)
    _event(
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


def _open_line(session: Session, asset: Asset) -> tuple[Contract, ContractLine]:
    found = session.exec(
        select(Contract, ContractLine).where(
            ContractLine.asset_id == asset.id,
            ContractLine.contract_id == Contract.id,
            ContractLine.status == "with_family",
            Contract.status == "active",
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
    _event(session, contract, actor, f"device {line_status}", tag=asset.tag, condition=condition)
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
    condition = parse_condition(condition)
    return _device_back(
        session,
        actor,
        asset,
        line_status="returned",
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
        line_status="stolen" if stolen else "lost",
        target=Status.LOST,
        note=note,
    )


def _close_if_done(session: Session, actor: Actor, contract: Contract) -> bool:
    session.flush()
    remaining = [
        ln for ln in lines(session, contract) if ln.line_type == "device" and ln.status in LINE_OPEN
    ]
    if remaining:
        _touch(session, contract)
        session.flush()
        return False
    for ln in lines(session, contract):
        if ln.line_type == "internet" and ln.status == "active":
            ln.status = "ended"
            ln.closed_at = utcnow()
            ln.closed_by = actor.name
            session.add(ln)
    contract.status = "closed"
    contract.closed_at = utcnow()
    _touch(session, contract)
    _event(session, contract, actor, "closed")
    session.flush()
    return True


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
    import re

    if contract.mode != "rental":
        raise ValidationError(f"contract {contract.number} is a {contract.mode}: no fee is due")
    if contract.status == "draft":
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
    return payment


def list_rows(
    session: Session,
    actor: Actor,
    *,
    due_within: int | None = None,
    overdue: bool = False,
    status: str | None = None,
    contacts: bool = False,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Contracts as rows; ``contacts`` adds the family's names and contacts (caseworkers)."""
    if contacts:
        actor.require(Permission.PERSONAL_DATA)
    today = today or date.today()
    query = select(Contract, Household).where(Contract.household_id == Household.id)
    if status:
        query = query.where(Contract.status == status)
    if due_within is not None or overdue:
        query = query.where(Contract.status == "active", col(Contract.end_date).is_not(None))
        if overdue:
            query = query.where(col(Contract.end_date) < today)
        if due_within is not None:
            query = query.where(col(Contract.end_date) >= today)
            query = query.where(col(Contract.end_date) <= today + timedelta(days=due_within))
    query = query.order_by(col(Contract.end_date), col(Contract.number))
    rows = []
    for contract, household in session.exec(query).all():
        tags = [
            f"{asset.tag}{'' if line.status in LINE_OPEN or line.status == 'given' else '*'}"
            for line, asset in devices(session, contract)
        ]
        row: dict[str, Any] = {
            "number": contract.number,
            "household": household.ref,
            "mode": contract.mode,
            "status": contract.status,
            "start": contract.start_date.isoformat() if contract.start_date else None,
            "end": contract.end_date.isoformat() if contract.end_date else None,
            "days_left": (contract.end_date - today).days
            if contract.end_date and contract.status == "active"
            else None,
            "devices": " ".join(tags),
            "renewals": contract.renewals,
        }
        if contacts:
            row.update(
                representatives="; ".join(household.representatives or []),
                phone=household.phone,
                email=household.email,
                address=household.address,
            )
            log_access(
                session, actor, "mail merge", household, ["representatives", "phone", "email"]
            )
        rows.append(row)
    return rows


def payments(session: Session, actor: Actor, contract: Contract) -> list[Payment]:
    actor.require(Permission.PAYMENTS)
    return list(
        session.exec(
            select(Payment).where(Payment.contract_id == contract.id).order_by(col(Payment.period))
        ).all()
    )


def document_record(
    session: Session, settings: Settings, actor: Actor, contract: Contract
) -> dict[str, Any]:
    """What the printed contract says (names included: caseworkers; the access is logged)."""
    actor.require(Permission.DOCUMENTS)
    from assetctl.models import DeviceCredential

    household = household_of(session, contract)
    if household.purged_at is not None:
        raise ValidationError(f"household {household.ref} was anonymised: no contract to print")
    items = []
    for line, asset in devices(session, contract):
        credentials = session.exec(
            select(DeviceCredential)
            .where(DeviceCredential.asset_id == asset.id, DeviceCredential.cycle == asset.cycle)
            .order_by(col(DeviceCredential.account))
        ).all()
        items.append(
            {
                "tag": asset.tag,
                "kind": asset.kind,
                "manufacturer": asset.manufacturer,
                "model": asset.model,
                "serial": asset.serial,
                "status": line.status,
                "accounts": [
                    {"account": c.account, "label": c.label, "password": c.secret}
                    for c in credentials
                ],
            }
        )
    others = [
        {
            "type": ln.line_type,
            "description": ln.description,
            "internet_type": ln.internet_type,
            "monthly_cents": ln.monthly_cents,
        }
        for ln in lines(session, contract)
        if ln.line_type != "device"
    ]
    log_access(session, actor, "print contract", household, ["representatives", "address", "phone"])
    session.flush()
    start = contract.start_date or contract.delivery_date
    end = contract.end_date or (
        add_months(start, contract.term_months) if start and contract.term_months else None
    )
    return {
        "number": contract.number,
        "mode": contract.mode,
        "status": contract.status,
        "household": household.ref,
        "representatives": household.representatives or [],
        "address": household.address,
        "phone": household.phone,
        "term_months": contract.term_months,
        "start": start,
        "end": end,
        "monthly_fee_cents": contract.monthly_fee_cents,
        "programme_share_cents": contract.programme_share_cents,
        "delivery_mode": contract.delivery_mode,
        "delivery_place": contract.delivery_place,
        "delivery_staff": contract.delivery_staff,
        "installation": contract.installation,
        "devices": items,
        "other_lines": others,
        "organisation": settings.organisation,
        "support_phone": settings.support_phone,
        "purge_after_months": settings.programme.purge_after_months,
    }


def view(session: Session, contract: Contract) -> dict[str, Any]:
    """A contract's terms, lines and history, by household reference (no personal data)."""
    out: dict[str, Any] = {
        "number": contract.number,
        "household": household_of(session, contract).ref,
        "mode": contract.mode,
        "status": contract.status,
        "term_months": contract.term_months,
        "start": contract.start_date,
        "end": contract.end_date,
        "monthly_fee": contract.monthly_fee_cents,
        "programme_share": contract.programme_share_cents,
        "delivery": contract.delivery_mode,
        "delivery_date": contract.delivery_date,
        "installation": contract.installation,
        "renewals": contract.renewals,
    }
    line_rows = []
    for line in lines(session, contract):
        asset = session.get(Asset, line.asset_id) if line.asset_id else None
        line_rows.append(
            {
                "type": line.line_type,
                "tag": asset.tag if asset else None,
                "kind": line.kind,
                "status": line.status,
                "condition": line.condition,
                "description": line.description or line.internet_type,
            }
        )
    events = session.exec(
        select(ContractEvent)
        .where(ContractEvent.contract_id == contract.id)
        .order_by(col(ContractEvent.id))
    ).all()
    out["lines"] = line_rows
    out["history"] = [
        {"at": e.at, "actor": e.actor, "action": e.action, **(e.details or {})} for e in events
    ]
    return out
