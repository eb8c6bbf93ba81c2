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
    """The public key personal data is sealed with; refused while the programme has none."""
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


def _key_of(model: Any) -> Any:
    return col(model.household_id) if model is HouseholdPersonal else col(model.decision_id)


def _put(session: Session, model: Any, key: int, values: dict[str, Any] | None) -> None:
    """Insert, replace or (``values`` None) delete one sealed row, without reading it: on
    PostgreSQL caseworkers may not SELECT the sealed column."""
    from sqlalchemy import delete, insert, update

    column = _key_of(model)
    if values is None:
        session.execute(delete(model).where(column == key))
        return
    exists = session.execute(select(column).where(column == key)).first()
    if exists:
        session.execute(update(model).where(column == key).values(**values))
    else:
        session.execute(insert(model).values({column.key: key, **values}))


def _read(
    session: Session, model: Any, keys: list[int] | None, purpose: str
) -> list[tuple[int, str]]:
    """(key, sealed) rows; on PostgreSQL through the function that logs the read."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        rows = session.execute(
            text("SELECT id, sealed FROM assetctl_read_sealed(:table, :keys, :why)"),
            {"table": model.__tablename__, "keys": keys, "why": purpose},
        ).all()
        return [(int(key), str(sealed)) for key, sealed in rows]
    column = _key_of(model)
    query = select(column, col(model.sealed))
    if keys is not None:
        query = query.where(column.in_(keys))
    return [(int(key), str(sealed)) for key, sealed in session.execute(query).all()]


def store(session: Session, household_id: int, personal: dict[str, Any]) -> None:
    """Seal ``personal`` (field -> value, children as (first name, birth date)) for the
    household, replacing what was there; an empty record deletes the row."""
    key = programme_key(session)
    data = _to_json(personal)
    values = (
        {"sealed": key.seal(data), "key_fingerprint": key.fingerprint, "updated_at": utcnow()}
        if data
        else None
    )
    _put(session, HouseholdPersonal, household_id, values)


def load(
    session: Session, actor: Actor, household_id: int, purpose: str = "read"
) -> dict[str, Any]:
    """The household's personal fields (absent ones missing), children as a list of
    (first name, birth date); opening them needs the actor's private key."""
    opener = opener_of(session, actor)
    rows = _read(session, HouseholdPersonal, [household_id], purpose)
    return _from_json(opener.open(rows[0][1])) if rows else {"children": []}


def load_many(
    session: Session,
    actor: Actor,
    household_ids: Iterable[int] | None = None,
    purpose: str = "list",
) -> dict[int, dict[str, Any]]:
    """Several households' personal data in one query (every household's without ids)."""
    opener = opener_of(session, actor)
    keys = list(household_ids) if household_ids is not None else None
    rows = _read(session, HouseholdPersonal, keys, purpose)
    opened = opener.open_many([sealed for _, sealed in rows])
    return {key: _from_json(data) for (key, _), data in zip(rows, opened, strict=True)}


def store_rationale(session: Session, decision_id: int, rationale: str | None) -> None:
    values = {"sealed": programme_key(session).seal(rationale)} if rationale else None
    _put(session, DecisionRationale, decision_id, values)


def load_rationale(session: Session, actor: Actor, decision_id: int) -> str | None:
    rows = _read(session, DecisionRationale, [decision_id], "rationale")
    return str(opener_of(session, actor).open(rows[0][1])) if rows else None


def seal_secret(session: Session, secret: str) -> str:
    """A device's initial password, sealed for the handover sheet."""
    return programme_key(session).seal(secret)


def open_secret(session: Session, actor: Actor, sealed: str) -> str:
    return str(opener_of(session, actor).open(sealed))
