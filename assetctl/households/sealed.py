"""Where a household's personal data is kept: one sealed row per household.

Writing needs only the programme's public key (in the database), so any bench or import can
add a household; reading needs the private key, unlocked by a caseworker (:mod:`assetctl.sealing`).
Without a programme key nothing personal is stored: the command says how to make one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from assetctl.access import Actor
from assetctl.errors import AccessDeniedError, ValidationError
from assetctl.models.families import DecisionRationale, HouseholdPersonal, ProgrammeKey
from assetctl.models.types import utcnow
from assetctl.sealing import Opener, PublicKey

NO_KEY = (
    "the programme has no key yet, and personal data is never stored unsealed: a caseworker "
    "or admin runs `assetctl key init` once (see README, Personal data)"
)


def programme_key(session: Session) -> PublicKey:
    row = session.get(ProgrammeKey, 1)
    if row is None:
        raise ValidationError(NO_KEY)
    return PublicKey.from_text(row.public_key)


def opener_of(session: Session, actor: Actor) -> Opener:
    """The actor's unlocked private key, refused if it is not the programme's (another
    programme's key file, an old one)."""
    opener = actor.opener()
    key = programme_key(session)
    if key.raw != opener.public.raw:
        raise AccessDeniedError(
            f"this key file (fingerprint {opener.public.fingerprint}) is not the programme's "
            f"key ({key.fingerprint}): use the key file made by `assetctl key init`"
        )
    return opener


def _to_json(personal: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in personal.items() if v is not None and k != "children"}
    if personal.get("children"):
        out["children"] = [
            {"first_name": name, "birth_date": birth.isoformat() if birth else None}
            for name, birth in personal["children"]
        ]
    return out


def _from_json(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    out["children"] = [
        (kid.get("first_name"), _date(kid.get("birth_date"))) for kid in data.get("children") or []
    ]
    return out


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def store(session: Session, household_id: int, personal: dict[str, Any]) -> None:
    """Seal ``personal`` (field -> value, children as (first name, birth date)) for the
    household, replacing what was there; an empty record deletes the row."""
    key = programme_key(session)
    row = session.get(HouseholdPersonal, household_id)
    data = _to_json(personal)
    if not data:
        if row is not None:
            session.delete(row)
        return
    sealed = key.seal(data)
    if row is None:
        row = HouseholdPersonal(
            household_id=household_id, sealed=sealed, key_fingerprint=key.fingerprint
        )
    else:
        row.sealed, row.key_fingerprint, row.updated_at = sealed, key.fingerprint, utcnow()
    session.add(row)


def load(session: Session, actor: Actor, household_id: int) -> dict[str, Any]:
    """The household's personal fields (absent ones missing), children as a list of
    (first name, birth date); opening them needs the actor's private key."""
    opener = opener_of(session, actor)
    row = session.get(HouseholdPersonal, household_id)
    return _from_json(opener.open(row.sealed)) if row is not None else {"children": []}


def load_many(
    session: Session, actor: Actor, household_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Several households' personal data in one query (every household's without ids)."""
    opener = opener_of(session, actor)
    query = select(HouseholdPersonal)
    if household_ids is not None:
        query = query.where(col(HouseholdPersonal.household_id).in_(list(household_ids)))
    return {
        row.household_id: _from_json(opener.open(row.sealed)) for row in session.exec(query).all()
    }


def store_rationale(session: Session, decision_id: int, rationale: str | None) -> None:
    row = session.get(DecisionRationale, decision_id)
    if not rationale:
        if row is not None:
            session.delete(row)
        return
    sealed = programme_key(session).seal(rationale)
    if row is None:
        row = DecisionRationale(decision_id=decision_id, sealed=sealed)
    else:
        row.sealed = sealed
    session.add(row)


def load_rationale(session: Session, actor: Actor, decision_id: int) -> str | None:
    row = session.get(DecisionRationale, decision_id)
    return str(opener_of(session, actor).open(row.sealed)) if row is not None else None


def seal_secret(session: Session, secret: str) -> str:
    """A device's initial password, sealed for the handover sheet."""
    return programme_key(session).seal(secret)


def open_secret(session: Session, actor: Actor, sealed: str) -> str:
    return str(opener_of(session, actor).open(sealed))
