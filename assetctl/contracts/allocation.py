"""Allocation: the draft contract of a household's approved decision, with ready devices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from assetctl.access import Actor, Permission
from assetctl.committee import latest_decision
from assetctl.config import Settings
from assetctl.contracts.common import event, not_ready_reason
from assetctl.errors import TransitionError, ValidationError
from assetctl.lifecycle import Status, change_status
from assetctl.models import Asset
from assetctl.models.families import Contract, ContractLine, Household
from assetctl.vocabulary import DEVICE_KINDS, ContractStatus, LineStatus, LineType, Outcome

INTERNET_TYPES = ("social-tariff", "subscription")


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
    if decision is None or decision.outcome != Outcome.APPROVED:
        state = f"its latest decision is {decision.outcome}" if decision else "no decision yet"
        raise ValidationError(
            f"household {household.ref} has no approved committee decision ({state})"
        )
    existing = session.exec(
        select(Contract).where(
            Contract.decision_id == decision.id,
            col(Contract.status) != ContractStatus.CANCELLED.value,
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
        why = not_ready_reason(session, asset)
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
        if candidate is None or not_ready_reason(session, candidate):
            raise ValidationError(
                f"no ready {kind} to allocate: the committee approved {', '.join(kinds)} for "
                f"{household.ref}, and a contract holds them all; prepare a {kind} on the "
                f"bench (wipe and image), or name a ready one with --tag (`assetctl asset "
                f"list --kind {kind} --status ready`)"
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
                line_type=LineType.DEVICE.value,
                asset_id=asset.id,
                kind=kind,
                status=LineStatus.ALLOCATED.value,
            )
        )
        if kind == "printer" and settings.programme.printer_supplies:
            session.add(
                ContractLine(
                    contract_id=contract.id,
                    line_type=LineType.SUPPLIES.value,
                    status=LineStatus.ALLOCATED.value,
                    description=settings.programme.printer_supplies,
                )
            )
    if "internet" in approved:
        kind_of_support = given.internet_type or "social-tariff"
        session.add(
            ContractLine(
                contract_id=contract.id,
                line_type=LineType.INTERNET.value,
                status=LineStatus.ALLOCATED.value,
                internet_type=kind_of_support,
                monthly_cents=given.internet_monthly_cents,
            )
        )
    event(
        session,
        contract,
        actor,
        "allocated",
        devices=[chosen[k].tag for k in kinds],
        internet="internet" in approved,
    )
    session.flush()
    return contract
