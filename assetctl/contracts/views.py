"""What is shown of contracts: the list, one contract, and what the printed contract says."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from assetctl.access import Actor, Permission, log_access
from assetctl.config import Settings
from assetctl.contracts.common import devices, household_of, lines
from assetctl.dates import add_months
from assetctl.errors import ValidationError
from assetctl.households import sealed
from assetctl.models import Asset
from assetctl.models.families import Contract, ContractEvent, ContractLine, Household
from assetctl.vocabulary import OPEN_LINE, ContractStatus, LineStatus, LineType


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
        query = query.where(
            Contract.status == ContractStatus.ACTIVE.value, col(Contract.end_date).is_not(None)
        )
        if overdue:
            query = query.where(col(Contract.end_date) < today)
        if due_within is not None:
            query = query.where(col(Contract.end_date) >= today)
            query = query.where(col(Contract.end_date) <= today + timedelta(days=due_within))
    query = query.order_by(col(Contract.end_date), col(Contract.number))
    found = session.exec(query).all()
    # every listed contract's devices in one more query (the same filter, as a subquery)
    listed = query.with_only_columns(col(Contract.id)).order_by(None).scalar_subquery()
    tags: dict[int, list[str]] = {}
    for contract_id, line_status, tag in session.exec(
        select(ContractLine.contract_id, ContractLine.status, Asset.tag)
        .where(ContractLine.asset_id == Asset.id, col(ContractLine.contract_id).in_(listed))
        .order_by(col(ContractLine.id))
    ).all():
        still_out = line_status in OPEN_LINE or line_status == LineStatus.GIVEN
        tags.setdefault(contract_id, []).append(tag if still_out else f"{tag}*")
    opened = sealed.load_many(session, actor, [h.id for _, h in found if h.id]) if contacts else {}
    rows = []
    for contract, household in found:
        row: dict[str, Any] = {
            "number": contract.number,
            "household": household.ref,
            "mode": contract.mode,
            "status": contract.status,
            "start": contract.start_date.isoformat() if contract.start_date else None,
            "end": contract.end_date.isoformat() if contract.end_date else None,
            "days_left": (contract.end_date - today).days
            if contract.end_date and contract.status == ContractStatus.ACTIVE
            else None,
            "devices": " ".join(tags.get(contract.id or 0, [])),
            "renewals": contract.renewals,
        }
        if contacts:
            personal = opened.get(household.id or 0, {})
            row.update(
                representatives="; ".join(personal.get("representatives") or []),
                phone=personal.get("phone"),
                email=personal.get("email"),
                address=personal.get("address"),
            )
            log_access(
                session, actor, "mail merge", household, ["representatives", "phone", "email"]
            )
        rows.append(row)
    return rows


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
                    {
                        "account": c.account,
                        "label": c.label,
                        "password": sealed.open_secret(session, actor, c.sealed_secret),
                    }
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
        if ln.line_type != LineType.DEVICE
    ]
    assert household.id is not None
    personal = sealed.load(session, actor, household.id)
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
        "signed": contract.signed_at is not None,
        "household": household.ref,
        "representatives": personal.get("representatives") or [],
        "address": personal.get("address"),
        "phone": personal.get("phone"),
        "term_months": contract.term_months,
        "renewals": contract.renewals,
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
        "monthly_fee_cents": contract.monthly_fee_cents,
        "programme_share_cents": contract.programme_share_cents,
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
