"""The households' register: add, edit, find, show and list, with the access rules.

Every function takes the acting :class:`~assetctl.access.Actor`: personal fields are read and
written only with the ``caseworker`` or ``admin`` role, and every such access is logged. A
technician sees a household as its reference and its anonymous facts (neighbourhood, school,
equipment approved), which is all the bench and the return desk need.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from assetctl.access import Actor, Permission, log_access
from assetctl.config import Settings
from assetctl.errors import NotFoundError, ValidationError
from assetctl.households import sealed
from assetctl.households.contacts import note_contact
from assetctl.households.form import FACT_FIELDS, PERSONAL_FIELDS, age_on, check_form
from assetctl.models.families import (
    Contract,
    Decision,
    Household,
    Recommendation,
)
from assetctl.models.types import utcnow
from assetctl.vocabulary import Contact, ContractStatus


def next_ref(session: Session, settings: Settings) -> str:
    from assetctl.tags import next_number

    prefix = settings.programme.household_prefix
    return f"{prefix}-{next_number(session, prefix, '#'):05d}"


def find(session: Session, ref: str) -> Household:
    wanted = ref.strip().upper()
    household = session.exec(select(Household).where(Household.ref == wanted)).first()
    if household is None:
        latest = session.exec(select(Household.ref).order_by(col(Household.id).desc())).first()
        raise NotFoundError(
            f"no household {ref.strip()!r}: "
            + (
                f"check the reference with `assetctl household list` (the latest is {latest})"
                if latest
                else "there is no household yet (`assetctl household add` records one)"
            )
        )
    return household


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(personal fields, anonymous facts) of a form's values."""
    personal = {k: v for k, v in values.items() if k in PERSONAL_FIELDS}
    return personal, {k: v for k, v in values.items() if k not in PERSONAL_FIELDS}


def add(session: Session, settings: Settings, actor: Actor, values: dict[str, Any]) -> Household:
    """Register a household; its personal fields are sealed with the programme's public key
    (no private key needed: any bench can add a family)."""
    actor.require(Permission.PERSONAL_DATA)
    check_form(values)
    personal, facts = _split(values)
    sealed.programme_key(session)  # refused before anything is written
    household = Household(
        ref=next_ref(session, settings),
        created_by=actor.name,
        children_count=len(personal.get("children") or []),
        **facts,
    )
    if household.caseworker is None:
        household.caseworker = actor.name
    session.add(household)
    session.flush()
    assert household.id is not None
    sealed.store(session, household.id, personal)
    fields = [n for n, v in personal.items() if v]
    log_access(session, actor, "create", household, fields)
    session.flush()
    return household


def edit(session: Session, actor: Actor, household: Household, values: dict[str, Any]) -> list[str]:
    """Change a household; changing personal fields opens them (the private key is needed)."""
    actor.require(Permission.PERSONAL_DATA)
    not_purged(household)
    check_form(values, household)
    if "qpv" in values and values["qpv"] is None:
        raise ValidationError("the neighbourhood cannot be cleared (use 'hors QPV')")
    personal_changes, facts = _split(values)
    changed: list[str] = []
    if personal_changes:
        assert household.id is not None
        personal = sealed.load(session, actor, household.id)
        for name, value in personal_changes.items():
            if personal.get(name) != value and (personal.get(name) or value):
                personal[name] = value
                changed.append(name)
        if changed:
            sealed.store(session, household.id, personal)
            household.children_count = len(personal.get("children") or [])
    for name, value in facts.items():
        if getattr(household, name) != value:
            setattr(household, name, value)
            changed.append(name)
    if changed:
        household.updated_at = utcnow()
        session.add(household)
        log_access(session, actor, "update", household, changed)
        session.flush()
        assert household.id is not None
        note_contact(session, household.id, Contact.FORM)  # the form updated with the family
    return changed


def not_purged(household: Household) -> None:
    if household.purged_at is not None:
        raise ValidationError(
            f"household {household.ref} was anonymised on {household.purged_at:%Y-%m-%d}: "
            "its personal data is gone"
        )


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def view(session: Session, actor: Actor, household: Household) -> dict[str, Any]:
    """What ``household show`` prints: the facts for everyone, personal fields by role."""
    out: dict[str, Any] = {"ref": household.ref}
    out.update({name: jsonable(getattr(household, name)) for name in FACT_FIELDS})
    out["children_count"] = household.children_count
    out["purged_at"] = jsonable(household.purged_at)
    out["status"] = status(session, household)
    out["last_contact"] = household.last_contact
    out["last_contact_at"] = jsonable(household.last_contact_at)
    if actor.may(Permission.PERSONAL_DATA) and household.purged_at is None:
        assert household.id is not None
        personal = sealed.load(session, actor, household.id)
        for name in PERSONAL_FIELDS[:-1]:
            out[name] = personal.get(name)
        out["children"] = [
            {
                "first_name": name,
                "birth_date": jsonable(birth),
                "age": age_on(birth, date.today()) if birth else None,
            }
            for name, birth in personal["children"]
        ]
        log_access(session, actor, "read", household, list(PERSONAL_FIELDS))
    elif household.purged_at is not None:
        out["personal_data"] = "erased (purged)"
    else:
        out["personal_data"] = "hidden (caseworker or admin role)"
    out["decisions"] = [
        {
            "session": d.session_id,
            "outcome": d.outcome,
            "equipment": d.equipment,
            "mode": d.mode,
            "decided_at": jsonable(d.decided_at),
        }
        for d in session.exec(
            select(Decision)
            .where(Decision.household_id == household.id)
            .order_by(col(Decision.decided_at))
        ).all()
    ]
    out["contracts"] = [
        {"number": c.number, "mode": c.mode, "status": c.status, "end_date": jsonable(c.end_date)}
        for c in session.exec(
            select(Contract).where(Contract.household_id == household.id).order_by(col(Contract.id))
        ).all()
    ]
    return out


def latest_of_household(model: Any, at: Any, column: Any) -> Any:
    """``column`` of the household's latest row of ``model`` (by ``at``, then id), as a scalar
    subquery correlated to the household of the outer query."""
    return (
        select(column)
        .where(col(model.household_id) == col(Household.id))
        .order_by(at.desc(), col(model.id).desc())
        .limit(1)
        .correlate(Household)
        .scalar_subquery()
    )


def status_columns() -> tuple[Any, Any, Any]:
    """What a household's status is computed from, as SQL expressions correlated to the
    household row (one query lists them all): the best open contract (2 active, 1 draft, 0
    closed or cancelled only, NULL none), the latest decision's outcome, and whether a
    recommendation exists."""
    contract_rank = (
        select(
            func.max(
                case(
                    (col(Contract.status) == ContractStatus.ACTIVE.value, 2),
                    (col(Contract.status) == ContractStatus.DRAFT.value, 1),
                    else_=0,
                )
            )
        )
        .where(Contract.household_id == Household.id)
        .correlate(Household)
        .scalar_subquery()
    )
    outcome = latest_of_household(Decision, col(Decision.decided_at), col(Decision.outcome))
    recommended = (
        select(Recommendation.id)
        .where(Recommendation.household_id == Household.id)
        .correlate(Household)
        .exists()
    )
    return contract_rank, outcome, recommended


def status_of(
    purged: bool, contract_rank: int | None, outcome: str | None, recommended: bool
) -> str:
    """Where the household stands: purged; equipped (an active contract), allocated (a draft);
    closed (all contracts closed); else the latest decision (approved, rejected, deferred);
    else recommended or diagnosed."""
    if purged:
        return "purged"
    if contract_rank is not None:
        return {2: "equipped", 1: "allocated"}.get(contract_rank, "closed")
    if outcome:
        return outcome
    return "recommended" if recommended else "diagnosed"


def status(session: Session, household: Household) -> str:
    """Where one household stands (see :func:`status_of`)."""
    rank, outcome, recommended = status_columns()
    row = session.exec(select(rank, outcome, recommended).where(Household.id == household.id)).one()
    return status_of(household.purged_at is not None, row[0], row[1], bool(row[2]))


def list_rows(
    session: Session,
    actor: Actor,
    qpv: str | None = None,
    school: str | None = None,
    *,
    contacts: bool = False,
) -> list[dict[str, Any]]:
    """One row per household: reference and facts; with ``contacts``, names and phones
    (caseworkers only, logged). Two queries, whatever the number of households: the facts,
    and with contacts the sealed personal rows, opened with the caseworker's key."""
    if contacts:
        actor.require(Permission.PERSONAL_DATA)
    rank, outcome, recommended = status_columns()
    personal = contacts
    columns = [
        col(Household.ref),
        col(Household.qpv),
        col(Household.school),
        col(Household.children_count),
        col(Household.requested),
        col(Household.internet),
        col(Household.purged_at).is_not(None),
        rank,
        outcome,
        recommended,
        col(Household.id),
    ]
    query = sa_select(*columns).order_by(col(Household.ref))
    if qpv:
        query = query.where(col(Household.qpv) == qpv)
    if school:
        query = query.where(func.lower(Household.school) == school.strip().lower())
    found_rows = session.execute(query).all()
    opened = sealed.load_many(session, actor) if personal and found_rows else {}
    rows = []
    for found in found_rows:
        ref, area, where, kids, requested, internet, purged, contract_rank = found[:8]
        last_outcome, has_recommendation = found[8:10]
        row: dict[str, Any] = {
            "ref": ref,
            "qpv": area,
            "school": where,
            "children": kids,
            "requested": ",".join(requested or []),
            "internet": internet,
            "status": status_of(
                bool(purged), contract_rank, last_outcome, bool(has_recommendation)
            ),
        }
        if personal:
            one = opened.get(found[10], {})
            row["representatives"] = "; ".join(one.get("representatives") or [])
            row["phone"] = one.get("phone")
        rows.append(row)
    if personal and rows:
        log_access(session, actor, "list", None, ["representatives", "phone"], f"{len(rows)} rows")
    return rows
