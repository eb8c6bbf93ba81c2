"""Training and support sessions offered to families, and who attended (an indicator)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from assetctl.access import Actor, Permission
from assetctl.errors import NotFoundError, ValidationError
from assetctl.households.contacts import note_contact
from assetctl.models.families import Household, TrainingAttendance, TrainingSession
from assetctl.models.types import utcnow
from assetctl.vocabulary import Contact

ATTENDANCE = ("offered", "attended", "absent", "declined")


def add_session(
    session: Session, actor: Actor, held_on: date, topic: str, place: str | None = None
) -> TrainingSession:
    actor.require(Permission.PAYMENTS)
    topic = " ".join(topic.split())
    if not topic or len(topic) > 200:
        raise ValidationError("a training session needs a topic of 1 to 200 characters")
    training = TrainingSession(held_on=held_on, topic=topic, place=place, created_by=actor.name)
    session.add(training)
    session.flush()
    return training


def get(session: Session, number: int) -> TrainingSession:
    training = session.get(TrainingSession, number)
    if training is None:
        raise NotFoundError(f"no training session {number}: see `assetctl training list`")
    return training


def record(
    session: Session, actor: Actor, training: TrainingSession, household: Household, status: str
) -> TrainingAttendance:
    """Offer a session to a household, or record whether it attended."""
    actor.require(Permission.PAYMENTS)
    if status not in ATTENDANCE:
        raise ValidationError(f"attendance {status!r} is not one of: {', '.join(ATTENDANCE)}")
    if household.purged_at is not None:
        raise ValidationError(f"household {household.ref} was anonymised")
    if status == "attended" and training.held_on > date.today():
        raise ValidationError(
            f"session {training.id} is on {training.held_on}: attendance is recorded after it"
        )
    assert training.id is not None and household.id is not None
    row = session.exec(
        select(TrainingAttendance).where(
            TrainingAttendance.session_id == training.id,
            TrainingAttendance.household_id == household.id,
        )
    ).first()
    if row is None:
        row = TrainingAttendance(
            session_id=training.id, household_id=household.id, status=status, updated_by=actor.name
        )
    else:
        row.status = status
        row.updated_at = utcnow()
        row.updated_by = actor.name
    session.add(row)
    session.flush()
    if status == "attended":
        note_contact(session, household.id, Contact.TRAINING, training.held_on)
    return row


def list_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.PAYMENTS)
    counts: dict[tuple[int, str], int] = {
        (sid, status): n
        for sid, status, n in session.exec(
            select(TrainingAttendance.session_id, TrainingAttendance.status, func.count()).group_by(
                col(TrainingAttendance.session_id), col(TrainingAttendance.status)
            )
        ).all()
    }
    rows = []
    for t in session.exec(select(TrainingSession).order_by(col(TrainingSession.held_on))).all():
        assert t.id is not None
        row: dict[str, Any] = {
            "session": t.id,
            "held_on": t.held_on.isoformat(),
            "topic": t.topic,
            "place": t.place,
        }
        row.update({status: counts.get((t.id, status), 0) for status in ATTENDANCE})
        rows.append(row)
    return rows
