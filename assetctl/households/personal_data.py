"""Personal data and the GDPR: the right of access (export) and erasure (purge)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from assetctl.access import Actor, Permission, log_access
from assetctl.config import Settings
from assetctl.dates import add_months
from assetctl.households import sealed
from assetctl.households.form import PERSONAL_FIELDS
from assetctl.households.registry import jsonable
from assetctl.models.families import (
    AccessLog,
    CommitteeSession,
    Contract,
    ContractEvent,
    ContractLine,
    Decision,
    DecisionRationale,
    Household,
    HouseholdPersonal,
    Payment,
    Recommendation,
    TrainingAttendance,
    TrainingSession,
)
from assetctl.models.types import utcnow
from assetctl.vocabulary import OPEN_CONTRACT


def _row(obj: Any) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in obj.model_dump().items()}


def export(session: Session, actor: Actor, household: Household) -> dict[str, Any]:
    """Everything stored about a household (right of access), as one JSON document, its sealed
    data opened (the private key is needed)."""
    actor.require(Permission.PERSONAL_DATA)
    hid = household.id
    assert hid is not None
    personal = sealed.load(session, actor, hid) if household.purged_at is None else {}
    contracts = session.exec(select(Contract).where(Contract.household_id == hid)).all()
    contract_ids = [c.id for c in contracts]
    decisions = session.exec(select(Decision).where(Decision.household_id == hid)).all()
    sessions = session.exec(
        select(CommitteeSession).where(
            col(CommitteeSession.id).in_([d.session_id for d in decisions])
        )
    ).all()
    attendances = session.exec(
        select(TrainingAttendance).where(TrainingAttendance.household_id == hid)
    ).all()
    trainings = session.exec(
        select(TrainingSession).where(
            col(TrainingSession.id).in_([a.session_id for a in attendances])
        )
    ).all()
    from assetctl.models import Asset

    lines = session.exec(
        select(ContractLine).where(col(ContractLine.contract_id).in_(contract_ids))
    ).all()
    assets = session.exec(
        select(Asset).where(col(Asset.id).in_([ln.asset_id for ln in lines if ln.asset_id]))
    ).all()
    log_access(session, actor, "export", household, list(PERSONAL_FIELDS), "right of access")
    session.flush()
    return {
        "exported_at": jsonable(utcnow()),
        "household": {
            **_row(household),
            **{name: personal.get(name) for name in PERSONAL_FIELDS[:-1]},
        },
        "children": [
            {"first_name": name, "birth_date": jsonable(birth)}
            for name, birth in personal.get("children") or []
        ],
        "recommendations": [
            _row(r)
            for r in session.exec(
                select(Recommendation).where(Recommendation.household_id == hid)
            ).all()
        ],
        "committee_sessions": [_row(s) for s in sessions],
        "decisions": [
            {**_row(d), "rationale": sealed.load_rationale(session, actor, d.id or 0)}
            for d in decisions
        ],
        "contracts": [_row(c) for c in contracts],
        "contract_lines": [_row(ln) for ln in lines],
        "devices": [
            {
                "id": a.id,
                "tag": a.tag,
                "kind": a.kind,
                "manufacturer": a.manufacturer,
                "model": a.model,
                "serial": a.serial,
            }
            for a in assets
        ],
        "contract_events": [
            _row(e)
            for e in session.exec(
                select(ContractEvent).where(col(ContractEvent.contract_id).in_(contract_ids))
            ).all()
        ],
        "payments": [
            _row(p)
            for p in session.exec(
                select(Payment).where(col(Payment.contract_id).in_(contract_ids))
            ).all()
        ],
        "trainings": [_row(t) for t in trainings],
        "training_attendance": [_row(a) for a in attendances],
        "access_log": [
            _row(a)
            for a in session.exec(
                select(AccessLog).where(AccessLog.household_id == hid).order_by(col(AccessLog.id))
            ).all()
        ],
    }


def purge_candidates(
    session: Session, settings: Settings, today: date | None = None
) -> list[tuple[Household, datetime]]:
    """Households with no open contract whose last contact with the programme
    (households.contacts) is older than ``purge_after_months``. One query."""
    today = today or date.today()
    limit = add_months(today, -settings.programme.purge_after_months)
    open_contract = (
        select(Contract.id)
        .where(
            Contract.household_id == Household.id,
            col(Contract.status).in_([s.value for s in OPEN_CONTRACT]),
        )
        .correlate(Household)
        .exists()
    )
    query = (
        select(Household)
        .where(
            col(Household.purged_at).is_(None),
            ~open_contract,
            col(Household.last_contact_at) < datetime.combine(limit, time(0), tzinfo=UTC),
        )
        .order_by(col(Household.ref))
    )
    return [(household, household.last_contact_at) for household in session.exec(query).all()]


def purge(
    session: Session,
    settings: Settings,
    actor: Actor,
    today: date | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Anonymise the purge candidates: their sealed personal rows deleted, facts kept (no key
    is needed to erase)."""
    actor.require(Permission.PURGE)
    candidates = purge_candidates(session, settings, today)
    refs = [h.ref for h, _ in candidates]
    if dry_run or not candidates:
        return refs
    ids = [h.id for h, _ in candidates]
    now = utcnow()
    for household, _ in candidates:
        household.purged_at = now
        household.updated_at = now
        session.add(household)
        log_access(session, actor, "purge", household, list(PERSONAL_FIELDS), "retention period")
    session.execute(delete(HouseholdPersonal).where(col(HouseholdPersonal.household_id).in_(ids)))
    decisions = select(Decision.id).where(col(Decision.household_id).in_(ids))
    session.execute(
        delete(DecisionRationale).where(col(DecisionRationale.decision_id).in_(decisions))
    )
    session.flush()
    return refs
